import { MessageRejected, SendEmailCommand, SendingPausedException, SESv2Client } from '@aws-sdk/client-sesv2';
import { GetActivityTaskCommand, SendTaskFailureCommand, SFNClient } from '@aws-sdk/client-sfn';
import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError } from '@slack/web-api';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { drainActivityTasks, type DrainDependencies } from '../../functions/approval-worker/drain-activity-tasks';
import { slackClientOnce } from '../../functions/approval-worker/slack-client';
import { validateApprovalRequest, type NormalizedApprovalRequest } from '../../functions/commons/approval-request';
import { decodeSlackButtonValue, MAX_SLACK_BUTTON_VALUE_LENGTH, SLACK_ACTION_ID } from '../../functions/commons/slack-contract';
import type { WorkerMetricName } from '../../functions/commons/worker-metrics';
import { FakeSlack } from '../support/fake-slack';
import { type LogLine, SLACK_WORKER_CONFIG, slackWorkerHarness } from '../support/slack-worker-harness';
import { realisticTaskToken } from '../support/fixtures';

const sfnMock = mockClient(SFNClient);
const sesMock = mockClient(SESv2Client);

function checked(input: Record<string, unknown>): NormalizedApprovalRequest {
  const result = validateApprovalRequest(input);
  if (!result.valid) throw new Error(result.problems.map((problem) => problem.message).join('; '));
  return result.request;
}

function taskInput(request: NormalizedApprovalRequest, approver = request.approvers[0]): string {
  return JSON.stringify({ request, approver, attempt: 1, reminderCount: 2, reminderIntervalSeconds: 3600, executionName: 'deploy-42' });
}

const request = (via: string[], approvers = ['ana@example.com']) =>
  checked({ approvers, subject: 'Deploy release 42', details: { Release: '42' }, requester: 'dev@example.com', via });

describe('the worker with Slack', () => {
  let logs: LogLine[];
  let counted: WorkerMetricName[];
  let slack: FakeSlack;
  let deps: DrainDependencies;

  beforeEach(() => {
    sfnMock.reset();
    sesMock.reset();
    sfnMock.on(SendTaskFailureCommand).resolves({});
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'msg-1' });
    ({ deps, slack, logs, counted } = slackWorkerHarness());
  });

  function queueTasks(...tasks: Array<{ taskToken: string; input: string }>): void {
    const stub = sfnMock.on(GetActivityTaskCommand);
    for (const task of tasks) stub.resolvesOnce(task);
    stub.resolves({});
  }

  const emailsTo = () => sesMock.commandCalls(SendEmailCommand).map((call) => call.args[0].input.Destination?.ToAddresses);
  const failures = () => sfnMock.commandCalls(SendTaskFailureCommand).map((call) => call.args[0].input);

  function expectNoTokenLogged(...tokens: string[]): void {
    const written = JSON.stringify(logs);
    for (const token of tokens) {
      expect(written).not.toContain(token);
      expect(written).not.toContain(token.slice(0, 40));
    }
  }

  it('sends a Slack-only request as a direct message with the buttons, and no email', async () => {
    const token = realisticTaskToken(900, 11);
    queueTasks({ taskToken: token, input: taskInput(request(['slack'])) });

    const summary = await drainActivityTasks(deps);

    expect(slack.lookedUp).toEqual(['ana@example.com']);
    expect(slack.posted).toHaveLength(1);
    const [message] = slack.posted;
    expect(message?.channel).toBe('U07ANA4242');
    expect(message?.text).toBe('Approval requested: Deploy release 42');
    const actions = message?.blocks.find((block) => block.type === 'actions');
    const values =
      actions?.type === 'actions' ? actions.elements.map((button) => [button.action_id, decodeSlackButtonValue(button.value)]) : [];
    expect(values).toEqual([
      [SLACK_ACTION_ID.approve, { approverUserId: 'U07ANA4242', taskToken: token }],
      [SLACK_ACTION_ID.reject, { approverUserId: 'U07ANA4242', taskToken: token }],
    ]);
    expect(sesMock).not.toHaveReceivedCommand(SendEmailCommand);
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskFailureCommand);
    expect(summary).toEqual({
      tasksTaken: 1,
      emailsSent: 0,
      slackMessagesSent: 1,
      invalidRequests: 0,
      deliveryFailures: 0,
      stoppedBecause: 'no-task-waiting',
    });
    expect(counted).toEqual(['SlackMessagesSent']);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'info', message: 'Sent an approval request to Slack' }));
    expectNoTokenLogged(token);
  });

  it('sends both a Slack message and an email with the same token when via has both', async () => {
    const token = realisticTaskToken(900, 12);
    queueTasks({ taskToken: token, input: taskInput(request(['slack', 'email'])) });

    const summary = await drainActivityTasks(deps);

    expect(slack.posted).toHaveLength(1);
    expect(emailsTo()).toEqual([['ana@example.com']]);
    const emailText = sesMock.commandCalls(SendEmailCommand)[0]?.args[0].input.Content?.Simple?.Body?.Text?.Data ?? '';
    expect(emailText).toContain(`taskToken=${encodeURIComponent(token)}`);
    expect(JSON.stringify(slack.posted[0]?.blocks)).toContain(JSON.stringify(token).slice(1, -1));
    expect(summary).toMatchObject({ tasksTaken: 1, emailsSent: 1, slackMessagesSent: 1, deliveryFailures: 0 });
    expect(counted).toEqual(['SlackMessagesSent', 'EmailsSent']);
    expectNoTokenLogged(token);
  });

  it('emails an approver Slack does not know by address, saying so in the log and a metric', async () => {
    const token = realisticTaskToken(900, 13);
    queueTasks({ taskToken: token, input: taskInput(request(['slack'], ['ana@example.com', 'cy@example.com']), 'cy@example.com') });

    const summary = await drainActivityTasks(deps);

    expect(slack.posted).toHaveLength(0);
    expect(emailsTo()).toEqual([['cy@example.com']]);
    expect(counted).toEqual(['SlackApproverNotFound', 'EmailsSent']);
    expect(logs).toContainEqual({
      level: 'warn',
      message: "Slack knows no user with the approver's email address; emailing the approver instead",
      extra: [expect.objectContaining({ approver: 'cy@example.com', slackError: 'users_not_found' })],
    });
    expect(summary).toMatchObject({ emailsSent: 1, deliveryFailures: 0 });
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskFailureCommand);
    expectNoTokenLogged(token);
  });

  it('sends one email, not two, when an approver Slack does not know asked for both', async () => {
    queueTasks({ taskToken: 'token-1', input: taskInput(request(['slack', 'email'], ['cy@example.com'])) });

    await drainActivityTasks(deps);

    expect(emailsTo()).toEqual([['cy@example.com']]);
    expect(logs.map((line) => line.message)).toContain(
      "Slack knows no user with the approver's email address; the approver gets the email only",
    );
  });

  it('emails the approver when the token does not fit in a button', async () => {
    const token = realisticTaskToken(MAX_SLACK_BUTTON_VALUE_LENGTH, 14);
    queueTasks({ taskToken: token, input: taskInput(request(['slack'])) });

    await drainActivityTasks(deps);

    expect(slack.posted).toHaveLength(0);
    expect(emailsTo()).toEqual([['ana@example.com']]);
    expect(counted).toEqual(['SlackTokenTooLong', 'EmailsSent']);
    expect(logs.map((line) => line.message)).toContain('The task token is too long for a Slack button; emailing the approver instead');
    expectNoTokenLogged(token);
  });

  it('emails the approver when Slack refuses the message for them', async () => {
    slack.fail.postMessage = new WebAPIPlatformError({ ok: false, error: 'channel_not_found' });
    queueTasks({ taskToken: 'token-1', input: taskInput(request(['slack'])) });

    await drainActivityTasks(deps);

    expect(emailsTo()).toEqual([['ana@example.com']]);
    expect(counted).toEqual(['SlackMessagesRefused', 'EmailsSent']);
  });

  const SLACK_FOR_NOW = [
    ['rate limited (HTTP 429)', new WebAPIRateLimitedError(30), 'ratelimited'],
    ['rate limited (error ratelimited)', new WebAPIPlatformError({ ok: false, error: 'ratelimited' }), 'ratelimited'],
    ['unavailable (HTTP 503)', new WebAPIHTTPError(503, 'Service Unavailable', {}, ''), 'http_503'],
    ['unreachable', new WebAPIRequestError(Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' })), 'request_error'],
  ] as const;

  it.each(SLACK_FOR_NOW)('fails a Slack-only task for a retry when Slack is %s', async (_, error, slackError) => {
    const token = realisticTaskToken(900, 15);
    slack.fail.postMessage = error;
    queueTasks({ taskToken: token, input: taskInput(request(['slack'])) });

    const summary = await drainActivityTasks(deps);

    expect(failures()).toEqual([
      {
        taskToken: token,
        error: 'EmailDeliveryFailed',
        cause: `Slack did not take the approval message (${slackError} from chat.postMessage); it is sent again after a backoff`,
      },
    ]);
    expect(sesMock).not.toHaveReceivedCommand(SendEmailCommand);
    expect(counted).toEqual(['SlackMessagesFailed']);
    expect(summary).toMatchObject({ deliveryFailures: 1, stoppedBecause: 'no-task-waiting' });
    expectNoTokenLogged(token);
  });

  it.each(SLACK_FOR_NOW)('emails the approver instead when Slack is %s and the request has email too', async (_, error, slackError) => {
    const token = realisticTaskToken(900, 25);
    slack.fail.postMessage = error;
    queueTasks({ taskToken: token, input: taskInput(request(['slack', 'email'])) });

    const summary = await drainActivityTasks(deps);

    expect(emailsTo()).toEqual([['ana@example.com']]);
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskFailureCommand);
    expect(counted).toEqual(['SlackMessagesFailed', 'EmailsSent']);
    expect(logs).toContainEqual({
      level: 'error',
      message: 'Could not send the approval message to Slack; the approver gets the email only',
      extra: [expect.objectContaining({ slackError, slackErrorKind: 'transient' })],
    });
    expect(summary).toMatchObject({ tasksTaken: 1, emailsSent: 1, deliveryFailures: 0, stoppedBecause: 'no-task-waiting' });
    expectNoTokenLogged(token);
  });

  it('emails every approver when Slack refuses the app and the requests have email too, and keeps taking tasks', async () => {
    const tokens = [realisticTaskToken(900, 26), realisticTaskToken(900, 27)];
    slack.fail.lookupByEmail = new WebAPIPlatformError({ ok: false, error: 'invalid_auth' });
    queueTasks(
      { taskToken: tokens[0] as string, input: taskInput(request(['slack', 'email'])) },
      { taskToken: tokens[1] as string, input: taskInput(request(['email', 'slack'])) },
    );

    const summary = await drainActivityTasks(deps);

    expect(emailsTo()).toEqual([['ana@example.com'], ['ana@example.com']]);
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskFailureCommand);
    expect(counted).toEqual(['SlackAccountProblems', 'EmailsSent', 'SlackAccountProblems', 'EmailsSent']);
    expect(summary).toEqual({ tasksTaken: 2, emailsSent: 2, invalidRequests: 0, deliveryFailures: 0, stoppedBecause: 'no-task-waiting' });
    expectNoTokenLogged(...tokens);
  });

  it('emails the approver when the Slack secret cannot be read and the request has email too', async () => {
    deps = {
      ...deps,
      slack: slackClientOnce(SLACK_WORKER_CONFIG.slack ?? { secretId: '', apiUrl: '' }, {
        readSecret: () =>
          Promise.reject(Object.assign(new Error('User is not authorized to perform GetSecretValue'), { name: 'AccessDeniedException' })),
        createClient: () => slack,
      }),
    };
    queueTasks({ taskToken: 'token-1', input: taskInput(request(['slack', 'email'])) });

    const summary = await drainActivityTasks(deps);

    expect(emailsTo()).toEqual([['ana@example.com']]);
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskFailureCommand);
    expect(counted).toEqual(['SlackAccountProblems', 'EmailsSent']);
    expect(summary.stoppedBecause).toBe('no-task-waiting');
  });

  it.each([
    ['fails for now', new Error('socket hang up'), 'EmailsFailed'],
    ['refuses the message', new MessageRejected({ message: 'Email address is on the suppression list', $metadata: {} }), 'EmailsRefused'],
    [
      'refuses the account',
      new SendingPausedException({ message: 'Sending is paused for this account', $metadata: {} }),
      'SesAccountProblems',
    ],
  ])('keeps the task open for the Slack buttons when SES %s after the Slack message went out', async (_, sesError, sesMetric) => {
    const tokens = [realisticTaskToken(900, 28), realisticTaskToken(900, 29)];
    sesMock.on(SendEmailCommand).rejects(sesError);
    queueTasks(
      { taskToken: tokens[0] as string, input: taskInput(request(['slack', 'email'])) },
      { taskToken: tokens[1] as string, input: taskInput(request(['slack', 'email'])) },
    );

    const summary = await drainActivityTasks({ ...deps, sendRetryPolicy: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 } });

    expect(slack.posted).toHaveLength(2);
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskFailureCommand);
    expect(counted).toEqual([
      'SlackMessagesSent',
      sesMetric,
      'EmailFailedAfterSlack',
      'SlackMessagesSent',
      sesMetric,
      'EmailFailedAfterSlack',
    ]);
    expect(logs).toContainEqual({
      level: 'warn',
      message: 'Could not send the approval email; the approver has the Slack message, so the task stays open',
      extra: [expect.objectContaining({ executionName: 'deploy-42' })],
    });
    expect(summary).toEqual({
      tasksTaken: 2,
      emailsSent: 0,
      slackMessagesSent: 2,
      invalidRequests: 0,
      deliveryFailures: 0,
      stoppedBecause: 'no-task-waiting',
    });
    expectNoTokenLogged(...tokens);
  });

  it.each(['invalid_auth', 'token_revoked'])(
    'treats %s as an account problem: the task fails for a redelivery and the run leaves the other tasks queued',
    async (slackError) => {
      const tokens = [realisticTaskToken(900, 16), realisticTaskToken(900, 17)];
      slack.fail.lookupByEmail = new WebAPIPlatformError({ ok: false, error: slackError });
      queueTasks(
        { taskToken: tokens[0] as string, input: taskInput(request(['slack'])) },
        { taskToken: tokens[1] as string, input: taskInput(request(['slack'])) },
      );

      const summary = await drainActivityTasks(deps);

      expect(failures()).toEqual([
        {
          taskToken: tokens[0],
          error: 'EmailDeliveryFailed',
          cause: `Slack refused the app (${slackError} from users.lookupByEmail): check the bot token and scopes in the slackSecretName secret`,
        },
      ]);
      expect(summary).toEqual({
        tasksTaken: 1,
        emailsSent: 0,
        invalidRequests: 0,
        deliveryFailures: 1,
        stoppedBecause: 'slack-account-problem',
      });
      expect(sfnMock).toHaveReceivedCommandTimes(GetActivityTaskCommand, 1);
      expect(counted).toEqual(['SlackAccountProblems']);
      expect(logs.map((line) => line.message)).toContain(
        'Slack refuses the app (its token or scopes); leaving the other tasks queued. Check the slackSecretName secret.',
      );
      expectNoTokenLogged(...tokens);
    },
  );

  it('treats a Slack secret it cannot use as an account problem, saying what is missing but no value', async () => {
    const token = realisticTaskToken(900, 18);
    deps = {
      ...deps,
      slack: slackClientOnce(SLACK_WORKER_CONFIG.slack ?? { secretId: '', apiUrl: '' }, {
        readSecret: () => Promise.resolve('{"botToken": "xoxb-1234-5678-abcdefghijkl"}'),
        createClient: () => slack,
      }),
    };
    queueTasks({ taskToken: token, input: taskInput(request(['slack'])) });

    const summary = await drainActivityTasks(deps);

    expect(failures()).toEqual([
      {
        taskToken: token,
        error: 'EmailDeliveryFailed',
        cause: 'Slack: The Slack secret has no signingSecret: it must be {"botToken": "xoxb-...", "signingSecret": "..."}.',
      },
    ]);
    expect(summary.stoppedBecause).toBe('slack-account-problem');
    expect(JSON.stringify(logs)).not.toContain('xoxb-1234');
  });

  it('emails a Slack request when the deployment has no Slack app any more', async () => {
    deps = { ...deps, slack: undefined };
    queueTasks({ taskToken: 'token-1', input: taskInput(request(['slack'])) });

    await drainActivityTasks(deps);

    expect(emailsTo()).toEqual([['ana@example.com']]);
    expect(logs.map((line) => line.message)).toContain(
      'The request asks for Slack, but this deployment has no Slack app; emailing the approver instead',
    );
  });

  it('leaves email-only requests to email, without a word to Slack', async () => {
    queueTasks({ taskToken: 'token-1', input: taskInput(request(['email'])) });

    await drainActivityTasks(deps);

    expect(slack.lookedUp).toEqual([]);
    expect(emailsTo()).toEqual([['ana@example.com']]);
  });
});

describe('slackClientOnce', () => {
  const settings = {
    secretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:approval-slack-AbCdEf',
    apiUrl: 'https://slack.com/api/',
  };

  it('reads the secret once per container, and makes one client with its bot token', async () => {
    const reads: string[] = [];
    const clients: Array<[string, string]> = [];
    const client = slackClientOnce(settings, {
      readSecret: (arn) => {
        reads.push(arn);
        return Promise.resolve('{"botToken": "xoxb-1234-5678-abcdefghijkl", "signingSecret": "8f14e45fceea167a5a36dedd4bea2543"}');
      },
      createClient: (botToken, apiUrl) => {
        clients.push([botToken, apiUrl]);
        return new FakeSlack();
      },
    });

    const [first, second] = await Promise.all([client(), client()]);
    const third = await client();

    expect(reads).toEqual([settings.secretId]);
    expect(clients).toEqual([['xoxb-1234-5678-abcdefghijkl', 'https://slack.com/api/']]);
    expect(second).toBe(first);
    expect(third).toBe(first);
  });

  it('tries again after a failed read, so a fixed secret is picked up without a new container', async () => {
    let reads = 0;
    const client = slackClientOnce(settings, {
      readSecret: () => {
        reads++;
        if (reads === 1)
          return Promise.reject(
            Object.assign(new Error("Secrets Manager can't find the specified secret."), { name: 'ResourceNotFoundException' }),
          );
        return Promise.resolve('{"botToken": "xoxb-1", "signingSecret": "s"}');
      },
      createClient: () => new FakeSlack(),
    });

    await expect(client()).rejects.toThrow(
      `Could not read the Slack secret ${settings.secretId}: ResourceNotFoundException: Secrets Manager can't find the specified secret.`,
    );
    const api = await client();
    await expect(api.users.lookupByEmail({ email: 'ana@example.com' })).resolves.toEqual({ user: { id: 'U07ANA4242' } });
    expect(reads).toBe(2);
  });

  it('reads the secret again after Slack refuses the app, so a token an operator replaced is used', async () => {
    const tokens = ['xoxb-1111-revoked', 'xoxb-2222-replaced'];
    const made: string[] = [];
    const client = slackClientOnce(settings, {
      readSecret: () => Promise.resolve(JSON.stringify({ botToken: tokens[made.length] ?? '', signingSecret: 's' })),
      createClient: (botToken) => {
        made.push(botToken);
        const workspace = new FakeSlack();
        if (botToken === tokens[0]) workspace.fail.lookupByEmail = new WebAPIPlatformError({ ok: false, error: 'token_revoked' });
        return workspace;
      },
    });

    const revoked = await client();
    await expect(revoked.users.lookupByEmail({ email: 'ana@example.com' })).rejects.toThrow();
    const replaced = await client();

    expect(made).toEqual(tokens);
    await expect(replaced.users.lookupByEmail({ email: 'ana@example.com' })).resolves.toEqual({ user: { id: 'U07ANA4242' } });
  });

  it('keeps the client when Slack only fails for now', async () => {
    let reads = 0;
    const workspace = new FakeSlack();
    workspace.fail.postMessage = new WebAPIRateLimitedError(30);
    const client = slackClientOnce(settings, {
      readSecret: () => {
        reads++;
        return Promise.resolve('{"botToken": "xoxb-1", "signingSecret": "s"}');
      },
      createClient: () => workspace,
    });

    const api = await client();
    await expect(api.chat.postMessage({ channel: 'U07ANA4242', text: 'Approval requested', blocks: [] })).rejects.toThrow();
    await client();

    expect(reads).toBe(1);
  });
});
