import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sendApprovalSlack } from '../../functions/approval-worker/send-approval-slack';
import { classifySlackError } from '../../functions/commons/slack-errors';
import { createSlackWebClient } from '../../functions/approval-worker/slack-web-client';
import { validateApprovalRequest } from '../../functions/commons/approval-request';
import { decodeSlackButtonValue } from '../../functions/commons/slack-contract';
import { realisticTaskToken } from '../support/fixtures';

/**
 * The real @slack/web-api client, as the worker configures it, against a stand-in for Slack's Web
 * API: what it sends, and that the errors it throws are sorted as send-approval-slack.ts expects.
 */

interface Received {
  readonly method: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

type Answer = (method: string) => { status: number; headers?: Record<string, string>; body: unknown };

const BOT_TOKEN = 'xoxb-1234-5678-abcdefghijklmnop';
const TOKEN = realisticTaskToken(900, 21);

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

describe('createSlackWebClient', () => {
  let server: Server;
  let received: Received[];
  let answer: Answer;
  let apiUrl: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      void bodyOf(request).then((body) => {
        const method = (request.url ?? '').replace(/^\/api\//, '');
        received.push({ method, authorization: request.headers.authorization, body });
        const { status, headers, body: answerBody } = answer(method);
        response.writeHead(status, { 'content-type': 'application/json', ...headers });
        response.end(JSON.stringify(answerBody));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    received = [];
  });

  const task = () => {
    const checked = validateApprovalRequest({ approvers: ['ana@example.com'], subject: 'Deploy release 42', via: ['slack'] });
    if (!checked.valid) throw new Error('invalid');
    return {
      request: checked.request,
      approver: 'ana@example.com',
      attempt: 1,
      reminderCount: 2,
      reminderIntervalSeconds: 3600,
      executionName: 'deploy-42',
    };
  };

  it('looks the approver up, then posts to their user id with the bot token in the Authorization header only', async () => {
    answer = (method) =>
      method === 'users.lookupByEmail'
        ? { status: 200, body: { ok: true, user: { id: 'U07ANA4242' } } }
        : { status: 200, body: { ok: true, channel: 'D07ANA', ts: '1795258800.000100' } };

    const delivery = await sendApprovalSlack(
      { task: task(), taskToken: TOKEN, now: new Date('2026-11-21T10:00:00Z') },
      createSlackWebClient(BOT_TOKEN, apiUrl),
    );

    expect(delivery).toMatchObject({ posted: true, slackUserId: 'U07ANA4242', channel: 'D07ANA', ts: '1795258800.000100' });
    expect(received.map((call) => [call.method, call.authorization])).toEqual([
      ['users.lookupByEmail', `Bearer ${BOT_TOKEN}`],
      ['chat.postMessage', `Bearer ${BOT_TOKEN}`],
    ]);
    expect(received.some((call) => call.body.includes(BOT_TOKEN))).toBe(false);
    const posted = new URLSearchParams(received[1]?.body);
    expect(posted.get('channel')).toBe('U07ANA4242');
    const blocks = JSON.parse(posted.get('blocks') ?? '[]') as Array<{ type: string; elements?: Array<{ value?: string }> }>;
    const value = blocks.find((block) => block.type === 'actions')?.elements?.[0]?.value;
    expect(decodeSlackButtonValue(value)).toEqual({ approverUserId: 'U07ANA4242', taskToken: TOKEN });
  });

  it('answers a rate limit at once, without waiting it out or retrying, as a transient failure', async () => {
    answer = () => ({ status: 429, headers: { 'retry-after': '30' }, body: { ok: false, error: 'ratelimited' } });
    const started = Date.now();

    const error = await createSlackWebClient(BOT_TOKEN, apiUrl)
      .users.lookupByEmail({ email: 'ana@example.com' })
      .catch((caught: unknown) => caught);

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(received).toHaveLength(1);
    expect(classifySlackError(error)).toEqual({ kind: 'transient', slackError: 'ratelimited' });
  });

  it.each([
    [
      { status: 200, body: { ok: false, error: 'users_not_found' } },
      { kind: 'approver-not-found', slackError: 'users_not_found' },
    ],
    [
      { status: 200, body: { ok: false, error: 'invalid_auth' } },
      { kind: 'account-problem', slackError: 'invalid_auth' },
    ],
    [
      { status: 200, body: { ok: false, error: 'channel_not_found' } },
      { kind: 'message-refused', slackError: 'channel_not_found' },
    ],
    [
      { status: 503, body: { ok: false } },
      { kind: 'transient', slackError: 'http_503' },
    ],
  ])('sorts Slack answering %j as %j, after one call', async (answered, expected) => {
    answer = () => answered;

    const error = await createSlackWebClient(BOT_TOKEN, apiUrl)
      .users.lookupByEmail({ email: 'ana@example.com' })
      .catch((caught: unknown) => caught);

    expect(received).toHaveLength(1);
    expect(classifySlackError(error)).toEqual(expected);
  });

  it('sorts an unreachable Slack as transient', async () => {
    const error = await createSlackWebClient(BOT_TOKEN, 'http://127.0.0.1:9/api/')
      .users.lookupByEmail({ email: 'ana@example.com' })
      .catch((caught: unknown) => caught);

    expect(classifySlackError(error)).toEqual({ kind: 'transient', slackError: 'request_error' });
  });
});
