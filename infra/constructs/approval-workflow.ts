import * as path from 'node:path';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { type ApprovalConfig, executionTimeoutSeconds } from '../approval-config';
import { acknowledgeFinding, WILDCARD_FOR_LOGS_AND_TRACING } from '../compliance';

/** The ASL file; its `${...}` placeholders are filled by definitionSubstitutions. */
export const APPROVAL_DEFINITION_FILE = path.join(__dirname, '..', '..', 'statemachine', 'approval.asl.json');

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
export function approvalDefinitionSubstitutions(config: ApprovalConfig, activityArn: string, workerFunctionArn: string): Record<string, string> {
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

/** The state machine that wakes the worker and waits on the activity the manager's decision closes. */
export class ApprovalWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApprovalWorkflowProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'StateMachineLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(APPROVAL_DEFINITION_FILE),
      definitionSubstitutions: approvalDefinitionSubstitutions(props.config, props.activity.activityArn, props.worker.functionArn),
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
    // The unqualified ARN only, which the WakeWorker state names (grantInvoke would add every version too).
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'WakeTheWorker', actions: ['lambda:InvokeFunction'], resources: [props.worker.functionArn] }),
    );
    const policy = this.stateMachine.role.node.tryFindChild('DefaultPolicy');
    if (policy) acknowledgeFinding(policy, 'AwsSolutions-IAM5[Resource::*]', WILDCARD_FOR_LOGS_AND_TRACING);
  }
}
