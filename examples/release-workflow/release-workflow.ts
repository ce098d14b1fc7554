import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledgeFinding, WILDCARD_FOR_LOGS_AND_TRACING } from '../../infra/compliance';
import type { HumanApproval } from '../../infra/constructs/human-approval';

/** What the release workflow takes. */
const EXAMPLE_INPUT =
  '{"release": "42", "change": "Adds the export endpoint", "approvers": ["ana@example.com", "ben@example.com"], "requester": "dev@example.com"}';

export interface ReleaseWorkflowProps {
  /** The approval service the release asks. */
  readonly approval: HumanApproval;
}

/**
 * A release pipeline that needs two people's approval: prepare the release, ask every approver
 * (policy `all`), then deploy, or stop with the reason. The prepare and deploy steps are Pass
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

    const askApprovers = props.approval.approvalTask(this, 'AskApprovers', {
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
      resultSelector: { 'decisions.$': '$.Output.approval.decisions' },
      resultPath: '$.approval',
    });

    const deploy = new sfn.Pass(this, 'Deploy', {
      comment: 'Stands in for the deployment.',
      parameters: { 'deployed.$': '$.build.artifact' },
      resultPath: '$.deployment',
    });

    // A failed approval reaches the parent as States.TaskFailed whose cause is the approval
    // execution's DescribeExecution as JSON. Its Error says why (Rejected, Expired, InvalidRequest...)
    // when the approval FAILED; a TIMED_OUT or ABORTED execution has neither Error nor Cause (as
    // recorded on AWS: test/conformance/execution-timeout.test.ts), and a Fail state whose path finds
    // nothing would end the release with States.Runtime instead of a reason.
    const readOutcome = new sfn.Pass(this, 'ReadApprovalOutcome', {
      parameters: { 'execution.$': 'States.StringToJson($.approvalFailure.Cause)' },
      resultPath: '$.approvalFailure',
    });
    const rejected = new sfn.Fail(this, 'ReleaseRejected', {
      error: 'ReleaseRejected',
      causePath: '$.approvalFailure.execution.Cause',
      comment: 'An approver rejected the release; the cause is their decision record.',
    });
    const expired = new sfn.Fail(this, 'ReleaseExpired', {
      error: 'ReleaseExpired',
      cause: 'Not every approver approved the release in time: the last reminder ran out, or the approval reached its time limit.',
    });
    const stopped = new sfn.Fail(this, 'ReleaseApprovalStopped', {
      error: 'ReleaseApprovalStopped',
      cause: 'The approval execution was stopped before every approver decided.',
    });
    const notApproved = new sfn.Fail(this, 'ReleaseNotApproved', {
      errorPath: '$.approvalFailure.execution.Error',
      causePath: '$.approvalFailure.execution.Cause',
      comment: 'The approval could not be asked: an invalid request, or an email that could not be delivered.',
    });
    const failedUnexplained = new sfn.Fail(this, 'ReleaseApprovalFailed', {
      error: 'ReleaseApprovalFailed',
      cause: 'The approval failed without an error or a cause; its execution history says more.',
    });
    const failedWithoutCause = new sfn.Fail(this, 'ReleaseApprovalFailedWithoutCause', {
      errorPath: '$.approvalFailure.execution.Error',
      cause: 'The approval failed without a cause; its execution history says more.',
    });
    // Rules are tried in order, so a comparison only meets a field that is there.
    const whyNot = new sfn.Choice(this, 'WhyNotApproved')
      .when(sfn.Condition.stringEquals('$.approvalFailure.execution.Status', 'TIMED_OUT'), expired)
      .when(sfn.Condition.stringEquals('$.approvalFailure.execution.Status', 'ABORTED'), stopped)
      .when(sfn.Condition.not(sfn.Condition.isPresent('$.approvalFailure.execution.Error')), failedUnexplained)
      .when(sfn.Condition.stringEquals('$.approvalFailure.execution.Error', 'Rejected'), rejected)
      .when(sfn.Condition.stringEquals('$.approvalFailure.execution.Error', 'Expired'), expired)
      .when(sfn.Condition.not(sfn.Condition.isPresent('$.approvalFailure.execution.Cause')), failedWithoutCause)
      .otherwise(notApproved);
    askApprovers.addCatch(readOutcome.next(whyNot), { errors: ['States.TaskFailed'], resultPath: '$.approvalFailure' });
    askApprovers.addCatch(
      new sfn.Fail(this, 'ApprovalNotStarted', {
        errorPath: '$.approvalFailure.Error',
        causePath: '$.approvalFailure.Cause',
        comment: 'The approval could not be started or followed (permissions, quotas).',
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
    if (policy) {
      acknowledgeFinding(policy, 'AwsSolutions-IAM5[Resource::*]', WILDCARD_FOR_LOGS_AND_TRACING);
      // The execution ARNs of one state machine: `.sync` follows and stops the approval it started,
      // whose name is not known in advance (StepFunctionsStartExecution writes this statement).
      const stack = Stack.of(this);
      const approvalName: unknown = stack.resolve(
        stack.splitArn(props.approval.stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName,
      );
      acknowledgeFinding(
        policy,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${JSON.stringify(approvalName)}*]`,
        'The executions of the approval state machine, which .sync describes and stops: the name of each is not known in advance.',
      );
    }
  }
}
