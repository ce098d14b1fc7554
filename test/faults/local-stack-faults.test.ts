import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { GetActivityTaskCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { taskReference } from '../../functions/approval-worker/drain-activity-tasks';
import type { ExecutionClosedEvent } from '../../local/step-functions/engine';
import type { LocalStack } from '../../local/local-stack';
import { fetchStoredEmails, type SesFault, type StoredEmail } from '../../local/ses';
import { linksOf, open, type Page, sfnClientFor, startApproval, uniqueManager, waitForEmails, waitForEnd } from '../support/local-flow';
import {
  capturedLogs,
  closeFaultStack,
  countEvents,
  describeExecution,
  emailedTaskTokens,
  emailsByRequest,
  emailsOfStack,
  executionNames,
  historyOf,
  mapWithConcurrency,
  requestNameOf,
  seenTaskTokens,
  sleep,
  startFaultStack,
  startNamed,
  tally,
  tokenOfLink,
  waitUntil,
} from './fault-harness';

/**
 * Fault, abuse and load tests on the local stack (`npm run test:faults`). One file, so that every
 * log line of every stack lands in one array and the last test can look for task tokens in all of
 * them. Numbers worth keeping are written to test/faults/results/ (not committed).
 */

const RESULTS_DIR = path.join(__dirname, 'results');
const results: Record<string, unknown> = {};

const NO_LONGER_OPEN = 'This request is no longer open';
const NOT_VALID = 'This link is not valid';

afterAll(() => {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'faults.json'), `${JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2)}\n`);
});

function expectPageIsHtml4xx(page: Page, what: string): void {
  const summary = `${what}: ${page.status} ${page.contentType ?? '(no content type)'} ${page.title ?? page.body.slice(0, 120)}`;
  expect({ summary, is4xx: page.status >= 400 && page.status < 500 }).toEqual({ summary, is4xx: true });
  expect({ summary, html: /^text\/html/.test(page.contentType ?? '') }).toEqual({ summary, html: true });
  expect(page.body).not.toContain('__type');
  expect(page.body).not.toContain('<script>');
  expect([NO_LONGER_OPEN, NOT_VALID]).toContain(page.title);
}

describe('1. the worker dies right after taking a task', () => {
  const REMINDER_INTERVAL_SECONDS = 3;
  const REMINDER_COUNT = 1;
  let stack: LocalStack;
  let sfn: SFNClient;

  beforeAll(async () => {
    stack = await startFaultStack('worker-dies', { reminderIntervalSeconds: REMINDER_INTERVAL_SECONDS, reminderCount: REMINDER_COUNT });
    sfn = sfnClientFor(stack);
  });

  afterAll(() => closeFaultStack(stack, sfn));

  it('the reminder still goes out and the request expires on time; nothing stays RUNNING', async () => {
    await stack.worker.close();
    // The dead worker's held poll ends when the endpoint sees its socket close; only then does a
    // new task go to the next poll instead of to the dead one.
    await sleep(300);

    const manager = uniqueManager('dies');
    const name = `worker-dies-${process.pid}`;
    const executionArn = await startNamed(sfn, stack, name, { managerEmailAddress: manager, employeeName: 'Dana' });
    // This poll is the worker that dies: it takes the task and never emails or answers it.
    const taken = await sfn.send(new GetActivityTaskCommand({ activityArn: stack.activityArn, workerName: 'worker-that-dies' }));
    const droppedToken = taken.taskToken;
    expect(droppedToken).toEqual(expect.any(String));
    seenTaskTokens.add(droppedToken ?? '');
    expect(JSON.parse(taken.input ?? '{}')).toMatchObject({ executionName: name, attempt: 1, request: { managerEmailAddress: manager } });
    await stack.worker.start();

    const attempts = REMINDER_COUNT + 1;
    const deadlineMs = attempts * REMINDER_INTERVAL_SECONDS * 1000 + 4_000;
    const emails = await waitForEmails(stack, manager, 1, deadlineMs);
    const execution = await waitForEnd(sfn, executionArn, deadlineMs);
    const runningMs = (execution.stopDate?.getTime() ?? Number.NaN) - (execution.startDate?.getTime() ?? Number.NaN);
    results.workerDies = { runningMs, deadlineMs, emails: emails.map((email) => email.subject) };

    expect(emails.map((email) => email.subject)).toEqual(['Reminder 1 of 1: approval needed for Dana']);
    expect(requestNameOf(emails[0] as StoredEmail)).toBe(name);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Expired');
    // Two intervals of 3 s (the dropped task's, then the reminder's), each started when a worker took the task.
    expect(runningMs).toBeGreaterThanOrEqual(attempts * REMINDER_INTERVAL_SECONDS * 1000 - 100);
    expect(runningMs).toBeLessThanOrEqual(deadlineMs);
    const history = await historyOf(sfn, executionArn);
    expect(countEvents(history, 'ActivityScheduled')).toBe(2);
    expect(countEvents(history, 'ActivityTimedOut')).toBe(2);

    // The dead worker's token and the reminder's link are closed now.
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: droppedToken, output: '{}' }))).rejects.toMatchObject({ name: 'TaskTimedOut' });
    const late = await open(linksOf(emails[0] as StoredEmail).approve);
    expect(late).toMatchObject({ status: 410, title: NO_LONGER_OPEN });
    expect(await waitForEmails(stack, manager)).toHaveLength(1);
    expect(await executionNames(sfn, stack, 'RUNNING')).toEqual([]);
  });
});

describe('2. SES refuses every email for a while', () => {
  let stack: LocalStack;
  let sfn: SFNClient;

  beforeAll(async () => {
    // A long reminder interval: any second email for a request would be a duplicate, not a reminder.
    stack = await startFaultStack('ses-faults', { deliveryRetryIntervalSeconds: 1, deliveryRetryAttempts: 5, reminderIntervalSeconds: 3600 });
    sfn = sfnClientFor(stack);
  });

  afterAll(async () => {
    stack?.ses.setFault(undefined);
    await closeFaultStack(stack, sfn);
  });

  it.each<SesFault>(['unavailable', 'throttled'])('%s: every request gets exactly one working email once SES is back, none lost', async (fault) => {
    const REQUESTS = 10;
    const names = Array.from({ length: REQUESTS }, (_, i) => `ses-${fault}-${i}-${process.pid}`);
    const managers = names.map((name) => `${name}@example.com`);

    stack.ses.setFault(fault);
    const faultStarted = performance.now();
    const arns = await Promise.all(names.map((name, i) => startNamed(sfn, stack, name, { managerEmailAddress: managers[i], employeeName: `Req ${i}` })));

    // SES refuses until the worker has failed several deliveries and the state machine's
    // redelivery has brought at least one request back to the worker, which failed it again. (After
    // a few failures in a row a worker run leaves the other tasks queued rather than fail them too.)
    const duringFault = await waitUntil(
      'failed deliveries and a failed redelivery',
      async () => {
        const histories = await Promise.all(arns.map((arn) => historyOf(sfn, arn)));
        const failures = histories.map((history) => countEvents(history, 'ActivityFailed'));
        return failures.filter((n) => n >= 1).length >= 3 && failures.some((n) => n >= 2) ? failures : undefined;
      },
      60_000,
      250,
    );
    const emailedDuringFault = (await emailsOfStack(stack)).filter((email) => managers.some((manager) => email.destination.to.includes(manager)));
    stack.ses.setFault(undefined);
    const faultCleared = performance.now();

    const byRequest = await waitUntil(
      'an email for every request',
      async () => {
        const grouped = emailsByRequest(await emailsOfStack(stack));
        return names.every((name) => grouped.has(name)) ? grouped : undefined;
      },
      45_000,
      250,
    );
    const allEmailed = performance.now();

    const pages = await Promise.all(names.map((name) => open(linksOf((byRequest.get(name) ?? [])[0] as StoredEmail).approve)));
    const executions = await Promise.all(arns.map((arn) => waitForEnd(sfn, arn, 20_000)));
    // Every execution is closed: no email can come for them any more, so these counts are final.
    const finalByRequest = emailsByRequest(await emailsOfStack(stack));
    const histories = await Promise.all(arns.map((arn) => historyOf(sfn, arn)));
    const failedDeliveries = histories.map((history) => countEvents(history, 'ActivityFailed'));
    results[`ses-${fault}`] = {
      requests: REQUESTS,
      faultMs: Math.round(faultCleared - faultStarted),
      failedDeliveriesPerRequestWhenCleared: duringFault,
      failedDeliveriesPerRequest: failedDeliveries,
      msFromClearedToAllEmailed: Math.round(allEmailed - faultCleared),
    };

    expect(emailedDuringFault).toEqual([]);
    expect(tally(pages.map((page) => `${page.status} ${page.title}`))).toEqual({ '200 Approved': REQUESTS });
    expect(tally(executions.map((execution) => execution.status ?? '?'))).toEqual({ SUCCEEDED: REQUESTS });
    expect(names.map((name) => finalByRequest.get(name)?.length ?? 0)).toEqual(names.map(() => 1));
    expect(failedDeliveries.filter((n) => n >= 1).length >= 3 && failedDeliveries.some((n) => n >= 2)).toBe(true);
    // Every email this stack sent to these managers: one each, each for its own request.
    const toTheseManagers = (await emailsOfStack(stack)).filter((email) => managers.some((manager) => email.destination.to.includes(manager)));
    expect(toTheseManagers.map((email) => `${email.destination.to.join(',')} ${requestNameOf(email)}`).sort()).toEqual(names.map((name) => `${name}@example.com ${name}`).sort());
    histories.forEach((history, i) => {
      // Each failed delivery was answered with a new task (the state machine's redelivery), until one email went out.
      expect({ name: names[i], scheduled: countEvents(history, 'ActivityScheduled') }).toEqual({ name: names[i], scheduled: (failedDeliveries[i] ?? 0) + 1 });
      expect(countEvents(history, 'ActivitySucceeded')).toBe(1);
    });
  });

  it('rejected: SES refusal ends the request at once with EmailDeliveryRefused, no retries, no email', async () => {
    const manager = uniqueManager('refused');
    stack.ses.setFault('rejected');
    const { executionArn, execution } = await (async () => {
      try {
        const arn = await startApproval(sfn, stack, { managerEmailAddress: manager, employeeName: 'Rex' });
        return { executionArn: arn, execution: await waitForEnd(sfn, arn, 10_000) };
      } finally {
        stack.ses.setFault(undefined);
      }
    })();
    const runningMs = (execution.stopDate?.getTime() ?? Number.NaN) - (execution.startDate?.getTime() ?? Number.NaN);
    const history = await historyOf(sfn, executionArn);
    results.sesRejected = { runningMs, error: execution.error, cause: execution.cause };

    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('EmailDeliveryRefused');
    expect(execution.cause).toBe('SES refused the email: MessageRejected: Email rejected (fault injected by the local mode).');
    expect(runningMs).toBeLessThan(3_000);
    expect(countEvents(history, 'ActivityScheduled')).toBe(1);
    expect(countEvents(history, 'ActivityFailed')).toBe(1);
    expect((await fetchStoredEmails(stack.sesUrl)).filter((email) => email.destination.to.includes(manager))).toEqual([]);
  });
});

describe('on one stack with the default settings', () => {
  let stack: LocalStack;
  let sfn: SFNClient;

  beforeAll(async () => {
    stack = await startFaultStack('shared');
    sfn = sfnClientFor(stack);
  });

  afterAll(() => closeFaultStack(stack, sfn));

  async function emailedRequest(employeeName: string, extra: Record<string, unknown> = {}): Promise<{ executionArn: string; approve: string; reject: string; email: StoredEmail }> {
    const manager = uniqueManager('shared');
    const executionArn = await startApproval(sfn, stack, { managerEmailAddress: manager, employeeName, ...extra });
    const [email] = await waitForEmails(stack, manager);
    return { executionArn, email: email as StoredEmail, ...linksOf(email as StoredEmail) };
  }

  describe('3. concurrent clicks', () => {
    it('50 clicks on one Approve link at once: one 200 "Approved", 49 410, one ActivitySucceeded', async () => {
      const { executionArn, approve } = await emailedRequest('Fifty');

      const pages = await Promise.all(Array.from({ length: 50 }, () => open(approve)));
      const execution = await waitForEnd(sfn, executionArn);
      const history = await historyOf(sfn, executionArn);
      results.fiftyClicks = tally(pages.map((page) => `${page.status} ${page.title}`));

      expect(tally(pages.map((page) => `${page.status} ${page.title}`))).toEqual({ '200 Approved': 1, [`410 ${NO_LONGER_OPEN}`]: 49 });
      expect(execution.status).toBe('SUCCEEDED');
      expect(JSON.parse(execution.output ?? '{}').approval.decision).toMatchObject({ decision: 'approved', sourceIp: '127.0.0.1' });
      expect(countEvents(history, 'ActivitySucceeded')).toBe(1);
      expect(countEvents(history, 'ActivityFailed')).toBe(0);
    });

    it('Approve and Reject of one email clicked at the same time: one outcome, the other click 410, the outcome matches the 200 page', async () => {
      const requests = await Promise.all(Array.from({ length: 6 }, (_, i) => emailedRequest(`Race ${i}`)));
      const outcomes: string[] = [];
      for (const [i, { executionArn, approve, reject }] of requests.entries()) {
        // Half of the races send Reject first.
        const pages = i % 2 === 0 ? await Promise.all([open(approve), open(reject)]) : (await Promise.all([open(reject), open(approve)])).reverse();
        const execution = await waitForEnd(sfn, executionArn);
        const history = await historyOf(sfn, executionArn);
        const winner = pages.find((page) => page.status === 200);
        outcomes.push(`${winner?.title} -> ${execution.status}`);

        expect(pages.map((page) => page.status).sort()).toEqual([200, 410]);
        expect(pages.find((page) => page.status === 410)?.title).toBe(NO_LONGER_OPEN);
        if (winner?.title === 'Approved') {
          expect(execution.status).toBe('SUCCEEDED');
        } else {
          expect(winner?.title).toBe('Rejected');
          expect(execution).toMatchObject({ status: 'FAILED', error: 'Rejected' });
        }
        expect(countEvents(history, 'ActivitySucceeded') + countEvents(history, 'ActivityFailed')).toBe(1);
      }
      results.approveRejectRace = tally(outcomes);
    });

    it('Approve then Reject one after the other (and the reverse): the first click decides, the second gets 410', async () => {
      const first = await emailedRequest('Seq A');
      const approved = await open(first.approve);
      const thenRejected = await open(first.reject);
      const second = await emailedRequest('Seq B');
      const rejected = await open(second.reject);
      const thenApproved = await open(second.approve);

      expect(approved).toMatchObject({ status: 200, title: 'Approved' });
      expect(thenRejected).toMatchObject({ status: 410, title: NO_LONGER_OPEN });
      expect(await waitForEnd(sfn, first.executionArn)).toMatchObject({ status: 'SUCCEEDED' });
      expect(rejected).toMatchObject({ status: 200, title: 'Rejected' });
      expect(thenApproved).toMatchObject({ status: 410, title: NO_LONGER_OPEN });
      expect(await waitForEnd(sfn, second.executionArn)).toMatchObject({ status: 'FAILED', error: 'Rejected' });
    });
  });

  describe('4. hostile tokens', () => {
    const TEN_KB = 'The quick brown fox jumps over the lazy dog; '.repeat(300).slice(0, 10 * 1024);
    const HOSTILE_TOKENS: ReadonlyArray<readonly [string, string]> = [
      ['a double quote', '"'],
      ['a backslash', '\\'],
      ['a single quote', "'"],
      ['a JSON field injection', '","output":"{}'],
      ['a JSON object end', '"}'],
      ['a JSON document', '{"taskToken":"x","output":"{}"}'],
      ['10 KB of text', TEN_KB],
      ['non-ASCII', 'é日本😀'],
      ['a script tag', '<script>alert(1)</script>'],
      ['the text %00', '%00'],
      ['CR/LF and a header', 'abc\r\nSet-Cookie: stolen=1'],
      ['a VTL reference', '$context.requestId'],
      ['a VTL directive', '#set($x=1)'],
      ['a VTL method call', '$util.escapeJavaScript("x")$input.json(\'$\')'],
    ];

    it.each(['succeed', 'fail'])('/%s answers every hostile token with a 4xx HTML page that does not echo it', async (route) => {
      const statuses: Record<string, string> = {};
      for (const [label, token] of HOSTILE_TOKENS) {
        const page = await open(`${stack.apiUrl}/${route}?taskToken=${encodeURIComponent(token)}`);
        statuses[label] = `${page.status} ${page.title}`;
        expectPageIsHtml4xx(page, label);
        if (token.length >= 4) expect(page.body).not.toContain(token);
      }
      // The same, written into the URL without encoding (as a crafted link would be).
      const raw = ['%00', '%', '%zz', '%E0%A4%A', '<script>alert(1)</script>', '"}', '\\"', '$context.requestId', '%0D%0ASet-Cookie:%20stolen=1'];
      for (const query of raw) {
        const response = await fetch(`${stack.apiUrl}/${route}?taskToken=${query}`, { headers: { accept: 'text/html' } });
        const body = await response.text();
        const page: Page = { status: response.status, contentType: response.headers.get('content-type'), title: /<h1[^>]*>([^<]*)<\/h1>/.exec(body)?.[1], body };
        statuses[`raw ${query}`] = `${page.status} ${page.title}`;
        expectPageIsHtml4xx(page, `raw ${query}`);
        expect(response.headers.get('set-cookie')).toBeNull();
      }
      results[`hostileTokens /${route}`] = statuses;
    });

    it('a real, still-open token with a hostile suffix does not close the request; the real link still works', async () => {
      const { executionArn, approve, reject } = await emailedRequest('Suffix');
      const token = tokenOfLink(approve);
      const suffixes = ['"', '\\', "'", '","output":"{}', '"}', ' ', '%00', '\u0000', '\r\n', '<script>alert(1)</script>', '$context.requestId', '#set($x=1)', 'é日本😀', '=='];
      const urls: Array<readonly [string, string]> = suffixes.flatMap((suffix) => ['succeed', 'fail'].map((route) => [`${route} + ${JSON.stringify(suffix)}`, `${stack.apiUrl}/${route}?taskToken=${encodeURIComponent(token + suffix)}`] as const));
      // The token unencoded: its `+` arrive as spaces. And a prefix.
      urls.push(['succeed, token not URL-encoded', `${stack.apiUrl}/succeed?taskToken=${token}`]);
      urls.push(['fail, token not URL-encoded', `${stack.apiUrl}/fail?taskToken=${token}`]);
      urls.push(['succeed, "x" + token', `${stack.apiUrl}/succeed?taskToken=${encodeURIComponent(`x${token}`)}`]);

      for (const [label, url] of urls) {
        const page = await open(url);
        expectPageIsHtml4xx(page, label);
        expect(page.body).not.toContain(token.slice(0, 32));
      }
      const afterAbuse = await describeExecution(sfn, executionArn);
      const history = await historyOf(sfn, executionArn);
      expect(afterAbuse.status).toBe('RUNNING');
      expect(countEvents(history, 'ActivitySucceeded') + countEvents(history, 'ActivityFailed')).toBe(0);

      const page = await open(approve);
      const execution = await waitForEnd(sfn, executionArn);
      expect(page).toMatchObject({ status: 200, title: 'Approved' });
      expect(execution.status).toBe('SUCCEEDED');
      expect(Object.keys(JSON.parse(execution.output ?? '{}')).sort()).toEqual(['approval', 'employeeName', 'managerEmailAddress']);
      expect(JSON.parse(execution.output ?? '{}').approval.decision.decision).toBe('approved');
      expect((await open(reject)).status).toBe(410);
    });
  });

  describe('5. hostile execution inputs', () => {
    it('markup in the employee name is legitimate: escaped in the HTML body, plain text in the subject', async () => {
      const name = '<img src=x onerror=alert(1)>';
      const { executionArn, approve, email } = await emailedRequest(name);

      expect(email.subject).toBe('Approval needed for <img src=x onerror=alert(1)>');
      expect(email.body.html).toContain('<strong>&lt;img src=x onerror=alert(1)&gt;</strong>');
      expect(email.body.html).not.toContain('<img');
      expect(email.body.text).toContain('An approval is requested for <img src=x onerror=alert(1)>.');
      expect(await open(approve)).toMatchObject({ status: 200, title: 'Approved' });
      const execution = await waitForEnd(sfn, executionArn);
      expect(execution.status).toBe('SUCCEEDED');
      expect(JSON.parse(execution.output ?? '{}').employeeName).toBe(name);
    });

    it('extra fields are carried through to the output after approval', async () => {
      const extra = { costCentre: 'CC-42', amount: 1234.5, tags: ['laptop', 'urgent'], nested: { level: { deep: true } }, note: null, emoji: 'é日本😀' };
      const { executionArn, approve, email } = await emailedRequest('Pat', extra);
      await open(approve);
      const execution = await waitForEnd(sfn, executionArn);
      const output = JSON.parse(execution.output ?? '{}');

      expect(execution.status).toBe('SUCCEEDED');
      expect(output).toEqual({
        managerEmailAddress: email.destination.to[0],
        employeeName: 'Pat',
        ...extra,
        approval: { attempt: 1, deliveryRetries: 0, redeliveryDelaySeconds: 60, decision: expect.objectContaining({ decision: 'approved' }) },
      });
    });

    const HUGE_NAME = 'y'.repeat(250 * 1024);
    const INVALID_INPUTS: ReadonlyArray<readonly [string, (manager: string) => Record<string, unknown>, string]> = [
      ['CR/LF in the name', (manager) => ({ managerEmailAddress: manager, employeeName: 'Jim\r\nBcc: everyone@example.com' }), 'employeeName contains control characters such as line breaks'],
      ['a 250 KB name', (manager) => ({ managerEmailAddress: manager, employeeName: HUGE_NAME }), `employeeName is ${250 * 1024} characters long; the limit is 200`],
      ['a non-address', () => ({ managerEmailAddress: 'bob', employeeName: 'Jim' }), 'managerEmailAddress "bob" is not an email address'],
      ['two addresses', () => ({ managerEmailAddress: 'boss@example.com,everyone@example.com', employeeName: 'Jim' }), 'managerEmailAddress "boss@example.com,everyone@example.com" is not an email address'],
      ['a display name', () => ({ managerEmailAddress: 'Boss <boss@example.com>', employeeName: 'Jim' }), 'managerEmailAddress "Boss <boss@example.com>" is not an email address'],
      ['a missing field', () => ({ employeeName: 'Jim', costCentre: 'CC-1' }), 'managerEmailAddress is missing'],
      ['wrong types', () => ({ managerEmailAddress: 42, employeeName: ['Jim'] }), 'managerEmailAddress must be a string, not a number; employeeName must be a string, not an array'],
    ];

    it.each(INVALID_INPUTS)('%s: FAILED with InvalidRequest within one worker run, the cause says what is wrong, no email', async (_label, input, problems) => {
      const manager = uniqueManager('invalid');
      const emailsBefore = (await fetchStoredEmails(stack.sesUrl)).length;
      const executionArn = await startApproval(sfn, stack, input(manager));
      const execution = await waitForEnd(sfn, executionArn, 5_000);
      const runningMs = (execution.stopDate?.getTime() ?? Number.NaN) - (execution.startDate?.getTime() ?? Number.NaN);
      const history = await historyOf(sfn, executionArn);

      expect(execution.status).toBe('FAILED');
      expect(execution.error).toBe('InvalidRequest');
      expect(execution.cause).toBe(`Invalid approval request: ${problems}.`);
      expect(execution.cause).not.toContain('y'.repeat(100));
      expect(runningMs).toBeLessThan(3_000);
      expect(countEvents(history, 'ActivityScheduled')).toBe(1);
      expect((await fetchStoredEmails(stack.sesUrl)).length).toBe(emailsBefore);
    });

    it.each<readonly [string, unknown]>([
      ['an array', [1, 2]],
      ['a string', 'text'],
      ['an object with neither field', { costCentre: 'CC-1' }],
    ])('an input that is not a request object (%s): FAILED with InvalidRequest and a cause that says what is wrong', async (described, input) => {
      const emailsBefore = (await fetchStoredEmails(stack.sesUrl)).length;
      const executionArn = await startNamed(sfn, stack, `non-object-${described.replace(/\W/g, '-')}-${process.pid}`, input);
      const execution = await waitForEnd(sfn, executionArn, 5_000);
      const runningMs = (execution.stopDate?.getTime() ?? Number.NaN) - (execution.startDate?.getTime() ?? Number.NaN);

      expect(execution.status).toBe('FAILED');
      expect(runningMs).toBeLessThan(3_000);
      expect((await fetchStoredEmails(stack.sesUrl)).length).toBe(emailsBefore);
      expect({ error: execution.error, cause: execution.cause }).toEqual({
        error: 'InvalidRequest',
        cause: expect.stringMatching(/^Invalid approval request: .*JSON object.*managerEmailAddress.*employeeName/),
      });
    });
  });
});

describe('6. load: 500 requests at once', () => {
  const REQUESTS = 500;
  let stack: LocalStack;
  let sfn: SFNClient;

  beforeAll(async () => {
    stack = await startFaultStack('load');
    sfn = sfnClientFor(stack);
  });

  afterAll(() => closeFaultStack(stack, sfn));

  it("a new stack's inbox is its own: /store lists none of the emails other stacks sent", async () => {
    const foreign = (await fetchStoredEmails(stack.sesUrl)).filter((email) => !linksOf(email).approve.startsWith(`${stack.apiUrl}/`));
    results.foreignEmailsInNewStackInbox = foreign.length;

    expect(foreign.map((email) => `${email.subject} (links to ${new URL(linksOf(email).approve).host})`)).toEqual([]);
  });

  it('each of 500 concurrent requests gets exactly one email, and 500 clicks all SUCCEED', async () => {
    const names = Array.from({ length: REQUESTS }, (_, i) => `load-${String(i).padStart(3, '0')}-${process.pid}`);
    const managerOf = new Map(names.map((name) => [name, `${name}@example.com`]));
    const closed = new Map<string, string>();
    const onClosed = (event: ExecutionClosedEvent): void => {
      closed.set(event.executionArn, event.status);
    };
    stack.stepFunctions.engine.on('executionClosed', onClosed);
    try {
      const started = performance.now();
      const arns = await Promise.all(names.map((name, i) => startNamed(sfn, stack, name, { managerEmailAddress: managerOf.get(name), employeeName: `Load ${i}` })));
      const allStarted = performance.now();
      const byRequest = await waitUntil(
        `${REQUESTS} emails`,
        async () => {
          const grouped = emailsByRequest(await emailsOfStack(stack));
          return names.every((name) => grouped.has(name)) ? grouped : undefined;
        },
        90_000,
        250,
      );
      const allEmailed = performance.now();

      const firstClick = performance.now();
      const pages = await mapWithConcurrency(names, 50, (name) => open(linksOf((byRequest.get(name) ?? [])[0] as StoredEmail).approve));
      const allClicked = performance.now();
      await waitUntil(`${REQUESTS} executions closed`, () => (arns.every((arn) => closed.has(arn)) ? true : undefined), 60_000, 20);
      const allClosed = performance.now();

      const finalByRequest = emailsByRequest(await emailsOfStack(stack));
      const numbers = {
        requests: REQUESTS,
        msStartExecutionCalls: Math.round(allStarted - started),
        msFirstStartToAllEmailsStored: Math.round(allEmailed - started),
        msClicks: Math.round(allClicked - firstClick),
        msFirstClickToAllClosed: Math.round(allClosed - firstClick),
      };
      results.load = numbers;
      console.log(`load: ${JSON.stringify(numbers)}`);

      const lost = names.filter((name) => !finalByRequest.has(name));
      const duplicated = names.filter((name) => (finalByRequest.get(name)?.length ?? 0) > 1);
      const misaddressed = names.filter((name) => finalByRequest.get(name)?.[0]?.destination.to.join(',') !== managerOf.get(name));
      expect({ lost, duplicated, misaddressed }).toEqual({ lost: [], duplicated: [], misaddressed: [] });
      expect(finalByRequest.size).toBe(REQUESTS);
      expect(tally(pages.map((page) => `${page.status} ${page.title}`))).toEqual({ '200 Approved': REQUESTS });
      expect(tally(arns.map((arn) => closed.get(arn) ?? 'RUNNING'))).toEqual({ SUCCEEDED: REQUESTS });
      expect((await executionNames(sfn, stack, 'SUCCEEDED')).sort()).toEqual(names);
      expect(await executionNames(sfn, stack, 'RUNNING')).toEqual([]);
    } finally {
      stack.stepFunctions.engine.off('executionClosed', onClosed);
    }
  });
});

describe('7. no task token in any log', () => {
  it('no token, URL-encoded token or token prefix appears in any log line of any component of any stack', () => {
    const byComponent = tally(capturedLogs.map((entry) => entry.component));
    const byStack = tally(capturedLogs.map((entry) => entry.stack));
    const text = capturedLogs.map((entry) => entry.line).join('\n');
    const workerText = capturedLogs
      .filter((entry) => entry.component === 'worker')
      .map((entry) => entry.line)
      .join('\n');
    const tokens = [...seenTaskTokens];
    results.logCheck = { lines: capturedLogs.length, byComponent, byStack, tokens: tokens.length, emailedTokens: emailedTaskTokens.size };

    // Not vacuous: thousands of lines from every component of every stack, and the worker's lines
    // name every emailed task by its fingerprint.
    expect(capturedLogs.length).toBeGreaterThan(2_000);
    for (const component of ['stack', 'step-functions', 'api', 'worker']) expect(byComponent[component] ?? 0).toBeGreaterThan(component === 'stack' ? 3 : 20);
    expect(Object.keys(byStack).sort()).toEqual(['load', 'ses-faults', 'shared', 'worker-dies']);
    expect(tokens.length).toBeGreaterThan(520);
    expect(tokens.every((token) => token.length > 500)).toBe(true);
    expect([...emailedTaskTokens].filter((token) => !workerText.includes(taskReference(token))).map(taskReference)).toEqual([]);

    const leaks = tokens
      .filter((token) => text.includes(token) || text.includes(encodeURIComponent(token)) || text.includes(token.slice(0, 32)))
      .map((token) => `taskRef ${taskReference(token)}`);
    expect(leaks).toEqual([]);
  });
});
