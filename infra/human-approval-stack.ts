import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ApprovalConfig } from './approval-config';
import { HumanApproval } from './constructs/human-approval';

export interface HumanApprovalStackProps extends StackProps {
  readonly config: ApprovalConfig;
}

/** The service deployed on its own: the HumanApproval construct and the outputs the CLI and the README use. */
export class HumanApprovalStack extends Stack {
  public readonly approval: HumanApproval;

  constructor(scope: Construct, id: string, props: HumanApprovalStackProps) {
    super(scope, id, props);
    // 'Default' is left out of logical ids, so the resources keep the ids they had before the
    // service became a construct, and an update of an existing stack replaces nothing.
    this.approval = new HumanApproval(this, 'Default', props.config);
    const { approval } = this;

    new CfnOutput(this, 'ApprovalApiUrl', { value: approval.apiUrl, description: 'Base URL of the Approve / Reject links' });
    new CfnOutput(this, 'StateMachineArn', { value: approval.stateMachine.stateMachineArn, description: 'Start executions here' });
    new CfnOutput(this, 'ActivityArn', { value: approval.activity.activityArn, description: 'The activity the approval task waits on' });
    new CfnOutput(this, 'WorkerFunctionName', {
      value: approval.worker.function.functionName,
      description: 'The worker that emails the links',
    });
    new CfnOutput(this, 'WorkerLogGroupName', { value: approval.worker.logGroup.logGroupName, description: "The worker's logs" });
    if (approval.monitoring.dashboard) {
      new CfnOutput(this, 'DashboardName', {
        value: approval.monitoring.dashboard.dashboardName,
        description: 'CloudWatch dashboard with the approval funnel',
      });
    }
  }
}
