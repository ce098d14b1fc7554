import { WebAPIPlatformError, WebAPIRateLimitedError } from '@slack/web-api';
import type { SlackUpdateMessageArguments } from '../../functions/commons/slack-errors';
import { type SlackMessageRecord, toItem } from '../../functions/commons/slack-message-records';
import { SlackMessageStore } from '../../functions/commons/slack-message-store';
import { requestOutcomeText } from '../../functions/commons/slack-outcome-text';
import {
  closeRequestMessages,
  type ExecutionStatusChange,
  MessagesNotClosedError,
} from '../../functions/slack-message-closer/close-messages';
import { MemorySlackMessagesTable } from '../support/memory-slack-messages';

const STOPPED = Date.parse('2026-11-21T10:30:00Z');
const AT = '<!date^1795257000^{date_short_pretty} at {time}|2026-11-21 10:30 UTC>';

const posted = (approver: string, userId: string, ts: string): SlackMessageRecord => ({
  execution: 'deploy-42',
  approver,
  attempt: 1,
  sentAt: '2026-11-21T10:00:00.000Z',
  expiresAtSeconds: 1_796_000_000,
  delivery: 'slack',
  slackUserId: userId,
  channel: `D${userId.slice(1)}`,
  ts,
  text: 'Approval requested: Deploy release 42',
  blocks: JSON.stringify([{ type: 'header', text: { type: 'plain_text', text: 'Deploy release 42' } }]),
});

const ended = (fields: Partial<ExecutionStatusChange>): ExecutionStatusChange => ({
  executionArn: 'arn:aws:states:us-east-1:123456789012:execution:HumanApproval:deploy-42',
  stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:HumanApproval',
  name: 'deploy-42',
  status: 'SUCCEEDED',
  stopDate: STOPPED,
  ...fields,
});

const slackRecord = {
  decision: 'approved',
  channel: 'slack',
  slackUserId: 'U07ANA4242',
  slackTeamId: 'T07TEAM',
  approver: 'ana@example.com',
};
const emailRecord = { decision: 'approved', sourceIp: '203.0.113.7', approver: 'ben@example.com' };

describe('the outcome every message is closed with', () => {
  it.each([
    [
      'approved by a Slack user',
      ended({ output: JSON.stringify({ approval: { decision: slackRecord } }) }),
      `Approved by <@U07ANA4242> at ${AT}.`,
    ],
    [
      'approved by all, one by email',
      ended({ output: JSON.stringify({ approval: { decisions: [slackRecord, emailRecord] } }) }),
      `Approved by <@U07ANA4242>, ben@example.com at ${AT}.`,
    ],
    ['approved, the output left out of the event', ended({ output: null }), `This request was approved at ${AT}.`],
    [
      'rejected with a reason that holds mrkdwn',
      ended({
        status: 'FAILED',
        error: 'Rejected',
        cause: JSON.stringify({ ...slackRecord, decision: 'rejected', comment: 'Not <!here> & now' }),
      }),
      `Rejected by <@U07ANA4242> at ${AT}: Not &lt;!here&gt; &amp; now`,
    ],
    [
      'rejected by email, without a reason',
      ended({ status: 'FAILED', error: 'Rejected', cause: JSON.stringify({ ...emailRecord, decision: 'rejected' }) }),
      `Rejected by ben@example.com at ${AT}.`,
    ],
    [
      'expired',
      ended({ status: 'FAILED', error: 'Expired', cause: 'No approver answered' }),
      `This request expired at ${AT} without a decision.`,
    ],
    [
      'failed otherwise',
      ended({ status: 'FAILED', error: 'EmailDeliveryFailed' }),
      `This request ended at ${AT} without a decision (EmailDeliveryFailed).`,
    ],
    ['stopped', ended({ status: 'ABORTED' }), `This request was stopped at ${AT}; it can no longer be decided.`],
    ['timed out', ended({ status: 'TIMED_OUT' }), `This request timed out at ${AT} without a decision.`],
  ])('%s', (_, detail, expected) => {
    const text = requestOutcomeText({
      status: detail.status as 'SUCCEEDED',
      stoppedAt: new Date(STOPPED),
      output: detail.output ?? undefined,
      error: detail.error ?? undefined,
      cause: detail.cause ?? undefined,
    });

    expect(text).toBe(expected);
  });

  it('does not let a record forge a mention through its user id', () => {
    const output = JSON.stringify({ approval: { decision: { ...slackRecord, slackUserId: 'U1> <!channel' } } });

    expect(requestOutcomeText({ status: 'SUCCEEDED', stoppedAt: new Date(STOPPED), output })).toBe(`Approved by ana@example.com at ${AT}.`);
  });
});

describe('closing the messages of an ended request', () => {
  let table: MemorySlackMessagesTable;
  let updates: SlackUpdateMessageArguments[];
  let failFor: Map<string, Error>;
  const logs: string[] = [];

  const deps = () => ({
    store: new SlackMessageStore(table, 'approval-slack-messages'),
    updateMessage: (args: SlackUpdateMessageArguments): Promise<unknown> => {
      const failure = failFor.get(args.ts);
      if (failure) return Promise.reject(failure);
      updates.push(args);
      return Promise.resolve({ ok: true });
    },
    logger: { info: (message: string) => logs.push(message), warn: (message: string) => logs.push(message) },
    now: () => new Date(STOPPED + 5_000),
  });

  beforeEach(() => {
    table = new MemorySlackMessagesTable();
    updates = [];
    failFor = new Map();
    for (const record of [
      posted('ana@example.com', 'U07ANA4242', '1795258800.000001'),
      posted('ben@example.com', 'U07BEN1717', '1795258800.000002'),
      { ...posted('cy@no-slack.example.com', 'U0', '0'), delivery: 'email', reason: 'approver-not-found' } as SlackMessageRecord,
    ])
      table.items.set(JSON.stringify([record.execution, record.approver]), toItem(record));
  });

  it("replaces every approver's Slack message with the request and the outcome, and skips those emailed instead", async () => {
    const result = await closeRequestMessages(ended({ output: JSON.stringify({ approval: { decision: slackRecord } }) }), deps());

    expect(result).toEqual({ closed: 2, gone: 0, emailed: 1 });
    expect(updates.map((update) => [update.channel, update.ts])).toEqual([
      ['D07ANA4242', '1795258800.000001'],
      ['D07BEN1717', '1795258800.000002'],
    ]);
    for (const update of updates) {
      expect(update.text).toBe(`Approved by <@U07ANA4242> at ${AT}.`);
      expect(update.blocks).toEqual([
        { type: 'header', text: { type: 'plain_text', text: 'Deploy release 42' } },
        // verbatim: a reason in the outcome is shown as written, never auto-linked.
        { type: 'section', text: { type: 'mrkdwn', text: `Approved by <@U07ANA4242> at ${AT}.`, verbatim: true } },
      ]);
    }
  });

  it('marks the request ended before it reads the messages, so that a worker recording one later closes it itself', async () => {
    await closeRequestMessages(ended({ status: 'ABORTED' }), deps());

    expect(table.calls).toEqual(['PutItem', 'Query']);
    expect(await new SlackMessageStore(table, 'approval-slack-messages').endedWith('deploy-42')).toBe(
      `This request was stopped at ${AT}; it can no longer be decided.`,
    );
  });

  it('closes an earlier Slack message of an approver whose reminder went by email', async () => {
    const { lastSlackMessage, ...emailed } = {
      ...posted('dee@example.com', 'U07DEE0001', '1795258800.000009'),
      delivery: 'email' as const,
      reason: 'slack-failed' as const,
      lastSlackMessage: { slackUserId: 'U07DEE0001', channel: 'D07DEE0001', ts: '1795258800.000009', text: 'Approval requested' },
    };
    table.items.set(JSON.stringify(['deploy-42', 'dee@example.com']), toItem({ ...emailed, lastSlackMessage }));

    const result = await closeRequestMessages(ended({ status: 'ABORTED' }), deps());

    expect(result).toEqual({ closed: 3, gone: 0, emailed: 2 });
    expect(updates.map((update) => update.ts)).toContain('1795258800.000009');
  });

  it('does nothing for a request that asked for email only: no table call, no Slack call', async () => {
    const emailOnly = ended({ status: 'ABORTED', input: JSON.stringify({ approvers: ['ana@example.com'], subject: 'x', via: ['email'] }) });
    const seedForm = ended({ status: 'ABORTED', input: JSON.stringify({ managerEmailAddress: 'ana@example.com', employeeName: 'Jim' }) });

    expect(await closeRequestMessages(emailOnly, deps())).toEqual({ closed: 0, gone: 0, emailed: 0 });
    expect(await closeRequestMessages(seedForm, deps())).toEqual({ closed: 0, gone: 0, emailed: 0 });
    expect(table.calls).toEqual([]);
    expect(updates).toEqual([]);
  });

  it('closes as usual when the event left the input out (too large) or it asked for Slack', async () => {
    const slack = ended({
      status: 'ABORTED',
      input: JSON.stringify({ approvers: ['ana@example.com'], subject: 'x', via: ['slack', 'email'] }),
    });

    expect((await closeRequestMessages(ended({ status: 'ABORTED', input: null }), deps())).closed).toBe(2);
    expect((await closeRequestMessages(slack, deps())).closed).toBe(2);
  });

  it('does nothing for an execution that is still running', async () => {
    expect(await closeRequestMessages(ended({ status: 'RUNNING', stopDate: null }), deps())).toEqual({ closed: 0, gone: 0, emailed: 0 });
    expect(table.calls).toEqual([]);
  });

  it('counts a message Slack no longer has as gone, and fails so that Lambda tries again when Slack failed for now', async () => {
    failFor.set('1795258800.000001', new WebAPIPlatformError({ ok: false, error: 'message_not_found' }));

    await expect(closeRequestMessages(ended({ status: 'ABORTED' }), deps())).resolves.toEqual({ closed: 1, gone: 1, emailed: 1 });

    failFor.set('1795258800.000002', new WebAPIRateLimitedError(30));
    await expect(closeRequestMessages(ended({ status: 'ABORTED' }), deps())).rejects.toThrow(MessagesNotClosedError);
  });
});
