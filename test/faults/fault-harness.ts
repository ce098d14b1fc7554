import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  type ExecutionStatus,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { type LocalComponent, type LocalStack, startLocalStack } from '../../local/local-stack';
import { fetchStoredEmails, type StoredEmail } from '../../local/ses';
import { linksOf } from '../support/local-flow';

/**
 * Shared state of the fault suite: every log line of every component of every stack, and every
 * task token the suite has seen, so the last test can check that no token reached a log.
 */
export interface CapturedLine {
  readonly stack: string;
  readonly component: LocalComponent;
  readonly line: string;
}

export const capturedLogs: CapturedLine[] = [];
export const seenTaskTokens = new Set<string>();
/** Tokens the worker emailed (so it logged their taskRef), as opposed to tokens the suite took itself. */
export const emailedTaskTokens = new Set<string>();

/** Starts a stack on free ports whose every log line lands in {@link capturedLogs}. */
export function startFaultStack(label: string, context: Readonly<Record<string, unknown>> = {}): Promise<LocalStack> {
  return startLocalStack({
    ports: { api: 0, ses: 0, stepFunctions: 0 },
    context,
    log: (component, line) => capturedLogs.push({ stack: label, component, line }),
  });
}

/** The task token inside an Approve or Reject link, URL-decoded. */
export function tokenOfLink(link: string): string {
  const token = new URL(link).searchParams.get('taskToken');
  if (token === null || token === '') throw new Error(`No taskToken in ${link}`);
  return token;
}

/** Records the tokens of every link of every email the stack's SES stored. */
export async function harvestTokens(stack: LocalStack): Promise<number> {
  const emails = await fetchStoredEmails(stack.sesUrl);
  for (const email of emails) {
    const { approve, reject } = linksOf(email);
    for (const link of [approve, reject]) {
      const token = tokenOfLink(link);
      seenTaskTokens.add(token);
      emailedTaskTokens.add(token);
    }
    for (const match of (email.body.html ?? '').matchAll(/href="([^"]+)"/g)) {
      const token = tokenOfLink((match[1] ?? '').replaceAll('&amp;', '&'));
      seenTaskTokens.add(token);
      emailedTaskTokens.add(token);
    }
  }
  return emails.length;
}

/** Closes the stack, after keeping its tokens for the log check. */
export async function closeFaultStack(stack: LocalStack | undefined, sfn: SFNClient | undefined): Promise<void> {
  sfn?.destroy();
  if (!stack) return;
  try {
    await harvestTokens(stack);
  } finally {
    await stack.close();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value other than undefined; fails with `what` after `timeoutMs`. */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

export async function startNamed(sfn: SFNClient, stack: LocalStack, name: string, input: unknown): Promise<string> {
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: stack.stateMachineArn, name, input: JSON.stringify(input) }));
  if (!executionArn) throw new Error('StartExecution returned no ARN');
  return executionArn;
}

export function describeExecution(sfn: SFNClient, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  return sfn.send(new DescribeExecutionCommand({ executionArn }));
}

/** The whole history of an execution, every page. */
export async function historyOf(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

export function countEvents(events: readonly HistoryEvent[], type: string): number {
  return events.filter((event) => event.type === type).length;
}

/** Names of the stack's executions with this status, every page. */
export async function executionNames(sfn: SFNClient, stack: LocalStack, statusFilter: ExecutionStatus): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn, statusFilter, nextToken, maxResults: 1000 }));
    names.push(...(page.executions ?? []).map((execution) => execution.name ?? '?'));
    nextToken = page.nextToken;
  } while (nextToken);
  return names;
}

/**
 * The emails this stack's worker sent: their links point at this stack's API. (Every local SES in
 * one process shares one store, so `/store` also lists other stacks' emails.)
 */
export async function emailsOfStack(stack: LocalStack): Promise<StoredEmail[]> {
  return (await fetchStoredEmails(stack.sesUrl)).filter((email) => /^Approve: (\S+)$/m.exec(email.body.text ?? '')?.[1]?.startsWith(`${stack.apiUrl}/`));
}

/** The execution name in the `Request: <name>` line of the email's text part. */
export function requestNameOf(email: StoredEmail): string | undefined {
  return /^Request: (.+)$/m.exec(email.body.text ?? '')?.[1];
}

/** Emails of the store grouped by the execution they are for. */
export function emailsByRequest(emails: readonly StoredEmail[]): Map<string, StoredEmail[]> {
  const byRequest = new Map<string, StoredEmail[]>();
  for (const email of emails) {
    const name = requestNameOf(email) ?? '(no Request line)';
    byRequest.set(name, [...(byRequest.get(name) ?? []), email]);
  }
  return byRequest;
}

/** Runs `task` over `items` with at most `limit` at a time; results in input order. */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (let index = next++; index < items.length; index = next++) {
      results[index] = await task(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** Counts the values of a list: `{ 200: 1, 410: 49 }`. */
export function tally<T extends string | number>(values: readonly T[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
  return counts;
}
