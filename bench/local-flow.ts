import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type LocalStack, type StoredEmail } from 'stepfunctions-human-approval-local';

/** A Step Functions client for the local stack's endpoint. */
export function sfnClientFor(stack: LocalStack): SFNClient {
  return new SFNClient({ endpoint: stack.stepFunctionsUrl, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

/** Starts an execution of the approval state machine; resolves with its ARN. */
export async function startApproval(sfn: SFNClient, stack: LocalStack, input: Record<string, unknown>): Promise<string> {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: stack.stateMachineArn, input: JSON.stringify(input) }),
  );
  if (!executionArn) throw new Error('StartExecution returned no ARN');
  return executionArn;
}

/** The Approve link of an email, from its plain-text part. */
export function approveLinkOf(email: StoredEmail): string {
  const approve = /^Approve: (\S+)$/m.exec(email.body.text ?? '')?.[1];
  if (!approve) throw new Error(`No Approve link in email: ${email.body.text ?? ''}`);
  return approve;
}
