// Compiled with --noEmit by the consumer test: the package's declarations give a team's TypeScript
// the construct, its props and the types of what an approval gives back.
import { App, Stack } from 'aws-cdk-lib';
import { type ApprovalResult, HumanApproval, type HumanApprovalProps } from 'stepfunctions-human-approval';

const props: HumanApprovalProps = { senderEmail: 'approvals@example.com', reminderIntervalSeconds: 3600 };
const approval: HumanApproval = new HumanApproval(new Stack(new App(), 'Types'), 'Approval', props);
const stateMachineArn: string = approval.stateMachine.stateMachineArn;
const result: ApprovalResult = { policy: 'any', approvers: ['ana@example.com'] };
export { stateMachineArn, result };
