import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { ApprovalConfig } from './approval-config';
import { ActivityWorker } from './constructs/activity-worker';
import { ApprovalApi } from './constructs/approval-api';
import { ApprovalWorkflow } from './constructs/approval-workflow';

export interface HumanApprovalStackProps extends StackProps {
  readonly config: ApprovalConfig;
}

/** The whole service: state machine and activity, emailing worker, and the approval API. */
export class HumanApprovalStack extends Stack {
  public readonly activity: sfn.Activity;
  public readonly workflow: ApprovalWorkflow;
  public readonly worker: ActivityWorker;
  public readonly approvalApi: ApprovalApi;

  constructor(scope: Construct, id: string, props: HumanApprovalStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.activity = new sfn.Activity(this, 'ManualApprovalActivity');
    this.approvalApi = new ApprovalApi(this, 'ApprovalApi', {
      activity: this.activity,
      throttlingRateLimit: config.apiThrottlingRateLimit,
      throttlingBurstLimit: config.apiThrottlingBurstLimit,
      createAccountRole: config.createApiGatewayAccountRole,
      linkMode: config.linkMode,
    });
    this.worker = new ActivityWorker(this, 'Worker', {
      activity: this.activity,
      approvalApiUrl: this.approvalApi.url,
      senderEmail: config.senderEmail,
      schedule: Duration.minutes(config.workerScheduleMinutes),
      maxConcurrency: config.workerMaxConcurrency,
      maxSendRate: config.maxSendRate,
    });
    this.workflow = new ApprovalWorkflow(this, 'Workflow', { config, activity: this.activity, worker: this.worker.function });

    new CfnOutput(this, 'ApprovalApiUrl', { value: this.approvalApi.url, description: 'Base URL of the Approve / Reject links' });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachine.stateMachineArn, description: 'Start executions here' });
    new CfnOutput(this, 'ActivityArn', { value: this.activity.activityArn, description: 'The activity the approval task waits on' });
  }
}
