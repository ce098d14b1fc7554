/**
 * The names of HumanApprovalStack's outputs: the stack writes them, the CLI (`approval start`,
 * `list`, `doctor`) reads them from a deployed stack. Plain data, no aws-cdk-lib, so the CLI
 * can import it without the CDK.
 */
export const STACK_OUTPUTS = {
  approvalApiUrl: 'ApprovalApiUrl',
  stateMachineArn: 'StateMachineArn',
  activityArn: 'ActivityArn',
  workerFunctionName: 'WorkerFunctionName',
  workerLogGroupName: 'WorkerLogGroupName',
  /** Only with slackSecretName set: the request URL of the Slack app's interactivity. */
  slackRequestUrl: 'SlackRequestUrl',
  /** Only with slackSecretName set: the table of where each approver was reached (`approval status` reads it). */
  slackMessagesTable: 'SlackMessagesTable',
  /** Only with the dashboard setting on. */
  dashboardName: 'DashboardName',
} as const;
