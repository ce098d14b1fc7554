import { ConditionalCheckFailedException, DeleteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  AccountSuspendedException,
  BadRequestException,
  LimitExceededException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  NotFoundException,
  SendEmailCommand,
  SendingPausedException,
  SESv2Client,
  SESv2ServiceException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { GetActivityTaskCommand, SendTaskFailureCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  drainActivityTasks,
  MIN_REMAINING_MS_TO_POLL,
  runWorker,
  type DrainDependencies,
  type WorkerLogger,
} from '../../functions/approval-worker/drain-activity-tasks';
import type { WorkerConfig } from '../../functions/approval-worker/config';
import { slotKey } from '../../functions/approval-worker/worker-slots';
import { validateApprovalRequest, type NormalizedApprovalRequest } from '../../functions/commons/approval-request';
import type { WorkerMetricName } from '../../functions/commons/worker-metrics';
import { MAX_CAUSE_LENGTH } from '../../statemachine/step-functions-limits';
import { HOSTILE_NAME, realisticTaskToken } from '../support/fixtures';

const sfnMock = mockClient(SFNClient);
const sesMock = mockClient(SESv2Client);
const dynamodbMock = mockClient(DynamoDBClient);

const ACTIVITY_ARN = 'arn:aws:states:us-east-1:123456789012:activity:approval';
const API_URL = 'https://abc123.execute-api.us-east-1.amazonaws.com/respond/';

interface LogLine {
  level: string;
  message: string;
  extra: unknown[];
}

function capturingLogger(lines: LogLine[]): WorkerLogger {
  const at =
    (level: string) =>
    (message: string, ...extra: unknown[]) =>
      lines.push({ level, message, extra });
  return { info: at('info'), warn: at('warn'), error: at('error') };
}

/** A request as the state machine hands it to every approver's task: checked and normalized by CheckRequest. */
function checked(input: Record<string, unknown>): NormalizedApprovalRequest {
  const result = validateApprovalRequest(input);
  if (!result.valid) throw new Error(result.problems.map((problem) => problem.message).join('; '));
  return result.request;
}

const seedRequest = (employeeName = 'Jim') => checked({ managerEmailAddress: 'boss@example.com', employeeName });

/** One approver's task; the approver is the request's first unless `overrides` names another. */
function taskInput(request: unknown, overrides: Record<string, unknown> = {}): string {
  const approvers = (request as { approvers?: unknown } | null)?.approvers;
  const approver = Array.isArray(approvers) ? (approvers[0] as unknown) : undefined;
  return JSON.stringify({
    request,
    approver,
    attempt: 1,
    reminderCount: 2,
    reminderIntervalSeconds: 3600,
    executionName: 'exec-1',
    ...overrides,
  });
}

/** The worker's settings in these tests: no sender (the approver's own address), no slots, a pace that never waits. */
const WORKER_CONFIG: WorkerConfig = {
  activityArn: ACTIVITY_ARN,
  approvalApiUrl: API_URL,
  senderEmail: undefined,
  maxSendRate: 1000,
  sesConfigurationSet: undefined,
  slots: undefined,
  metricsNamespace: 'HumanApproval',
};

const goodRequest = seedRequest();

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
      config: WORKER_CONFIG,
      logger: capturingLogger(logs),
      remainingTimeMs: () => 290_000,
      now: () => new Date('2026-11-21T10:00:00Z'),
      sleep: (ms) => {
        delays.push(ms);
        return Promise.resolve();
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

  describe('a request with several approvers', () => {
    const deploy = checked({
      approvers: ['ana@example.com', 'Ben@Example.com'],
      policy: 'all',
      subject: 'Deploy release 42',
      details: { Release: '42' },
      requester: 'dev@example.com',
    });

    it("emails each approver only their own task, with that task's token in the links", async () => {
      queueTasks(
        { taskToken: 'token-ana', input: taskInput(deploy, { approver: 'ana@example.com' }) },
        { taskToken: 'token-ben', input: taskInput(deploy, { approver: 'Ben@Example.com' }) },
      );

      const summary = await drainActivityTasks({ ...deps, config: { ...deps.config, senderEmail: 'approvals@example.org' } });

      expect(summary).toMatchObject({ tasksTaken: 2, emailsSent: 2, invalidRequests: 0 });
      const emails = sentEmails();
      expect(emails.map((email) => email.Destination?.ToAddresses)).toEqual([['ana@example.com'], ['Ben@Example.com']]);
      const [toAna, toBen] = emails.map((email) => email.Content?.Simple?.Body?.Text?.Data ?? '');
      expect(toAna).toContain(`${API_URL}succeed?taskToken=token-ana`);
      expect(toAna).not.toContain('token-ben');
      expect(toBen).toContain(`${API_URL}fail?taskToken=token-ben`);
      expect(toBen).not.toContain('token-ana');
      expect(emails.map((email) => email.Content?.Simple?.Subject?.Data)).toEqual(['Deploy release 42', 'Deploy release 42']);
      expect(toAna).toContain('Release: 42');
      expect(toAna).toContain('All 2 approvers must approve; one rejection decides.');
      expect(sfnMock).not.toHaveReceivedCommand(SendTaskFailureCommand);
    });

    it('puts only the token in the links: the confirmation page shows no request text', async () => {
      queueTasks({ taskToken: 'token-ana', input: taskInput(deploy, { approver: 'ana@example.com' }) });
      await drainActivityTasks(deps);

      const text = sentEmails()[0]?.Content?.Simple?.Body?.Text?.Data ?? '';
      expect(text).toContain(`${API_URL}succeed?taskToken=token-ana\n`);
      expect(text).toContain(`${API_URL}fail?taskToken=token-ana\n`);
    });

    it("sends from the approver's own address when no sender is configured", async () => {
      queueTasks({ taskToken: 'token-ben', input: taskInput(deploy, { approver: 'Ben@Example.com' }) });

      await drainActivityTasks(deps);

      expect(sentEmails()[0]).toMatchObject({ FromEmailAddress: 'Ben@Example.com', Destination: { ToAddresses: ['Ben@Example.com'] } });
    });

    it('fails a task for someone who is not one of the approvers with InvalidRequest, without emailing anyone', async () => {
      queueTasks({ taskToken: 'token-eve', input: taskInput(deploy, { approver: 'eve@example.com' }) });

      const summary = await drainActivityTasks(deps);

      expect(summary).toMatchObject({ tasksTaken: 1, emailsSent: 0, invalidRequests: 1 });
      expect(sesMock).not.toHaveReceivedCommand(SendEmailCommand);
      expect(sfnMock).toHaveReceivedCommandWith(SendTaskFailureCommand, {
        taskToken: 'token-eve',
        error: 'InvalidRequest',
        cause: 'Invalid approval request: the task\'s approver "eve@example.com" is not one of the request\'s approvers.',
      });
    });

    it('fails a task whose request breaks a rule, checked again by the worker, with InvalidRequest', async () => {
      const selfApproved = { ...deploy, requester: 'ANA@example.com', subject: 'Deploy \u202e24' };
      queueTasks({ taskToken: 'token-ana', input: taskInput(selfApproved) });

      await drainActivityTasks(deps);

      expect(sesMock).not.toHaveReceivedCommand(SendEmailCommand);
      expect(sfnMock).toHaveReceivedCommandWith(SendTaskFailureCommand, {
        taskToken: 'token-ana',
        error: 'InvalidRequest',
        cause:
          'Invalid approval request: subject contains Unicode bidirectional controls (U+202E), which can make text read differently from what it is; ' +
          'requester "ANA@example.com" is also an approver: nobody may approve their own request.',
      });
    });
  });

  it('drains several waiting tasks in one run', async () => {
    queueTasks(
      { taskToken: 'token-1', input: taskInput(seedRequest('Ann')) },
      { taskToken: 'token-2', input: taskInput(seedRequest('Bob')) },
      { taskToken: 'token-3', input: taskInput(seedRequest('Cy')) },
    );

    const summary = await drainActivityTasks(deps);

    expect(summary).toMatchObject({ tasksTaken: 3, emailsSent: 3, stoppedBecause: 'no-task-waiting' });
    expect(sentEmails().map((email) => email.Content?.Simple?.Subject?.Data)).toEqual([
      'Approval needed for Ann',
      'Approval needed for Bob',
      'Approval needed for Cy',
    ]);
    // The run starts a loop for each task dealt with (up to its share), and each loop ends at its
    // own empty poll: 3 polls bring the tasks, 4 loops (the first and 3 more) each end empty.
    expect(sfnMock).toHaveReceivedCommandTimes(GetActivityTaskCommand, 3 + 4);
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
      { taskToken: 'token-bad', input: taskInput({ ...goodRequest, approvers: ['not-an-address'], employeeName: 'x'.repeat(5_000) }) },
      { taskToken: 'token-good', input: taskInput(goodRequest) },
    );

    const summary = await drainActivityTasks(deps);

    expect(summary).toMatchObject({ tasksTaken: 2, emailsSent: 1, invalidRequests: 1 });
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskFailureCommand, {
      taskToken: 'token-bad',
      error: 'InvalidRequest',
      cause:
        'Invalid approval request: approvers[0] "not-an-address" is not an email address; employeeName is 5000 characters long; the limit is 200.',
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
    sesMock
      .on(SendEmailCommand)
      .rejects(Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }));

    const summary = await drainActivityTasks(deps);

    expect(summary).toEqual({
      tasksTaken: 3,
      emailsSent: 0,
      invalidRequests: 0,
      deliveryFailures: 3,
      stoppedBecause: 'email-delivery-failing',
    });
    expect(sfnMock).toHaveReceivedCommandTimes(GetActivityTaskCommand, 3);
    expect(sfnMock).toHaveReceivedCommandTimes(SendTaskFailureCommand, 3);
  });

  it('keeps draining after refusals and invalid requests, which say nothing about SES itself', async () => {
    queueTasks(...Array.from({ length: 4 }, (_, i) => ({ taskToken: `token-${i}`, input: taskInput(goodRequest) })), {
      taskToken: 'token-bad',
      input: taskInput({}),
    });
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

  it('cuts an over-long cause to what Step Functions accepts without splitting an emoji', async () => {
    const prefix = 'SES refused the email: MessageRejected: ';
    // The first emoji's high half lands on the last unit kept before "...": a cut by units alone would keep it without its low half.
    const message = `${'x'.repeat(MAX_CAUSE_LENGTH - 4 - prefix.length)}${'\u{1f600}'.repeat(100)}`;
    queueTasks({ taskToken: 'token-1', input: taskInput(goodRequest) });
    sesMock.on(SendEmailCommand).rejects(new MessageRejected({ message, $metadata: {} }));

    await drainActivityTasks(deps);

    const cause = sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input.cause ?? '';
    // With the u flag only a lone half matches.
    expect(cause.match(/[\ud800-\udfff]/u)).toBeNull();
    expect(cause).toHaveLength(MAX_CAUSE_LENGTH - 1);
    expect(cause.startsWith(prefix)).toBe(true);
    expect(cause.slice(-6)).toBe('xxx...');
  });

  it('keeps draining when Step Functions no longer accepts a failure report', async () => {
    queueTasks({ taskToken: 'token-1', input: taskInput({}) }, { taskToken: 'token-2', input: taskInput(goodRequest) });
    sfnMock.on(SendTaskFailureCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));

    const summary = await drainActivityTasks(deps);

    expect(summary).toMatchObject({ tasksTaken: 2, emailsSent: 1, invalidRequests: 1 });
    expect(logs.some((line) => line.level === 'error' && line.message.startsWith('Could not report the task failure'))).toBe(true);
  });

  it('escapes an HTML-hostile employee name in the HTML body', async () => {
    queueTasks({ taskToken: 'token-1', input: taskInput(seedRequest(HOSTILE_NAME)) });

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
    sesMock
      .on(SendEmailCommand)
      .resolvesOnce({ MessageId: 'm' })
      .rejects(new MessageRejected({ message: 'no', $metadata: {} }));

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

  describe('SES failures, in three kinds', () => {
    const sender = 'approvals@example.com';
    const error = (Type: new (args: { message: string; $metadata: object }) => Error, message: string) =>
      new Type({ message, $metadata: {} });

    beforeEach(() => {
      deps = { ...deps, config: { ...deps.config, senderEmail: sender } };
      queueTasks(...Array.from({ length: 3 }, (_, i) => ({ taskToken: `token-${i}`, input: taskInput(goodRequest) })));
    });

    it.each([
      [
        'MessageRejected',
        error(
          MessageRejected,
          'Email address is not verified. The following identities failed the check in region EU-WEST-1: boss@example.com',
        ),
      ],
      ['BadRequestException', error(BadRequestException, 'Missing final @domain')],
    ])('a per-message refusal (%s) ends that request with EmailDeliveryRefused and the run goes on', async (_name, refusal) => {
      sesMock.on(SendEmailCommand).rejectsOnce(refusal).resolves({ MessageId: 'm' });

      const summary = await drainActivityTasks(deps);

      expect(summary).toMatchObject({ tasksTaken: 3, emailsSent: 2, deliveryFailures: 1, stoppedBecause: 'no-task-waiting' });
      expect(sfnMock).toHaveReceivedCommandWith(SendTaskFailureCommand, { taskToken: 'token-0', error: 'EmailDeliveryRefused' });
    });

    it.each([
      ['SendingPausedException', error(SendingPausedException, 'Sending is paused for this account.')],
      ['AccountSuspendedException', error(AccountSuspendedException, 'The account is suspended.')],
      [
        'AccessDeniedException',
        Object.assign(
          new SESv2ServiceException({
            name: 'AccessDeniedException',
            $fault: 'client',
            $metadata: {},
            message: 'not authorized to perform ses:SendEmail',
          }),
        ),
      ],
      ['MailFromDomainNotVerifiedException', error(MailFromDomainNotVerifiedException, 'MAIL FROM domain not verified')],
      ['NotFoundException', error(NotFoundException, 'Configuration set <approvals> does not exist.')],
      ['LimitExceededException', error(LimitExceededException, 'Daily message quota exceeded.')],
      [
        'MessageRejected naming the sender',
        error(MessageRejected, `Email address is not verified. The following identities failed the check in region EU-WEST-1: ${sender}`),
      ],
    ] as Array<[string, Error]>)(
      'an account-level problem (%s) stops the run at once and leaves the other tasks queued',
      async (_name, problem) => {
        sesMock.on(SendEmailCommand).rejects(problem);
        const counted: WorkerMetricName[] = [];
        deps = { ...deps, metrics: { count: (name) => counted.push(name) } };

        const summary = await drainActivityTasks(deps);

        expect(summary).toEqual({
          tasksTaken: 1,
          emailsSent: 0,
          invalidRequests: 0,
          deliveryFailures: 1,
          stoppedBecause: 'ses-account-problem',
        });
        // One try, no retry: retrying cannot help until a person acts.
        expect(sesMock).toHaveReceivedCommandTimes(SendEmailCommand, 1);
        expect(sfnMock).toHaveReceivedCommandTimes(GetActivityTaskCommand, 1);
        // The taken request goes round the redeliveries (a new email later), not to EmailDeliveryRefused.
        expect(sfnMock).toHaveReceivedCommandWith(SendTaskFailureCommand, {
          taskToken: 'token-0',
          error: 'EmailDeliveryFailed',
          cause: expect.stringMatching(/^SES refused to send for this account: /),
        });
        expect(counted).toEqual(['SesAccountProblems']);
        expect(logs.some((line) => line.level === 'error' && line.message.includes('approval doctor'))).toBe(true);
      },
    );

    it('a transient failure is retried and the email goes out', async () => {
      sesMock
        .on(SendEmailCommand)
        .rejectsOnce(error(TooManyRequestsException, 'Maximum sending rate exceeded.'))
        .rejectsOnce(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }))
        .resolves({ MessageId: 'm' });
      const counted: WorkerMetricName[] = [];
      deps = { ...deps, metrics: { count: (name) => counted.push(name) } };

      const summary = await drainActivityTasks(deps);

      expect(summary).toMatchObject({ tasksTaken: 3, emailsSent: 3, deliveryFailures: 0 });
      expect(sfnMock).not.toHaveReceivedCommand(SendTaskFailureCommand);
      expect(counted.sort()).toEqual(['EmailsSent', 'EmailsSent', 'EmailsSent', 'EmailsThrottled']);
    });

    it('sends with the configured configuration set', async () => {
      deps = { ...deps, config: { ...deps.config, sesConfigurationSet: 'approvals-events' } };

      await drainActivityTasks(deps);

      expect(sentEmails()[0]).toMatchObject({ FromEmailAddress: sender, ConfigurationSetName: 'approvals-events' });
    });
  });
});

describe('runWorker with worker slots', () => {
  const slots = {
    dynamodb: new DynamoDBClient({}),
    tableName: 'slots',
    count: 2,
    holder: 'request-1',
    now: () => 1_000_000,
    random: () => 0,
  };
  let logs: LogLine[];
  let deps: DrainDependencies;

  beforeEach(() => {
    sfnMock.reset();
    sesMock.reset();
    dynamodbMock.reset();
    logs = [];
    sfnMock
      .on(GetActivityTaskCommand)
      .resolvesOnce({ taskToken: 'token-1', input: taskInput(goodRequest) })
      .resolves({});
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'm' });
    dynamodbMock.on(DeleteItemCommand).resolves({});
    deps = {
      sfn: new SFNClient({}),
      ses: new SESv2Client({}),
      config: WORKER_CONFIG,
      logger: capturingLogger(logs),
      remainingTimeMs: () => 290_000,
    };
  });

  const conditionFailed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

  it('takes a free slot for the run, drains, then releases only its own slot', async () => {
    dynamodbMock.on(PutItemCommand).resolves({});

    const summary = await runWorker(deps, slots);

    expect(summary).toMatchObject({ emailsSent: 1, stoppedBecause: 'no-task-waiting' });
    expect(dynamodbMock).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'slots',
      Item: expect.objectContaining({ holder: { S: 'request-1' }, expiresAt: { N: String(1_000_000 + 290_000) } }),
      ConditionExpression: 'attribute_not_exists(slot) OR expiresAt < :now',
      ExpressionAttributeValues: { ':now': { N: '1000000' } },
    });
    expect(dynamodbMock).toHaveReceivedCommandWith(DeleteItemCommand, {
      ConditionExpression: 'holder = :holder',
      ExpressionAttributeValues: { ':holder': { S: 'request-1' } },
    });
  });

  it('tries the next slot when one is held', async () => {
    dynamodbMock.on(PutItemCommand).rejectsOnce(conditionFailed()).resolves({});

    const summary = await runWorker(deps, slots);

    expect(summary.emailsSent).toBe(1);
    const keys = dynamodbMock.commandCalls(PutItemCommand).map((call) => call.args[0].input.Item?.slot?.S);
    expect(new Set(keys)).toEqual(new Set([slotKey(0), slotKey(1)]));
  });

  it('stops without polling when every slot is held: concurrency stays bounded', async () => {
    dynamodbMock.on(PutItemCommand).rejects(conditionFailed());

    const summary = await runWorker(deps, slots);

    expect(summary).toEqual({ tasksTaken: 0, emailsSent: 0, invalidRequests: 0, deliveryFailures: 0, stoppedBecause: 'all-slots-busy' });
    expect(dynamodbMock).toHaveReceivedCommandTimes(PutItemCommand, 2);
    expect(sfnMock).not.toHaveReceivedCommand(GetActivityTaskCommand);
  });

  it('works without a slot when the table cannot be reached, so no request waits for it', async () => {
    dynamodbMock.on(PutItemCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }));

    const summary = await runWorker(deps, slots);

    expect(summary.emailsSent).toBe(1);
    expect(logs.some((line) => line.level === 'error' && line.message.startsWith('Could not take a worker slot'))).toBe(true);
  });

  it('releases the slot even when the drain throws', async () => {
    dynamodbMock.on(PutItemCommand).resolves({});
    sfnMock.on(GetActivityTaskCommand).rejects(new Error('connection reset'));

    await expect(runWorker(deps, slots)).rejects.toThrow('connection reset');
    expect(dynamodbMock).toHaveReceivedCommand(DeleteItemCommand);
  });

  it('500 wake-ups at once: at most 2 runs hold a slot at any time, and every task is emailed exactly once', async () => {
    // A table that keeps DynamoDB's promise for this condition: of the writes racing for one item,
    // one wins. Every call yields first, so the 500 runs interleave.
    const items = new Map<string, { holder: string; expiresAt: number }>();
    // Runs that have polled and not yet finished (a finished run always deletes its slot item).
    const working = new Set<string>();
    let mostWorking = 0;
    dynamodbMock
      .on(PutItemCommand)
      .callsFake(
        async (input: { Item: Record<string, { S?: string; N?: string }>; ExpressionAttributeValues: Record<string, { N: string }> }) => {
          await new Promise((resolve) => setImmediate(resolve));
          const key = input.Item.slot?.S ?? '';
          const held = items.get(key);
          if (held && held.expiresAt >= Number(input.ExpressionAttributeValues[':now']?.N)) throw conditionFailed();
          items.set(key, { holder: input.Item.holder?.S ?? '', expiresAt: Number(input.Item.expiresAt?.N) });
          return {};
        },
      );
    dynamodbMock
      .on(DeleteItemCommand)
      .callsFake(async (input: { Key: { slot: { S: string } }; ExpressionAttributeValues: Record<string, { S: string }> }) => {
        await new Promise((resolve) => setImmediate(resolve));
        const holder = input.ExpressionAttributeValues[':holder']?.S ?? '';
        working.delete(holder);
        if (items.get(input.Key.slot.S)?.holder === holder) items.delete(input.Key.slot.S);
        return {};
      });
    const waiting = Array.from({ length: 500 }, (_, i) => `token-${i}`);
    sfnMock.on(GetActivityTaskCommand).callsFake(async (input: { workerName: string }) => {
      working.add(input.workerName);
      mostWorking = Math.max(mostWorking, working.size);
      await new Promise((resolve) => setImmediate(resolve));
      const taskToken = waiting.shift();
      return taskToken ? { taskToken, input: taskInput(goodRequest) } : {};
    });

    const summaries = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        runWorker({ ...deps, workerName: `request-${i}` }, { ...slots, holder: `request-${i}`, now: Date.now, random: Math.random }),
      ),
    );

    expect(mostWorking).toBe(2);
    expect(summaries.filter((summary) => summary.stoppedBecause === 'all-slots-busy').length).toBeGreaterThanOrEqual(498 - 10);
    expect(summaries.reduce((sum, summary) => sum + summary.emailsSent, 0)).toBe(500);
    const tokensEmailed = sesMock
      .commandCalls(SendEmailCommand)
      .map((call) => /taskToken=([^"&\s]+)/.exec(call.args[0].input.Content?.Simple?.Body?.Text?.Data ?? '')?.[1]);
    expect(new Set(tokensEmailed).size).toBe(500);
    expect(items.size).toBe(0);
  });
});
