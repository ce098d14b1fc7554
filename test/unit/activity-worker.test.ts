import { MessageRejected, SendEmailCommand, SESv2Client, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { GetActivityTaskCommand, SendTaskFailureCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { drainActivityTasks, MIN_REMAINING_MS_TO_POLL, type DrainDependencies, type WorkerLogger } from '../../functions/approval-worker/drain-activity-tasks';
import { HOSTILE_NAME, realisticTaskToken } from '../support/fixtures';

const sfnMock = mockClient(SFNClient);
const sesMock = mockClient(SESv2Client);

const ACTIVITY_ARN = 'arn:aws:states:us-east-1:123456789012:activity:approval';
const API_URL = 'https://abc123.execute-api.us-east-1.amazonaws.com/respond/';

interface LogLine {
  level: string;
  message: string;
  extra: unknown[];
}

function capturingLogger(lines: LogLine[]): WorkerLogger {
  const at = (level: string) => (message: string, ...extra: unknown[]) => lines.push({ level, message, extra });
  return { info: at('info'), warn: at('warn'), error: at('error') };
}

function taskInput(request: unknown, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({ request, attempt: 1, reminderCount: 2, reminderIntervalSeconds: 3600, executionName: 'exec-1', ...overrides });
}

const goodRequest = { managerEmailAddress: 'boss@example.com', employeeName: 'Jim' };

describe('drainActivityTasks', () => {
  let logs: LogLine[];
  let delays: number[];
  let deps: DrainDependencies;

  beforeEach(() => {
    sfnMock.reset();
    sesMock.reset();
    logs = [];
    delays = [];
    sfnMock.on(SendTaskFailureCommand).resolves({});
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'msg-1' });
    deps = {
      sfn: new SFNClient({}),
      ses: new SESv2Client({}),
      config: { activityArn: ACTIVITY_ARN, approvalApiUrl: API_URL, senderEmail: undefined, maxSendRate: 1000 },
      logger: capturingLogger(logs),
      remainingTimeMs: () => 290_000,
      now: () => new Date('2026-11-21T10:00:00Z'),
      sleep: async (ms) => {
        delays.push(ms);
      },
    };
  });

  /** Queues these GetActivityTask answers, then empty polls. */
  function queueTasks(...tasks: Array<{ taskToken: string; input: string }>): void {
    const stub = sfnMock.on(GetActivityTaskCommand);
    for (const task of tasks) stub.resolvesOnce(task);
    stub.resolves({});
  }

  function sentEmails() {
    return sesMock.commandCalls(SendEmailCommand).map((call) => call.args[0].input);
  }

  it('stops after one empty poll when no task is waiting', async () => {
    queueTasks();

    const summary = await drainActivityTasks(deps);

    expect(summary).toEqual({ tasksTaken: 0, emailsSent: 0, invalidRequests: 0, deliveryFailures: 0, stoppedBecause: 'no-task-waiting' });
    expect(sfnMock).toHaveReceivedCommandTimes(GetActivityTaskCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(GetActivityTaskCommand, { activityArn: ACTIVITY_ARN });
    expect(sesMock).not.toHaveReceivedCommand(SendEmailCommand);
  });

  it('emails the manager one task, from their own address by default', async () => {
    queueTasks({ taskToken: 'token-1', input: taskInput(goodRequest) });

    const summary = await drainActivityTasks(deps);

    expect(summary).toMatchObject({ tasksTaken: 1, emailsSent: 1, stoppedBecause: 'no-task-waiting' });
    const [email] = sentEmails();
    expect(email?.Destination?.ToAddresses).toEqual(['boss@example.com']);
    expect(email?.FromEmailAddress).toBe('boss@example.com');
    expect(email?.Content?.Simple?.Subject?.Data).toBe('Approval needed for Jim');
    expect(email?.Content?.Simple?.Body?.Text?.Data).toContain(`${API_URL}succeed?taskToken=token-1`);
    expect(email?.Content?.Simple?.Body?.Html?.Data).toContain(`${API_URL}fail?taskToken=token-1`);
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskFailureCommand);
  });

  it('sends from the configured sender when there is one', async () => {
    queueTasks({ taskToken: 'token-1', input: taskInput(goodRequest) });

    await drainActivityTasks({ ...deps, config: { ...deps.config, senderEmail: 'approvals@example.org' } });

    expect(sentEmails()[0]?.FromEmailAddress).toBe('approvals@example.org');
  });

  it('drains several waiting tasks in one run', async () => {
    queueTasks(
      { taskToken: 'token-1', input: taskInput({ ...goodRequest, employeeName: 'Ann' }) },
      { taskToken: 'token-2', input: taskInput({ ...goodRequest, employeeName: 'Bob' }) },
      { taskToken: 'token-3', input: taskInput({ ...goodRequest, employeeName: 'Cy' }) },
    );

    const summary = await drainActivityTasks(deps);

    expect(summary).toMatchObject({ tasksTaken: 3, emailsSent: 3, stoppedBecause: 'no-task-waiting' });
    expect(sentEmails().map((email) => email.Content?.Simple?.Subject?.Data)).toEqual([
      'Approval needed for Ann',
      'Approval needed for Bob',
      'Approval needed for Cy',
    ]);
    expect(sfnMock).toHaveReceivedCommandTimes(GetActivityTaskCommand, 4);
  });

  it('does not start a poll when a whole poll and a send no longer fit in the time left', async () => {
    queueTasks({ taskToken: 'token-1', input: taskInput(goodRequest) }, { taskToken: 'token-2', input: taskInput(goodRequest) });
    const remaining = [MIN_REMAINING_MS_TO_POLL + 1_000, MIN_REMAINING_MS_TO_POLL - 1];

    const summary = await drainActivityTasks({ ...deps, remainingTimeMs: () => remaining.shift() ?? 0 });

    expect(summary).toMatchObject({ tasksTaken: 1, emailsSent: 1, stoppedBecause: 'time-running-out' });
    expect(sfnMock).toHaveReceivedCommandTimes(GetActivityTaskCommand, 1);
  });

  it('never polls at all when started with too little time', async () => {
    queueTasks({ taskToken: 'token-1', input: taskInput(goodRequest) });

    const summary = await drainActivityTasks({ ...deps, remainingTimeMs: () => MIN_REMAINING_MS_TO_POLL - 1 });

    expect(summary.stoppedBecause).toBe('time-running-out');
    expect(sfnMock).not.toHaveReceivedCommand(GetActivityTaskCommand);
  });

  it('fails an invalid request with InvalidRequest and a cause that says what is wrong, without emailing', async () => {
    queueTasks(
      { taskToken: 'token-bad', input: taskInput({ managerEmailAddress: 'not-an-address', employeeName: 'x'.repeat(5_000) }) },
      { taskToken: 'token-good', input: taskInput(goodRequest) },
    );

    const summary = await drainActivityTasks(deps);

    expect(summary).toMatchObject({ tasksTaken: 2, emailsSent: 1, invalidRequests: 1 });
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskFailureCommand, {
      taskToken: 'token-bad',
      error: 'InvalidRequest',
      cause:
        'Invalid approval request: managerEmailAddress "not-an-address" is not an email address; employeeName is 5000 characters long; the limit is 200.',
    });
    expect(sentEmails()).toHaveLength(1);
  });

  it('fails a task whose input is not JSON as InvalidRequest', async () => {
    queueTasks({ taskToken: 'token-bad', input: '{not json' });

    await drainActivityTasks(deps);

    expect(sfnMock).toHaveReceivedCommandWith(SendTaskFailureCommand, { taskToken: 'token-bad', error: 'InvalidRequest' });
  });

  it('retries SES throttling with bounded backoff, then sends', async () => {
    queueTasks({ taskToken: 'token-1', input: taskInput(goodRequest) });
    const throttled = () => new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', $metadata: {} });
    sesMock.on(SendEmailCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({ MessageId: 'msg-after-throttling' });

    const summary = await drainActivityTasks(deps);

    expect(summary).toMatchObject({ emailsSent: 1, deliveryFailures: 0 });
    expect(sesMock).toHaveReceivedCommandTimes(SendEmailCommand, 3);
    expect(delays).toHaveLength(2);
    expect(delays[1]).toBeGreaterThan(0);
    expect(Math.max(...delays)).toBeLessThanOrEqual(1_000);
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskFailureCommand);
  });

  it('gives up on lasting throttling with the retryable EmailDeliveryFailed', async () => {
    queueTasks({ taskToken: 'token-1', input: taskInput(goodRequest) });
    sesMock.on(SendEmailCommand).rejects(new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', $metadata: {} }));

    const summary = await drainActivityTasks(deps);

    expect(summary).toMatchObject({ emailsSent: 0, deliveryFailures: 1 });
    expect(sesMock).toHaveReceivedCommandTimes(SendEmailCommand, 4);
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskFailureCommand, {
      taskToken: 'token-1',
      error: 'EmailDeliveryFailed',
      cause: 'SES did not send the email after 4 attempt(s): TooManyRequestsException: Maximum sending rate exceeded.',
    });
  });

  it('stops taking tasks after 3 failed deliveries in a row, leaving the rest queued', async () => {
    queueTasks(...Array.from({ length: 5 }, (_, i) => ({ taskToken: `token-${i}`, input: taskInput(goodRequest) })));
    sesMock.on(SendEmailCommand).rejects(Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }));

    const summary = await drainActivityTasks(deps);

    expect(summary).toEqual({ tasksTaken: 3, emailsSent: 0, invalidRequests: 0, deliveryFailures: 3, stoppedBecause: 'email-delivery-failing' });
    expect(sfnMock).toHaveReceivedCommandTimes(GetActivityTaskCommand, 3);
    expect(sfnMock).toHaveReceivedCommandTimes(SendTaskFailureCommand, 3);
  });

  it('keeps draining after refusals and invalid requests, which say nothing about SES itself', async () => {
    queueTasks(...Array.from({ length: 4 }, (_, i) => ({ taskToken: `token-${i}`, input: taskInput(goodRequest) })), { taskToken: 'token-bad', input: taskInput({}) });
    sesMock.on(SendEmailCommand).rejects(new MessageRejected({ message: 'no', $metadata: {} }));

    const summary = await drainActivityTasks(deps);

    expect(summary).toMatchObject({ tasksTaken: 5, deliveryFailures: 4, invalidRequests: 1, stoppedBecause: 'no-task-waiting' });
  });

  it('fails a permanent SES refusal at once with EmailDeliveryRefused', async () => {
    queueTasks({ taskToken: 'token-1', input: taskInput(goodRequest) });
    sesMock.on(SendEmailCommand).rejects(new MessageRejected({ message: 'Email address is not verified.', $metadata: {} }));

    await drainActivityTasks(deps);

    expect(sesMock).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskFailureCommand, {
      taskToken: 'token-1',
      error: 'EmailDeliveryRefused',
      cause: 'SES refused the email: MessageRejected: Email address is not verified.',
    });
  });

  it('keeps draining when Step Functions no longer accepts a failure report', async () => {
    queueTasks({ taskToken: 'token-1', input: taskInput({}) }, { taskToken: 'token-2', input: taskInput(goodRequest) });
    sfnMock.on(SendTaskFailureCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));

    const summary = await drainActivityTasks(deps);

    expect(summary).toMatchObject({ tasksTaken: 2, emailsSent: 1, invalidRequests: 1 });
    expect(logs.some((line) => line.level === 'error' && line.message.startsWith('Could not report the task failure'))).toBe(true);
  });

  it('escapes an HTML-hostile employee name in the HTML body', async () => {
    queueTasks({ taskToken: 'token-1', input: taskInput({ ...goodRequest, employeeName: HOSTILE_NAME }) });

    await drainActivityTasks(deps);

    const html = sentEmails()[0]?.Content?.Simple?.Body?.Html?.Data ?? '';
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(&#39;pwned&#39;)&quot;&gt;');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>Jim</b>');
  });

  it('puts a 900-character token with + / = in the links so it decodes back to the exact original', async () => {
    const token = realisticTaskToken(900);
    queueTasks({ taskToken: token, input: taskInput(goodRequest) });

    await drainActivityTasks(deps);

    const text = sentEmails()[0]?.Content?.Simple?.Body?.Text?.Data ?? '';
    const approve = /Approve: (\S+)/.exec(text)?.[1] ?? '';
    const reject = /Reject: (\S+)/.exec(text)?.[1] ?? '';
    for (const link of [approve, reject]) {
      const raw = new URL(link).search.replace(/^\?taskToken=/, '');
      // API Gateway REST decodes query strings this way before the VTL template sees them.
      expect(decodeURIComponent(raw.replace(/\+/g, ' '))).toBe(token);
    }
  });

  it('never writes a task token to the logs', async () => {
    const tokens = [realisticTaskToken(900, 1), realisticTaskToken(900, 2), realisticTaskToken(900, 3)];
    queueTasks(
      { taskToken: tokens[0] as string, input: taskInput(goodRequest) },
      { taskToken: tokens[1] as string, input: taskInput({ managerEmailAddress: 'nope' }) },
      { taskToken: tokens[2] as string, input: taskInput(goodRequest) },
    );
    sesMock.on(SendEmailCommand).resolvesOnce({ MessageId: 'm' }).rejects(new MessageRejected({ message: 'no', $metadata: {} }));

    await drainActivityTasks(deps);

    const written = JSON.stringify(logs);
    expect(logs.length).toBeGreaterThanOrEqual(3);
    for (const token of tokens) {
      expect(written).not.toContain(token);
      expect(written).not.toContain(encodeURIComponent(token));
      expect(written).not.toContain(token.slice(0, 40));
    }
    // Log lines about one task can still be matched through a token fingerprint.
    expect(logs.filter((line) => JSON.stringify(line.extra).includes('"taskRef"'))).toHaveLength(logs.length);
  });
});
