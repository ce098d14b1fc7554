import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ApprovalConfig } from './approval-config';
import { HumanApproval } from './constructs/human-approval';
import { STACK_OUTPUTS } from './stack-outputs';

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

    new CfnOutput(this, STACK_OUTPUTS.approvalApiUrl, { value: approval.apiUrl, description: 'Base URL of the Approve / Reject links' });
    new CfnOutput(this, STACK_OUTPUTS.stateMachineArn, {
      value: approval.stateMachine.stateMachineArn,
      description: 'Start executions here',
    });
    new CfnOutput(this, STACK_OUTPUTS.activityArn, {
      value: approval.activity.activityArn,
      description: 'The activity the approval task waits on',
    });
    new CfnOutput(this, STACK_OUTPUTS.workerFunctionName, {
      value: approval.worker.function.functionName,
      description: 'The worker that emails the links',
    });
    new CfnOutput(this, STACK_OUTPUTS.workerLogGroupName, {
      value: approval.worker.logGroup.logGroupName,
      description: "The worker's logs",
    });
    if (approval.slackRequestUrl !== undefined) {
      new CfnOutput(this, STACK_OUTPUTS.slackRequestUrl, {
        value: approval.slackRequestUrl,
        description: "The Slack app's interactivity request URL (`npx approval slack-manifest` puts it in the app manifest)",
      });
    }
    if (approval.slackMessages !== undefined) {
      new CfnOutput(this, STACK_OUTPUTS.slackMessagesTable, {
        value: approval.slackMessages.table.tableName,
        description: 'Where each approver was reached (Slack or email instead); `npx approval status` reads it',
      });
    }
    if (approval.monitoring.dashboard) {
      new CfnOutput(this, STACK_OUTPUTS.dashboardName, {
        value: approval.monitoring.dashboard.dashboardName,
        description: 'CloudWatch dashboard with the approval funnel',
      });
    }
  }
}
