// Compiled with --noEmit by the consumer test: the package's declarations give a team's TypeScript
// the construct, its props and the types of what an approval gives back.
import { App, Stack } from 'aws-cdk-lib';
import {
  type ApprovalDecisionRecord,
  type ApprovalResult,
  type GeneralApprovalRequest,
  HumanApproval,
  type HumanApprovalProps,
} from 'stepfunctions-human-approval';

const props: HumanApprovalProps = { senderEmail: 'approvals@example.com', reminderIntervalSeconds: 3600 };
const approval: HumanApproval = new HumanApproval(new Stack(new App(), 'Types'), 'Approval', props);
const stateMachineArn: string = approval.stateMachine.stateMachineArn;
const request: GeneralApprovalRequest = { approvers: ['ana@example.com'], subject: 'Deploy 42', via: ['slack', 'email'] };
const decision: ApprovalDecisionRecord = {
  decision: 'approved',
  decidedAt: '2026-12-08T09:30:00.000Z',
  channel: 'slack',
  slackUserId: 'U0123ABCDEF',
  slackTeamId: 'T0123ABCDEF',
  approver: 'ana@example.com',
};
const result: ApprovalResult = { policy: 'any', approvers: ['ana@example.com'], decision };
// Slack records say so; email records carry what API Gateway saw instead.
const decider = (record: ApprovalDecisionRecord): string => (record.channel === 'slack' ? record.slackUserId : record.sourceIp);
const who: string = decider(decision);
export { stateMachineArn, request, result, who };
