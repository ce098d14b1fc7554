import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type HistoryEvent,
  ListExecutionsCommand,
  type ExecutionStatus,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { LocalStack } from '../../local/stack/local-stack';
import { fetchStoredEmails, type StoredEmail } from '../../local/ses/stored-emails';
import { linksOf, type Page, startApproval, uniqueManager, waitForEmails } from '../support/local-flow';
import { type LocalStackUnderTest, useLocalStack } from '../support/use-local-stack';
import { capturedLogs, emailedTaskTokens, seenTaskTokens } from './suite-collector';

export const NO_LONGER_OPEN = 'This request is no longer open';
export const NOT_VALID = 'This link is not valid';

/**
 * A stack on free ports for the tests of the enclosing describe block, whose every log line lands in
 * the suite's {@link capturedLogs} under `label`, and whose emailed tokens are kept for the log check
 * before it closes.
 */
export function useFaultStack(
  label: string,
  context: Readonly<Record<string, unknown>> = {},
  options: { readonly beforeClose?: (stack: LocalStack) => Promise<void> | void } = {},
): LocalStackUnderTest {
  return useLocalStack({
    context,
    log: (component, line) => capturedLogs.push({ stack: label, component, line }),
    beforeClose: async (stack) => {
      await options.beforeClose?.(stack);
      await harvestTokens(stack);
    },
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

/** A request on the stack with its email delivered: the execution, the email and its two links. */
export async function emailedRequest(
  local: LocalStackUnderTest,
  employeeName: string,
  extra: Record<string, unknown> = {},
): Promise<{ executionArn: string; approve: string; reject: string; email: StoredEmail }> {
  const manager = uniqueManager('shared');
  const executionArn = await startApproval(local.sfn, local.stack, { managerEmailAddress: manager, employeeName, ...extra });
  const [email] = await waitForEmails(local.stack, manager);
  return { executionArn, email: email as StoredEmail, ...linksOf(email as StoredEmail) };
}

/** A page a person may see for a bad or spent link: a 4xx HTML page, without raw errors or scripts. */
export function expectPageIsHtml4xx(page: Page, what: string): void {
  const summary = `${what}: ${page.status} ${page.contentType ?? '(no content type)'} ${page.title ?? page.body.slice(0, 120)}`;
  expect({ summary, is4xx: page.status >= 400 && page.status < 500 }).toEqual({ summary, is4xx: true });
  expect({ summary, html: /^text\/html/.test(page.contentType ?? '') }).toEqual({ summary, html: true });
  expect(page.body).not.toContain('__type');
  expect(page.body).not.toContain('<script>');
  expect([NO_LONGER_OPEN, NOT_VALID]).toContain(page.title);
}

export { sleep, waitUntil } from '../support/wait-until';

export async function startNamed(sfn: SFNClient, stack: LocalStack, name: string, input: unknown): Promise<string> {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: stack.stateMachineArn, name, input: JSON.stringify(input) }),
  );
  if (!executionArn) throw new Error('StartExecution returned no ARN');
  return executionArn;
}

export function describeExecution(sfn: SFNClient, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  return sfn.send(new DescribeExecutionCommand({ executionArn }));
}

/** The whole history of an execution, every page: the same reader the real-AWS probe uses. */
export { historyOf } from '../integ/probe/executions';

export function countEvents(events: readonly HistoryEvent[], type: string): number {
  return events.filter((event) => event.type === type).length;
}

/** Names of the stack's executions with this status, every page. */
export async function executionNames(sfn: SFNClient, stack: LocalStack, statusFilter: ExecutionStatus): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn, statusFilter, nextToken, maxResults: 1000 }),
    );
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
  return (await fetchStoredEmails(stack.sesUrl)).filter((email) =>
    /^Approve: (\S+)$/m.exec(email.body.text ?? '')?.[1]?.startsWith(`${stack.apiUrl}/`),
  );
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
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
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
