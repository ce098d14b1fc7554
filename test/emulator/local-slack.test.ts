import { createHmac, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LogLevel, WebClient } from '@slack/web-api';
import {
  encodeSlackButtonValue,
  SLACK_ACTION_ID,
  SLACK_ACTIONS_BLOCK_ID,
  SLACK_REJECT_MODAL,
} from '../../functions/commons/slack-contract';
import {
  DEFAULT_LOCAL_SLACK_SIGNING_SECRET,
  LOCAL_SLACK_BOT_TOKEN,
  LOCAL_SLACK_TEAM_ID,
  type LocalSlack,
  localSlackUserId,
  startLocalSlack,
} from '../../local/slack/server';

jest.setTimeout(30_000);

/**
 * The local Slack stand-in, driven as the approval app drives Slack: @slack/web-api's WebClient
 * against its Web API, and a small app server at the request URL that checks every request the way
 * Slack's docs tell an app to. What each behaviour follows is cited next to its test.
 */

const SIGNING_SECRET = 'test-signing-secret-7f3a';
const TASK_TOKEN = 'AAAAKgAAAAIAAAAAAAAAAQ-task-token-for-the-release';

/** One request the app received, with what its own signature check found. */
interface Received {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly payload: Record<string, unknown>;
  readonly signatureValid: boolean;
}

/** The parts of a block_actions payload the tests read. */
interface BlockActionsPayload {
  readonly type: string;
  readonly team: { readonly id: string; readonly domain: string };
  readonly api_app_id: string;
  readonly trigger_id: string;
  readonly channel: { readonly id: string; readonly name: string };
  readonly response_url: string;
  readonly actions: ReadonlyArray<{ readonly action_id: string; readonly action_ts: string }>;
}

type AppHandler = (payload: Record<string, unknown>) => Promise<{ status: number; body?: string }> | { status: number; body?: string };

/**
 * "Verifying requests from Slack" (https://api.slack.com/authentication/verifying-requests-from-slack):
 * concatenate `v0`, the X-Slack-Request-Timestamp header and the raw body with colons, HMAC-SHA256
 * it with the signing secret, hex, prefix `v0=`, compare with X-Slack-Signature; refuse a timestamp
 * more than five minutes away.
 */
function verifySlackSignature(headers: http.IncomingHttpHeaders, body: string): boolean {
  const timestamp = headers['x-slack-request-timestamp'];
  const signature = headers['x-slack-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 5 * 60) return false;
  const expected = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return expected.length === signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(signature));
}

let slack: LocalSlack;
let app: http.Server;
let appUrl: string;
let client: WebClient;
const received: Received[] = [];
let handle: AppHandler = () => ({ status: 200 });

beforeAll(async () => {
  app = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      // "The body of the request will contain a payload parameter; your app should parse this
      // payload parameter as JSON" (https://api.slack.com/interactivity/handling).
      const payload = JSON.parse(new URLSearchParams(body).get('payload') ?? '{}') as Record<string, unknown>;
      received.push({ headers: request.headers, body, payload, signatureValid: verifySlackSignature(request.headers, body) });
      void Promise.resolve(handle(payload)).then(({ status, body: answer = '' }) => {
        response.writeHead(status, answer === '' ? {} : { 'content-type': 'application/json' }).end(answer);
      });
    });
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/slack/actions`;
  slack = await startLocalSlack({ port: 0, signingSecret: SIGNING_SECRET, requestUrl: appUrl });
  client = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
});

afterAll(async () => {
  await slack.close();
  await new Promise<void>((resolve) => app.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
  handle = () => ({ status: 200 });
});

/** The approval message the worker sends: a header, the request, its fields, context, the two buttons. */
function approvalBlocks(approverUserId: string, requestText = 'Jim Halpert asks to release payments-api 2.4.1 to production.'): unknown[] {
  const value = encodeSlackButtonValue({ approverUserId, taskToken: TASK_TOKEN });
  return [
    { type: 'header', text: { type: 'plain_text', text: 'Approval requested' } },
    { type: 'section', text: { type: 'mrkdwn', text: requestText } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*Requested by*\nJim Halpert' },
        { type: 'mrkdwn', text: '*Expires*\nin 24 hours' },
      ],
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: 'Execution release-2024-06-01' }] },
    {
      type: 'actions',
      block_id: SLACK_ACTIONS_BLOCK_ID,
      elements: [
        { type: 'button', action_id: SLACK_ACTION_ID.approve, text: { type: 'plain_text', text: 'Approve' }, style: 'primary', value },
        { type: 'button', action_id: SLACK_ACTION_ID.reject, text: { type: 'plain_text', text: 'Reject' }, style: 'danger', value },
      ],
    },
  ];
}

/** Looks the approver up and sends them the approval message, as the worker does. */
async function sendApproval(email: string, requestText?: string): Promise<{ userId: string; channel: string; ts: string }> {
  const { user } = await client.users.lookupByEmail({ email });
  const userId = user?.id ?? '';
  const posted = await client.chat.postMessage({
    channel: userId,
    text: 'Approval requested',
    blocks: approvalBlocks(userId, requestText) as never,
  });
  return { userId, channel: posted.channel ?? '', ts: posted.ts ?? '' };
}

async function act(body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${slack.url}/act`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

interface Store {
  messages: Array<{
    channel: string;
    user: string;
    email: string;
    ts: string;
    text: string;
    blocks: unknown[];
    replacements: Array<{ at: string; text: string }>;
    deleted?: boolean;
  }>;
  ephemerals: Array<{ channel: string; user: string; email: string; text: string }>;
  modals: Array<{ id: string; user: string; state: string; callbackId: string }>;
  interactions: Array<{ type: string; status: number; at: string }>;
}

async function store(): Promise<Store> {
  return (await (await fetch(`${slack.url}/store`)).json()) as Store;
}

async function page(email: string): Promise<string> {
  return (await fetch(`${slack.url}/?as=${encodeURIComponent(email)}`)).text();
}

/** POSTs to a response URL as an app does: JSON ("Handling user interaction", message responses). */
async function respond(responseUrl: string, message: Record<string, unknown>): Promise<Response> {
  return fetch(responseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) });
}

/** The reject modal the Slack actions function opens. */
function rejectModal(privateMetadata: string): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: SLACK_REJECT_MODAL.callbackId,
    private_metadata: privateMetadata,
    title: { type: 'plain_text', text: 'Reject the request' },
    submit: { type: 'plain_text', text: 'Reject' },
    blocks: [
      {
        type: 'input',
        block_id: SLACK_REJECT_MODAL.reasonBlockId,
        label: { type: 'plain_text', text: 'Reason' },
        element: { type: 'plain_text_input', action_id: SLACK_REJECT_MODAL.reasonActionId, multiline: true },
      },
    ],
  };
}

describe('Web API: auth.test (https://api.slack.com/methods/auth.test)', () => {
  test('answers the bot identity for the bot token', async () => {
    const answer = await client.auth.test();

    expect(answer).toMatchObject({ ok: true, url: `${slack.url}/`, team_id: LOCAL_SLACK_TEAM_ID });
    expect([typeof answer.team, typeof answer.user, typeof answer.user_id, typeof answer.bot_id]).toEqual([
      'string',
      'string',
      'string',
      'string',
    ]);
  });

  test('answers not_authed without a token and invalid_auth for another token', async () => {
    const anonymous = new WebClient(undefined, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
    const stranger = new WebClient('xoxb-1111-2222-someone-else', {
      slackApiUrl: slack.apiUrl,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });

    await expect(anonymous.auth.test()).rejects.toMatchObject({
      code: 'slack_webapi_platform_error',
      data: { ok: false, error: 'not_authed' },
    });
    await expect(stranger.auth.test()).rejects.toMatchObject({ data: { ok: false, error: 'invalid_auth' } });
  });

  test('answers unknown_method, with HTTP 200, for a method it does not have', async () => {
    await expect(client.apiCall('chat.teleport', { channel: 'C1' })).rejects.toMatchObject({
      data: { ok: false, error: 'unknown_method' },
    });
  });

  test('takes JSON bodies with the token in the Authorization header ("Using the Slack Web API: Basics")', async () => {
    const response = await fetch(`${slack.apiUrl}auth.test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${LOCAL_SLACK_BOT_TOKEN}` },
      body: '{}',
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, team_id: LOCAL_SLACK_TEAM_ID });
  });
});

describe('Web API: users.lookupByEmail (https://api.slack.com/methods/users.lookupByEmail)', () => {
  test('answers a user object with a stable id for an address, whatever its case', async () => {
    const first = await client.users.lookupByEmail({ email: 'pam.beesly@example.com' });
    const again = await client.users.lookupByEmail({ email: 'Pam.Beesly@Example.com' });

    expect(first.user).toMatchObject({
      id: localSlackUserId('pam.beesly@example.com'),
      team_id: LOCAL_SLACK_TEAM_ID,
      name: 'pam.beesly',
      real_name: 'Pam Beesly',
      profile: { email: 'pam.beesly@example.com' },
    });
    expect(first.user?.id).toMatch(/^U[A-Z2-7]{10}$/);
    expect(again.user?.id).toBe(first.user?.id);
    expect(localSlackUserId('dwight@example.com')).not.toBe(first.user?.id);
  });

  test('answers users_not_found for an address at no-slack.example.com and for a string that is no address', async () => {
    await expect(client.users.lookupByEmail({ email: 'toby@no-slack.example.com' })).rejects.toMatchObject({
      data: { error: 'users_not_found' },
    });
    await expect(client.users.lookupByEmail({ email: 'not an address' })).rejects.toMatchObject({ data: { error: 'users_not_found' } });
  });
});

describe('Web API: chat.postMessage and chat.update', () => {
  test('chat.postMessage to a user id posts into their direct message channel, with a unique Slack ts (https://api.slack.com/methods/chat.postMessage)', async () => {
    const { user } = await client.users.lookupByEmail({ email: 'angela@example.com' });
    const userId = user?.id ?? '';

    const first = await client.chat.postMessage({ channel: userId, text: 'Approval requested', blocks: approvalBlocks(userId) as never });
    const second = await client.chat.postMessage({ channel: `D${userId.slice(1)}`, text: 'A second request' });

    expect(first).toMatchObject({ ok: true, channel: `D${userId.slice(1)}`, message: { text: 'Approval requested', ts: first.ts } });
    expect(first.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(second.channel).toBe(first.channel);
    expect(second.ts).not.toBe(first.ts);
    const stored = (await store()).messages.find((message) => message.ts === first.ts);
    expect(stored).toMatchObject({
      channel: first.channel,
      user: userId,
      email: 'angela@example.com',
      text: 'Approval requested',
      replacements: [],
    });
    expect(stored?.blocks).toEqual(approvalBlocks(userId));
  });

  test('chat.postMessage answers channel_not_found for a channel nobody has', async () => {
    await expect(client.chat.postMessage({ channel: 'C0NOWHERE1', text: 'Hello' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
  });

  test('chat.update replaces the message and keeps the version it replaced; message_not_found for another ts (https://api.slack.com/methods/chat.update)', async () => {
    const { channel, ts } = await sendApproval('oscar@example.com');

    const updated = await client.chat.update({
      channel,
      ts,
      text: 'Approved by Oscar',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Approved by Oscar' } }],
    });

    expect(updated).toMatchObject({ ok: true, channel, ts });
    const stored = (await store()).messages.find((message) => message.ts === ts);
    expect(stored?.text).toBe('Approved by Oscar');
    expect(stored?.replacements.map(({ text }) => text)).toEqual(['Approved by Oscar']);
    expect(Number.isNaN(Date.parse(stored?.replacements[0]?.at ?? ''))).toBe(false);
    await expect(client.chat.update({ channel, ts: '1500000000.000001', text: 'x' })).rejects.toMatchObject({
      data: { error: 'message_not_found' },
    });
  });

  test("chat.update takes the direct message's id, not the user id the message was posted to (the method's `channel` argument)", async () => {
    const { channel, ts } = await sendApproval('petra@example.com');
    const userId = `U${channel.slice(1)}`;

    await expect(client.chat.update({ channel: userId, ts, text: 'Approved' })).rejects.toMatchObject({
      data: { error: 'channel_not_found' },
    });
    expect((await store()).messages.find((message) => message.ts === ts)?.replacements).toEqual([]);
  });
});

describe('a click, as Slack sends it to the request URL', () => {
  test('POST /act sends a correctly signed block_actions payload with the fields Slack documents', async () => {
    const { userId, channel, ts } = await sendApproval('jan@example.com');

    const { status, json } = await act({ ts, action: 'approve', as: 'jan@example.com' });

    expect(status).toBe(200);
    expect(json.answers).toEqual([{ type: 'block_actions', status: 200, body: '' }]);
    expect(received).toHaveLength(1);
    const [click] = received;
    // Signed as "Verifying requests from Slack" describes, with the stand-in's signing secret.
    expect(click?.signatureValid).toBe(true);
    expect(click?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(click?.body.startsWith('payload=')).toBe(true);
    // The fields of https://api.slack.com/reference/interaction-payloads/block-actions.
    const payload = click?.payload as unknown as BlockActionsPayload;
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: userId, username: 'jan', name: 'jan', team_id: LOCAL_SLACK_TEAM_ID },
      team: { id: LOCAL_SLACK_TEAM_ID },
      container: { type: 'message', message_ts: ts, channel_id: channel, is_ephemeral: false },
      channel: { id: channel },
      message: { ts, text: 'Approval requested', blocks: approvalBlocks(userId) },
    });
    expect([typeof payload.team.domain, typeof payload.api_app_id, typeof payload.channel.name]).toEqual(['string', 'string', 'string']);
    expect(payload.trigger_id).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);
    expect(payload.response_url.startsWith(`${slack.url}/response/`)).toBe(true);
    expect(payload.actions).toHaveLength(1);
    expect(payload.actions[0]).toMatchObject({
      action_id: SLACK_ACTION_ID.approve,
      block_id: SLACK_ACTIONS_BLOCK_ID,
      value: encodeSlackButtonValue({ approverUserId: userId, taskToken: TASK_TOKEN }),
      type: 'button',
      text: { type: 'plain_text', text: 'Approve' },
    });
    expect(payload.actions[0]?.action_ts).toMatch(/^\d{10}\.\d{6}$/);
  });

  test("a signing secret other than the app's fails the app's own check", async () => {
    const other = await startLocalSlack({ port: 0, requestUrl: appUrl });
    try {
      const otherClient = new WebClient(other.botToken, {
        slackApiUrl: other.apiUrl,
        retryConfig: { retries: 0 },
        logLevel: LogLevel.ERROR,
      });
      const { user } = await otherClient.users.lookupByEmail({ email: 'kevin@example.com' });
      const { ts } = await otherClient.chat.postMessage({
        channel: user?.id ?? '',
        text: 'Approval requested',
        blocks: approvalBlocks(user?.id ?? '') as never,
      });

      await fetch(`${other.url}/act`, { method: 'POST', body: JSON.stringify({ ts, action: 'approve', as: 'kevin@example.com' }) });

      expect(other.signingSecret).toBe(DEFAULT_LOCAL_SLACK_SIGNING_SECRET);
      expect(received[0]?.signatureValid).toBe(false);
    } finally {
      await other.close();
    }
  });

  test('the response_url replaces the message (replace_original) and keeps each replaced version (https://api.slack.com/interactivity/handling#message_responses)', async () => {
    const { ts } = await sendApproval('stanley@example.com');
    handle = async (payload) => {
      await respond(String(payload.response_url), {
        replace_original: true,
        text: 'Approved by Stanley',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Approved* by Stanley' } }],
      });
      return { status: 200 };
    };

    const { json } = await act({ ts, action: 'approve', as: 'stanley@example.com' });

    expect(json.message).toMatchObject({ ts, text: 'Approved by Stanley', replacements: [{ text: 'Approved by Stanley' }] });
    const html = await page('stanley@example.com');
    const article = html.slice(html.indexOf(`data-ts="${ts}"`), html.indexOf('</article>', html.indexOf(`data-ts="${ts}"`)));
    expect(article).toContain('<strong>Approved</strong> by Stanley');
    expect(article).not.toContain('Jim Halpert asks to release');
  });

  test('a response_url answer with response_type ephemeral is seen by the clicking user only', async () => {
    const { ts } = await sendApproval('meredith@example.com');
    handle = async (payload) => {
      await respond(String(payload.response_url), {
        response_type: 'ephemeral',
        replace_original: false,
        text: 'This request has expired.',
      });
      return { status: 200 };
    };

    await act({ ts, action: 'approve', as: 'meredith@example.com' });

    const { ephemerals, messages } = await store();
    expect(ephemerals).toEqual([
      expect.objectContaining({
        user: localSlackUserId('meredith@example.com'),
        email: 'meredith@example.com',
        text: 'This request has expired.',
      }),
    ]);
    expect(messages.find((message) => message.ts === ts)?.replacements).toEqual([]);
    expect(await page('meredith@example.com')).toContain('This request has expired.');
    await sendApproval('creed@example.com');
    expect(await page('creed@example.com')).not.toContain('This request has expired.');
  });

  test('delete_original deletes the message; a response_url serves 5 uses, then refuses ("up to 5 times within 30 minutes")', async () => {
    const { ts } = await sendApproval('toby.flenderson@example.com');
    let responseUrl = '';
    handle = (payload) => {
      responseUrl = String(payload.response_url);
      return { status: 200 };
    };
    await act({ ts, action: 'approve', as: 'toby.flenderson@example.com' });

    const statuses: number[] = [];
    for (let use = 1; use <= 4; use += 1)
      statuses.push((await respond(responseUrl, { replace_original: true, text: `Version ${use}` })).status);
    statuses.push((await respond(responseUrl, { delete_original: true })).status);
    const sixth = await respond(responseUrl, { replace_original: true, text: 'Version 6' });

    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toEqual({ ok: false, error: 'used_url' });
    const stored = (await store()).messages.find((message) => message.ts === ts);
    expect(stored).toMatchObject({ deleted: true, text: 'Version 4' });
    expect(stored?.replacements.map((version) => version.text)).toEqual(['Version 1', 'Version 2', 'Version 3', 'Version 4']);
  });
});

describe("modals: views.open with the click's trigger id (https://docs.slack.dev/reference/methods/views.open)", () => {
  test('the app opens the reject modal with the trigger id; /act submits it with the reason as a view_submission', async () => {
    const { userId, ts } = await sendApproval('phyllis@example.com');
    const opened: Array<Record<string, unknown>> = [];
    handle = async (payload) => {
      if (payload.type === 'block_actions') {
        const answer = await client.views.open({ trigger_id: String(payload.trigger_id), view: rejectModal('{"ts":"metadata"}') as never });
        opened.push(answer as unknown as Record<string, unknown>);
      }
      return { status: 200 };
    };

    const { status, json } = await act({ ts, action: 'reject', as: 'phyllis@example.com', reason: 'The release notes are missing.' });

    expect(status).toBe(200);
    expect(opened[0]).toMatchObject({ ok: true, view: { callback_id: SLACK_REJECT_MODAL.callbackId } });
    expect((opened[0]?.view as { id: string }).id).toMatch(/^V[A-Z2-7]{10}$/);
    expect(json.answers).toEqual([
      { type: 'block_actions', status: 200, body: '' },
      { type: 'view_submission', status: 200, body: '' },
    ]);
    const submission = received[1];
    expect(submission?.signatureValid).toBe(true);
    // https://api.slack.com/reference/interaction-payloads/views: view.state.values by block id, then action id.
    expect(submission?.payload).toMatchObject({
      type: 'view_submission',
      user: { id: userId, team_id: LOCAL_SLACK_TEAM_ID },
      team: { id: LOCAL_SLACK_TEAM_ID },
      view: {
        id: (opened[0]?.view as { id: string }).id,
        callback_id: SLACK_REJECT_MODAL.callbackId,
        private_metadata: '{"ts":"metadata"}',
        state: {
          values: {
            [SLACK_REJECT_MODAL.reasonBlockId]: {
              [SLACK_REJECT_MODAL.reasonActionId]: { type: 'plain_text_input', value: 'The release notes are missing.' },
            },
          },
        },
      },
    });
    expect(json.modal).toMatchObject({ state: 'submitted', callbackId: SLACK_REJECT_MODAL.callbackId });
  });

  test('the page shows an open modal to its user only, with its input and Submit', async () => {
    await sendApproval('holly@example.com');
    const { ts } = await sendApproval('michael@example.com');
    handle = async (payload) => {
      if (payload.type === 'block_actions')
        await client.views.open({ trigger_id: String(payload.trigger_id), view: rejectModal('') as never });
      return { status: 200 };
    };

    await act({ ts, action: 'reject', as: 'michael@example.com' });

    const html = await page('michael@example.com');
    expect(html).toContain('Reject the request');
    expect(html).toContain(`name="input:${SLACK_REJECT_MODAL.reasonBlockId}/${SLACK_REJECT_MODAL.reasonActionId}"`);
    expect(await page('holly@example.com')).not.toContain('Reject the request');
  });

  test('Submit on the page sends the typed reason; an answer with response_action errors keeps the modal open with the error (https://api.slack.com/surfaces/modals)', async () => {
    const { ts } = await sendApproval('dwight@example.com');
    const submissions: unknown[] = [];
    handle = async (payload) => {
      if (payload.type === 'block_actions') {
        await client.views.open({ trigger_id: String(payload.trigger_id), view: rejectModal('') as never });
        return { status: 200 };
      }
      submissions.push((payload.view as { state: unknown }).state);
      return submissions.length === 1
        ? {
            status: 200,
            body: JSON.stringify({ response_action: 'errors', errors: { [SLACK_REJECT_MODAL.reasonBlockId]: 'Say why, in a few words.' } }),
          }
        : { status: 200 };
    };
    const { json } = await act({ ts, action: 'reject', as: 'dwight@example.com' });
    const viewId = (json.modal as { id: string }).id;
    const submit = (reason: string): Promise<Response> =>
      fetch(`${slack.url}/page/submit`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          as: 'dwight@example.com',
          view_id: viewId,
          [`input:${SLACK_REJECT_MODAL.reasonBlockId}/${SLACK_REJECT_MODAL.reasonActionId}`]: reason,
        }).toString(),
        redirect: 'manual',
      });

    const first = await submit('');
    const pageAfterErrors = await page('dwight@example.com');
    const second = await submit('Beets first, then the release.');

    expect([first.status, second.status]).toEqual([303, 303]);
    expect(pageAfterErrors).toContain('Say why, in a few words.');
    expect(submissions[1]).toEqual({
      values: {
        [SLACK_REJECT_MODAL.reasonBlockId]: {
          [SLACK_REJECT_MODAL.reasonActionId]: { type: 'plain_text_input', value: 'Beets first, then the release.' },
        },
      },
    });
    expect((await store()).modals.find((modal) => modal.id === viewId)?.state).toBe('submitted');
    expect(await page('dwight@example.com')).not.toContain('Reject the request');
  });

  test('a trigger id is refused when unknown, when used twice and 3 s after its interaction ("Triggers expire in three seconds", https://api.slack.com/docs/triggers)', async () => {
    const { ts } = await sendApproval('darryl@example.com');
    const triggers: string[] = [];
    handle = (payload) => {
      triggers.push(String(payload.trigger_id));
      return { status: 200 };
    };
    await act({ ts, action: 'reject', as: 'darryl@example.com' });
    await act({ ts, action: 'reject', as: 'darryl@example.com' });
    const [fresh, stale] = triggers;

    await expect(client.views.open({ trigger_id: '12345.98765.abcd2358fdea', view: rejectModal('') as never })).rejects.toMatchObject({
      data: { error: 'invalid_trigger_id' },
    });
    await expect(client.views.open({ trigger_id: fresh ?? '', view: rejectModal('') as never })).resolves.toMatchObject({ ok: true });
    await expect(client.views.open({ trigger_id: fresh ?? '', view: rejectModal('') as never })).rejects.toMatchObject({
      data: { error: 'exchanged_trigger_id' },
    });
    await new Promise((resolve) => setTimeout(resolve, 3_100));
    await expect(client.views.open({ trigger_id: stale ?? '', view: rejectModal('') as never })).rejects.toMatchObject({
      data: { error: 'expired_trigger_id' },
    });
  });
});

describe('GET /store and POST /act', () => {
  test("/store lists messages with recipient and address, and each interaction with the app's HTTP answer", async () => {
    const { userId, ts } = await sendApproval('kelly@example.com');
    handle = () => ({ status: 500 });

    await act({ ts, action: 'approve', as: 'kelly@example.com' });

    const { messages, interactions } = await store();
    expect(messages.find((message) => message.ts === ts)).toMatchObject({
      channel: `D${userId.slice(1)}`,
      user: userId,
      email: 'kelly@example.com',
      replacements: [],
    });
    expect(interactions.at(-1)).toMatchObject({ type: 'block_actions', status: 500 });
    expect(Number.isNaN(Date.parse(interactions.at(-1)?.at ?? ''))).toBe(false);
  });

  test('/act answers 400 with a message for an unknown ts, missing fields and a message without the button', async () => {
    const { userId, ts } = await sendApproval('ryan@example.com');
    const plain = await client.chat.postMessage({ channel: userId, text: 'Your request was approved.' });

    const unknown = await act({ ts: '1500000000.000001', action: 'approve', as: 'ryan@example.com' });
    const missing = await act({ action: 'approve', as: 'ryan@example.com' });
    const noButton = await act({ ts: plain.ts, action: 'approve', as: 'ryan@example.com' });

    expect([unknown.status, missing.status, noButton.status]).toEqual([400, 400, 400]);
    expect(unknown.json.message).toBe('No message has ts 1500000000.000001.');
    expect(missing.json.message).toBe('Name the message by its "ts".');
    expect(noButton.json.message).toBe(`Message ${plain.ts} has no button with action id ${SLACK_ACTION_ID.approve}.`);
    expect(received).toEqual([]);
    expect(JSON.stringify([unknown, missing, noButton])).not.toContain(TASK_TOKEN);
    expect(ts).not.toBe('');
  });

  test("/act as someone else than the recipient sends the app that user's click (a shared message), for the app to refuse", async () => {
    const { ts } = await sendApproval('ryan@example.com');
    received.length = 0;

    const { status } = await act({ ts, action: 'approve', as: 'kelly@example.com' });

    expect(status).toBe(200);
    expect(received).toHaveLength(1);
    expect(received[0]?.signatureValid).toBe(true);
    expect(received[0]?.payload).toMatchObject({ type: 'block_actions', user: { id: localSlackUserId('kelly@example.com') } });
  });

  test('/act answers 400 when no request URL is set', async () => {
    const lines: string[] = [];
    const unset = await startLocalSlack({ port: 0, log: (line) => lines.push(line) });
    try {
      const unsetClient = new WebClient(unset.botToken, {
        slackApiUrl: unset.apiUrl,
        retryConfig: { retries: 0 },
        logLevel: LogLevel.ERROR,
      });
      const { user } = await unsetClient.users.lookupByEmail({ email: 'erin@example.com' });
      const { ts } = await unsetClient.chat.postMessage({
        channel: user?.id ?? '',
        text: 'Approval requested',
        blocks: approvalBlocks(user?.id ?? '') as never,
      });

      const response = await fetch(`${unset.url}/act`, {
        method: 'POST',
        body: JSON.stringify({ ts, action: 'approve', as: 'erin@example.com' }),
      });

      expect(response.status).toBe(400);
      expect(((await response.json()) as { message: string }).message).toContain('No request URL is set');
      expect(lines.join('\n')).not.toContain(TASK_TOKEN);
    } finally {
      await unset.close();
    }
  });

  test('/act answers 502 when the app does not answer at its request URL, and /store records status 0', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/slack/actions`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { ts } = await sendApproval('clark@example.com');
    slack.setRequestUrl(closedUrl);
    try {
      const { status, json } = await act({ ts, action: 'approve', as: 'clark@example.com' });

      expect(status).toBe(502);
      expect(json).toMatchObject({ error: 'app_unreachable', answers: [{ type: 'block_actions', status: 0, body: '' }] });
      expect((await store()).interactions.at(-1)).toMatchObject({ type: 'block_actions', status: 0 });
    } finally {
      slack.setRequestUrl(appUrl);
    }
  });

  test('log lines name calls and clicks, never a button value', async () => {
    const lines: string[] = [];
    const logged = await startLocalSlack({ port: 0, signingSecret: SIGNING_SECRET, requestUrl: appUrl, log: (line) => lines.push(line) });
    try {
      const loggedClient = new WebClient(logged.botToken, {
        slackApiUrl: logged.apiUrl,
        retryConfig: { retries: 0 },
        logLevel: LogLevel.ERROR,
      });
      const { user } = await loggedClient.users.lookupByEmail({ email: 'nellie@example.com' });
      const { ts } = await loggedClient.chat.postMessage({
        channel: user?.id ?? '',
        text: 'Approval requested',
        blocks: approvalBlocks(user?.id ?? '') as never,
      });

      await fetch(`${logged.url}/act`, { method: 'POST', body: JSON.stringify({ ts, action: 'approve', as: 'nellie@example.com' }) });

      expect(lines.some((line) => line.includes(`clicks ${SLACK_ACTION_ID.approve}`))).toBe(true);
      expect(lines.join('\n')).not.toContain(TASK_TOKEN);
    } finally {
      await logged.close();
    }
  });
});

describe('the page', () => {
  test("escapes a hostile message text and shows the acting-as user's messages first, others' apart, without button values", async () => {
    await sendApproval('andy@example.com', '<script>alert("owned")</script><img src=x onerror=alert(1)> wants *production*');
    await sendApproval('karen@example.com', 'Karen asks to deploy the billing service.');

    const html = await page('andy@example.com');

    expect(html).toContain(
      '&#60;script&#62;alert(&#34;owned&#34;)&#60;/script&#62;&#60;img src=x onerror=alert(1)&#62; wants <strong>production</strong>',
    );
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img');
    // Karen's message only under the others' messages, which Andy would see only if it reached him.
    const others = html.indexOf('<h2>Direct messages to others</h2>');
    expect(html.slice(0, others)).not.toContain('Karen asks to deploy');
    expect(html.slice(others)).toContain('Karen asks to deploy');
    expect(html).toContain('Approve');
    expect(html).not.toContain(TASK_TOKEN);
  });

  test("a button on the page plays that user's click, and a page of another origin cannot click", async () => {
    const { ts } = await sendApproval('gabe@example.com');
    const form = new URLSearchParams({ as: 'gabe@example.com', ts, action_id: SLACK_ACTION_ID.approve }).toString();

    const clicked = await fetch(`${slack.url}/page/click`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: slack.url },
      body: form,
      redirect: 'manual',
    });
    const forged = await fetch(`${slack.url}/page/click`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: form,
      redirect: 'manual',
    });

    expect(clicked.status).toBe(303);
    expect(clicked.headers.get('location')).toBe('/?as=gabe%40example.com&answered=200');
    expect(forged.status).toBe(403);
    expect(received).toHaveLength(1);
    expect(received[0]?.payload).toMatchObject({ type: 'block_actions', actions: [{ action_id: SLACK_ACTION_ID.approve }] });
  });
});
