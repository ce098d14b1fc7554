import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { APPROVAL_ASL_FILE } from '../../statemachine/render-definition';
import { type ApprovalConfig, executionTimeoutSeconds } from '../approval-config';
import { acknowledgeFinding, WILDCARD_FOR_LOGS_TRACING_AND_PARENT_CALLBACKS } from '../compliance';

export interface ApprovalWorkflowProps {
  readonly config: ApprovalConfig;
  /** The activity the ManualApproval state waits on. */
  readonly activity: sfn.IActivity;
  /** The worker, started by the WakeWorker state before each email is due. */
  readonly worker: lambda.IFunction;
  /**
   * Log retention of the state machine's log group.
   * @default one month
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The values put into the ASL placeholders, as strings (CloudFormation substitutes text). */
export function approvalDefinitionSubstitutions(
  config: ApprovalConfig,
  activityArn: string,
  workerFunctionArn: string,
): Record<string, string> {
  return {
    ActivityArn: activityArn,
    WorkerFunctionArn: workerFunctionArn,
    ReminderIntervalSeconds: String(config.reminderIntervalSeconds),
    ReminderCount: String(config.reminderCount),
    DeliveryRetryIntervalSeconds: String(config.deliveryRetryIntervalSeconds),
    DeliveryRetryAttempts: String(config.deliveryRetryAttempts),
    ExecutionTimeoutSeconds: String(executionTimeoutSeconds(config)),
  };
}

/** The state machine that wakes the worker and waits on the activity tasks the approvers' decisions close. */
export class ApprovalWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApprovalWorkflowProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.logGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      // Under /aws/vendedlogs/ CloudWatch Logs needs no resource-policy entry per log group; elsewhere
      // every state machine adds one to a policy limited to 5,120 characters, which busy accounts fill
      // ("Logging using CloudWatch Logs", Step Functions developer guide).
      logGroupName: `/aws/vendedlogs/states/${stack.stackName}-${id}-${this.node.addr.slice(0, 8)}`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Only Step Functions acting for a state machine of this account may take the role ("Prevent
    // cross-service confused deputy issue", Step Functions developer guide). The ARN pattern and not
    // the machine's own ARN: that would make the role depend on the machine that depends on it.
    const role = new iam.Role(this, 'Role', {
      description: 'Lets the approval state machine wake the worker, answer a waiting parent and write its logs and traces',
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com').withConditions({
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': stack.formatArn({
            service: 'states',
            resource: 'stateMachine',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      }),
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      role,
      stateMachineType: sfn.StateMachineType.STANDARD,
      // The ASL file's `${...}` placeholders are filled by definitionSubstitutions.
      definitionBody: sfn.DefinitionBody.fromFile(APPROVAL_ASL_FILE),
      definitionSubstitutions: approvalDefinitionSubstitutions(props.config, props.activity.activityArn, props.worker.functionArn),
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    // The unqualified ARN only, which the WakeWorker state names (grantInvoke would add every version too).
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'WakeTheWorker', actions: ['lambda:InvokeFunction'], resources: [props.worker.functionArn] }),
    );
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy) acknowledgeFinding(policy, 'AwsSolutions-IAM5[Resource::*]', WILDCARD_FOR_LOGS_TRACING_AND_PARENT_CALLBACKS);
  }

  private answersParents = false;

  /**
   * Lets the TellParent... states answer a parent that waits with startExecution.waitForTaskToken
   * (HumanApproval.approvalDecisionTask() calls this). A callback token names no resource of its
   * own ("Actions, resources, and condition keys for AWS Step Functions" lists no resource type for
   * these actions, so "*"), and the parent is any state machine of the user's. Granted only to a
   * deployment that uses that form: with it, whoever may start approvals can have one answer a task
   * token they hold; without it, a token given in a request is refused (AccessDenied, caught) and
   * the approval ends as before. It also keeps execution data out of the state machine's log group.
   */
  allowAnsweringParents(): void {
    if (this.answersParents) return;
    this.answersParents = true;
    // The parent's token is in the approval execution's input, and a task token never reaches a
    // log: the log group then gets the events without their data. Recorded on AWS, the
    // ExecutionFailed event keeps its error and cause (test/conformance/execution-log-events.test.ts),
    // so the outcome metrics and alarms count as before; the execution history keeps the data.
    (this.stateMachine.node.defaultChild as sfn.CfnStateMachine).addPropertyOverride('LoggingConfiguration.IncludeExecutionData', false);
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'AnswerWaitingParents',
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: ['*'],
      }),
    );
  }
}
