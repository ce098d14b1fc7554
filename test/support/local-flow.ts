import { DescribeExecutionCommand, type DescribeExecutionCommandOutput, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/stack/local-account';
import type { LocalStack } from '../../local/stack/local-stack';
import { fetchStoredEmails, type StoredEmail } from '../../local/ses/stored-emails';

export function sfnClientFor(stack: LocalStack): SFNClient {
  return new SFNClient({ endpoint: stack.stepFunctionsUrl, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

let counter = 0;
/** A recipient address no other test uses, so tests can share one inbox. */
export function uniqueManager(label: string): string {
  counter += 1;
  return `${label}-${process.pid}-${counter}@example.com`;
}

export async function startApproval(sfn: SFNClient, stack: LocalStack, input: Record<string, unknown>): Promise<string> {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: stack.stateMachineArn, input: JSON.stringify(input) }),
  );
  if (!executionArn) throw new Error('StartExecution returned no ARN');
  return executionArn;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `count` emails to `to` are in the SES store; returns them oldest first. */
export async function waitForEmails(stack: LocalStack, to: string, count = 1, timeoutMs = 20_000): Promise<StoredEmail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const emails = (await fetchStoredEmails(stack.sesUrl)).filter((email) => email.destination.to.includes(to));
    if (emails.length >= count) return emails;
    if (Date.now() > deadline) throw new Error(`Expected ${count} email(s) to ${to} within ${timeoutMs} ms, got ${emails.length}`);
    await sleep(50);
  }
}

/** Waits until the execution is no longer RUNNING. */
export async function waitForEnd(sfn: SFNClient, executionArn: string, timeoutMs = 20_000): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== 'RUNNING') return execution;
    if (Date.now() > deadline) throw new Error(`Execution still RUNNING after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** The Approve and Reject links of an email, from its plain-text part. */
export function linksOf(email: StoredEmail): { approve: string; reject: string } {
  const text = email.body.text ?? '';
  const approve = /^Approve: (\S+)$/m.exec(text)?.[1];
  const reject = /^Reject: (\S+)$/m.exec(text)?.[1];
  if (!approve || !reject) throw new Error(`No links in email: ${text}`);
  return { approve, reject };
}

export interface Page {
  readonly status: number;
  readonly contentType: string | null;
  readonly title: string | undefined;
  readonly body: string;
}

/** Follows a link as a browser would, and reads the page's heading. */
export async function open(url: string, init: RequestInit = {}): Promise<Page> {
  const response = await fetch(url, { ...init, headers: { accept: 'text/html', 'user-agent': 'e2e-test-browser/1.0', ...init.headers } });
  const body = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    title: /<h1[^>]*>([^<]*)<\/h1>/.exec(body)?.[1],
    body,
  };
}

/** The output of an approval execution: the request, with the `approval` key the state machine keeps. */
export interface ApprovalOutput {
  readonly approval: { readonly decision: Record<string, unknown> } & Record<string, unknown>;
  readonly [field: string]: unknown;
}

export function approvalOutput(execution: { readonly output?: string }): ApprovalOutput {
  return JSON.parse(execution.output ?? '{}') as ApprovalOutput;
}
