import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledgeFinding, WILDCARD_FOR_LOGS_AND_TRACING } from '../../infra/compliance';
import { ApprovalError, type HumanApproval } from '../../infra/constructs/human-approval';

/** What the release workflow takes. */
const EXAMPLE_INPUT =
  '{"release": "42", "change": "Adds the export endpoint", "approvers": ["ana@example.com", "ben@example.com"], "requester": "dev@example.com"}';

export interface ReleaseWorkflowProps {
  /** The approval service the release asks. */
  readonly approval: HumanApproval;
}

/**
 * A release pipeline that needs two people's approval: prepare the release, ask every approver
 * (policy `all`) with `approvalDecisionTask`, then deploy, or stop with the reason, caught by name. The prepare and deploy steps are Pass
 * states standing in for a real build and deployment.
 *
 * Input: EXAMPLE_INPUT, `{"release": "42", "change": "Adds the export endpoint", "approvers": ["ana@example.com", "ben@example.com"], "requester": "dev@example.com"}`.
 * Every field is required: an input without one fails at once with `InvalidReleaseInput`, whose
 * cause names the field, before anything is built or anyone is asked.
 */
export class ReleaseWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: ReleaseWorkflowProps) {
    super(scope, id);

    // Without these the steps below would fail with States.Runtime, naming a JSONPath instead of the field.
    // The requester is required rather than defaulted: it is who may not approve their own release.
    const checkInput = new sfn.Choice(this, 'CheckInput', { comment: 'Every field of the input is required.' });
    for (const [field, what, text] of [
      ['release', 'the release id, as text', true],
      ['change', 'what the release changes, as text', true],
      ['approvers', "the approvers' email addresses, as a list", false],
      ['requester', 'the email address of who asks for the release', true],
    ] as const) {
      const missing = new sfn.Fail(this, `Missing${field.charAt(0).toUpperCase()}${field.slice(1)}`, {
        error: 'InvalidReleaseInput',
        cause: `The release workflow's input has no "${field}" (${what}). Start it with ${EXAMPLE_INPUT}.`,
      });
      // Rules are tried in order, so a type test only meets a field that is there (on a missing one it
      // would fail with States.Runtime). `Not` rather than `IsPresent: false` / `IsString: false`,
      // whose false the local interpreter does not read.
      checkInput.when(sfn.Condition.not(sfn.Condition.isPresent(`$.${field}`)), missing);
      if (text) checkInput.when(sfn.Condition.not(sfn.Condition.isString(`$.${field}`)), missing);
    }

    const prepare = new sfn.Pass(this, 'PrepareRelease', {
      comment: 'Stands in for building and staging the release.',
      parameters: { 'artifact.$': "States.Format('release-{}.tar.gz', $.release)" },
      resultPath: '$.build',
    });

    const askApprovers = props.approval.approvalDecisionTask(this, 'AskApprovers', {
      input: sfn.TaskInput.fromObject({
        approvers: sfn.JsonPath.listAt('$.approvers'),
        policy: 'all',
        subject: sfn.JsonPath.format('Deploy release {} to production', sfn.JsonPath.stringAt('$.release')),
        details: {
          Release: sfn.JsonPath.stringAt('$.release'),
          Change: sfn.JsonPath.stringAt('$.change'),
          Artifact: sfn.JsonPath.stringAt('$.build.artifact'),
        },
        requester: sfn.JsonPath.stringAt('$.requester'),
      }),
      resultSelector: { 'decisions.$': '$.approval.decisions' },
      resultPath: '$.approval',
    });

    const deploy = new sfn.Pass(this, 'Deploy', {
      comment: 'Stands in for the deployment.',
      parameters: { 'deployed.$': '$.build.artifact' },
      resultPath: '$.deployment',
    });

    // The approval fails the task with its own error name and cause, so each reason is caught by
    // name. The order matters: States.ALL, last, would match every one of them.
    askApprovers.addCatch(
      new sfn.Fail(this, 'ReleaseRejected', {
        error: 'ReleaseRejected',
        causePath: '$.approvalFailure.Cause',
        comment: 'An approver rejected the release; the cause is their decision record.',
      }),
      { errors: ['Rejected'], resultPath: '$.approvalFailure' },
    );
    askApprovers.addCatch(
      new sfn.Fail(this, 'ReleaseExpired', {
        error: 'ReleaseExpired',
        cause: 'Not every approver approved the release in time: the last reminder ran out.',
      }),
      { errors: ['Expired'], resultPath: '$.approvalFailure' },
    );
    askApprovers.addCatch(
      new sfn.Fail(this, 'ReleaseApprovalUnanswered', {
        error: 'ReleaseApprovalUnanswered',
        cause:
          'The approval gave no answer before the release stopped waiting: its execution was stopped, or reached its own time limit. Its execution history says which.',
        comment: "A stopped or timed-out approval cannot answer; the task's timeout (States.Timeout) ends the wait.",
      }),
      { errors: ['States.Timeout'], resultPath: '$.approvalFailure' },
    );
    askApprovers.addCatch(
      new sfn.Fail(this, 'ReleaseNotApproved', {
        errorPath: '$.approvalFailure.Error',
        causePath: '$.approvalFailure.Cause',
        comment:
          'The approval could not be asked: an invalid request, an email that could not be delivered, or a request that could not be checked.',
      }),
      {
        errors: [
          ApprovalError.InvalidRequest,
          ApprovalError.EmailDeliveryFailed,
          ApprovalError.EmailDeliveryRefused,
          ApprovalError.RequestCheckFailed,
        ],
        resultPath: '$.approvalFailure',
      },
    );
    askApprovers.addCatch(
      new sfn.Fail(this, 'ApprovalNotStarted', {
        errorPath: '$.approvalFailure.Error',
        causePath: '$.approvalFailure.Cause',
        comment: 'The approval could not be started (permissions, quotas).',
      }),
      { errors: ['States.ALL'], resultPath: '$.approvalFailure' },
    );

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(
        checkInput.otherwise(prepare.next(askApprovers).next(deploy).next(new sfn.Succeed(this, 'Released'))),
      ),
      logs: {
        destination: new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
      tracingEnabled: true,
    });
    const policy = this.stateMachine.role.node.tryFindChild('DefaultPolicy');
    if (policy) acknowledgeFinding(policy, 'AwsSolutions-IAM5[Resource::*]', WILDCARD_FOR_LOGS_AND_TRACING);
  }
}
