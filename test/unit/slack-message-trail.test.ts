import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { GetActivityTaskCommand, SendTaskFailureCommand, SFNClient } from '@aws-sdk/client-sfn';
import { WebAPIPlatformError } from '@slack/web-api';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { drainActivityTasks, type DrainDependencies } from '../../functions/approval-worker/drain-activity-tasks';
import { REMINDER_NOTES } from '../../functions/approval-worker/slack-message-trail';
import { validateApprovalRequest } from '../../functions/commons/approval-request';
import { SLACK_ACTIONS_BLOCK_ID } from '../../functions/commons/slack-contract';
import { fromItem, SLACK_MESSAGE_KEPT_AFTER_EXPIRY_SECONDS, type SlackMessageRecord } from '../../functions/commons/slack-message-records';
import { SlackMessageStore } from '../../functions/commons/slack-message-store';
import type { WorkerMetricName } from '../../functions/commons/worker-metrics';
import type { FakeSlack } from '../support/fake-slack';
import { type LogLine, SLACK_WORKER_CONFIG, slackWorkerHarness } from '../support/slack-worker-harness';
import { realisticTaskToken } from '../support/fixtures';
import { MemorySlackMessagesTable } from '../support/memory-slack-messages';

const sfnMock = mockClient(SFNClient);
const sesMock = mockClient(SESv2Client);

const NOW = new Date('2026-11-21T10:00:00Z');

function taskInput(via: string[], approver: string, attempt: number): string {
  const checked = validateApprovalRequest({
    approvers: ['ana@example.com', 'cy@no-slack.example.com'],
    subject: 'Deploy release 42',
    requester: 'dev@example.com',
    via,
  });
  if (!checked.valid) throw new Error('the request is invalid');
  return JSON.stringify({
    request: checked.request,
    approver,
    attempt,
    reminderCount: 2,
    reminderIntervalSeconds: 3600,
    executionName: 'deploy-42',
  });
}

describe('where the worker records each approver was reached', () => {
  let logs: LogLine[];
  let counted: WorkerMetricName[];
  let slack: FakeSlack;
  let table: MemorySlackMessagesTable;
  let deps: DrainDependencies;

  beforeEach(() => {
    sfnMock.reset();
    sesMock.reset();
    sfnMock.on(SendTaskFailureCommand).resolves({});
    sesMock.on(SendEmailCommand).resolves({ MessageId: 'msg-1' });
    table = new MemorySlackMessagesTable();
    ({ deps, slack, logs, counted } = slackWorkerHarness({
      config: {
        ...SLACK_WORKER_CONFIG,
        slack: { secretId: 'approvals/slack-app', apiUrl: 'https://slack.com/api/', messagesTable: 'approval-slack-messages' },
      },
      slackMessages: new SlackMessageStore(table, 'approval-slack-messages'),
      now: () => NOW,
    }));
  });

  /** The tasks the next run takes, in order; each call starts the activity afresh. */
  function queueTasks(...tasks: Array<{ taskToken: string; input: string }>): void {
    sfnMock.reset();
    sfnMock.on(SendTaskFailureCommand).resolves({});
    const stub = sfnMock.on(GetActivityTaskCommand);
    for (const task of tasks) stub.resolvesOnce(task);
    stub.resolves({});
  }

  const records = (): SlackMessageRecord[] => [...table.items.values()].flatMap((item) => fromItem(item) ?? []);

  it("records the direct message's conversation and ts, and its blocks without the buttons that carry the token", async () => {
    const token = realisticTaskToken(900, 21);
    queueTasks({ taskToken: token, input: taskInput(['slack'], 'ana@example.com', 1) });

    await drainActivityTasks(deps);

    expect(records()).toEqual([
      expect.objectContaining({
        execution: 'deploy-42',
        approver: 'ana@example.com',
        delivery: 'slack',
        slackUserId: 'U07ANA4242',
        channel: 'D07ANA4242',
        ts: '1795258800.000001',
        attempt: 1,
        sentAt: NOW.toISOString(),
        // Three intervals (the request and two reminders), then the week kept for `approval status`.
        expiresAtSeconds: NOW.getTime() / 1000 + 3 * 3600 + SLACK_MESSAGE_KEPT_AFTER_EXPIRY_SECONDS,
      }),
    ]);
    const [record] = records();
    const blocks = JSON.parse(record?.delivery === 'slack' ? (record.blocks ?? '[]') : '[]') as Array<{ type: string }>;
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.map((block) => block.type)).not.toContain('actions');
    expect(JSON.stringify([...table.items.values()])).not.toContain(token.slice(0, 40));
    expect(slack.updated).toEqual([]);
  });

  it("takes the buttons off the approver's previous message when a reminder goes out, then records the new one", async () => {
    queueTasks({ taskToken: realisticTaskToken(900, 22), input: taskInput(['slack'], 'ana@example.com', 1) });
    await drainActivityTasks(deps);
    const reminderToken = realisticTaskToken(900, 23);
    queueTasks({ taskToken: reminderToken, input: taskInput(['slack'], 'ana@example.com', 2) });

    await drainActivityTasks(deps);

    expect(slack.posted).toHaveLength(2);
    expect(slack.updated).toHaveLength(1);
    const [update] = slack.updated;
    expect(update).toMatchObject({ channel: 'D07ANA4242', ts: '1795258800.000001', text: REMINDER_NOTES.slack });
    expect(
      update?.blocks.some((block) => block.type === 'actions' || ('block_id' in block && block.block_id === SLACK_ACTIONS_BLOCK_ID)),
    ).toBe(false);
    expect(JSON.stringify(update?.blocks)).toContain('Deploy release 42');
    expect(JSON.stringify(update?.blocks.at(-1))).toContain(REMINDER_NOTES.slack);
    expect(records()).toEqual([expect.objectContaining({ approver: 'ana@example.com', ts: '1795258800.000002', attempt: 2 })]);
    expect(counted).toContain('SlackMessagesReplaced');
  });

  it('records why an approver Slack does not know was emailed instead', async () => {
    queueTasks({ taskToken: realisticTaskToken(900, 24), input: taskInput(['slack'], 'cy@no-slack.example.com', 1) });

    await drainActivityTasks(deps);

    expect(sesMock).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(records()).toEqual([
      expect.objectContaining({ approver: 'cy@no-slack.example.com', delivery: 'email', reason: 'approver-not-found', attempt: 1 }),
    ]);
  });

  it('records a Slack failure the email made up for, and closes the previous message when the reminder went by email', async () => {
    queueTasks({ taskToken: realisticTaskToken(900, 25), input: taskInput(['slack', 'email'], 'ana@example.com', 1) });
    await drainActivityTasks(deps);
    slack.fail.postMessage = new WebAPIPlatformError({ ok: false, error: 'ratelimited' });
    queueTasks({ taskToken: realisticTaskToken(900, 26), input: taskInput(['slack', 'email'], 'ana@example.com', 2) });

    await drainActivityTasks(deps);

    expect(records()).toEqual([
      expect.objectContaining({ approver: 'ana@example.com', delivery: 'email', reason: 'slack-failed', attempt: 2 }),
    ]);
    expect(slack.updated).toEqual([expect.objectContaining({ ts: '1795258800.000001', text: REMINDER_NOTES.email })]);
  });

  it('still reaches the approver when the table fails, and says what will not happen', async () => {
    table.failWith = Object.assign(new Error('Rate of requests exceeds the allowed throughput'), { name: 'ThrottlingException' });
    queueTasks({ taskToken: realisticTaskToken(900, 27), input: taskInput(['slack'], 'ana@example.com', 2) });

    const summary = await drainActivityTasks(deps);

    expect(slack.posted).toHaveLength(1);
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskFailureCommand);
    expect(summary.slackMessagesSent).toBe(1);
    expect(counted).toContain('SlackRecordsFailed');
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringContaining('will not be closed') as unknown,
        extra: [expect.objectContaining({ error: 'ThrottlingException' })],
      }),
    );
  });

  it('closes its new message with the outcome when the request ended while it was sent, and leaves the old one to the closer', async () => {
    queueTasks({ taskToken: realisticTaskToken(900, 30), input: taskInput(['slack'], 'ana@example.com', 1) });
    await drainActivityTasks(deps);
    // The closer marked the request and read the table before the reminder was recorded.
    await new SlackMessageStore(table, 'approval-slack-messages').markEnded('deploy-42', 'This request was stopped.', NOW);
    queueTasks({ taskToken: realisticTaskToken(900, 31), input: taskInput(['slack'], 'ana@example.com', 2) });

    await drainActivityTasks(deps);

    expect(slack.updated.map((update) => [update.ts, update.text])).toEqual([['1795258800.000002', 'This request was stopped.']]);
    expect(slack.updated[0]?.blocks.some((block) => block.type === 'actions')).toBe(false);
  });

  it("records the new message even when the approver's previous one cannot be read", async () => {
    const failing = new MemorySlackMessagesTable();
    const read = failing.send;
    failing.send = ((command: unknown) =>
      command instanceof GetItemCommand && (command.input.Key?.approver?.S ?? '') !== '#ended'
        ? Promise.reject(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }))
        : read(command as never)) as typeof failing.send;
    deps = { ...deps, slackMessages: new SlackMessageStore(failing, 'approval-slack-messages') };
    queueTasks({ taskToken: realisticTaskToken(900, 32), input: taskInput(['slack'], 'ana@example.com', 2) });

    await drainActivityTasks(deps);

    expect([...failing.items.values()].map((item) => fromItem(item))).toEqual([
      expect.objectContaining({ ts: '1795258800.000001', attempt: 2 }),
    ]);
    expect(counted).toContain('SlackRecordsFailed');
  });

  it('counts an old message Slack would not update, and keeps the new record', async () => {
    queueTasks({ taskToken: realisticTaskToken(900, 28), input: taskInput(['slack'], 'ana@example.com', 1) });
    await drainActivityTasks(deps);
    slack.fail.update = new WebAPIPlatformError({ ok: false, error: 'message_not_found' });
    queueTasks({ taskToken: realisticTaskToken(900, 29), input: taskInput(['slack'], 'ana@example.com', 2) });

    await drainActivityTasks(deps);

    expect(counted).toContain('SlackUpdatesFailed');
    expect(records()).toEqual([expect.objectContaining({ ts: '1795258800.000002', attempt: 2 })]);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'warn', extra: [expect.objectContaining({ slackError: 'message_not_found' })] }),
    );
  });
});
