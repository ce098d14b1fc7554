import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readSlackActionsConfig, SlackActionsConfigError } from '../../functions/slack-actions/config';
import { ACKNOWLEDGE_WITHIN_MS, InvocationDeadline, MIN_CALL_TIMEOUT_MS } from '../../functions/slack-actions/deadline';
import { postToResponseUrl, ResponseUrlError } from '../../functions/slack-actions/response-url';
import {
  encodeSlackButtonValue,
  SLACK_ACTION_ID,
  SLACK_ACTIONS_BLOCK_ID,
  SLACK_REJECT_MODAL,
} from '../../functions/commons/slack-contract';
import { realisticTaskToken } from '../support/fixtures';

const sfnMock = mockClient(SFNClient);
const secretsMock = mockClient(SecretsManagerClient);

const SECRET_NAME = 'approvals/slack-app';
const SIGNING_SECRET = 'e3b9c1d27f0a4b5c8d9e6f1a2b3c4d5e';
const ROTATED_SIGNING_SECRET = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const BOT_TOKEN = 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx';
const APPROVER = 'U024BE7LH';
const TEAM = 'T9TK3CUKW';
const TOKEN = realisticTaskToken(1000, 23);

/** A stand-in for Slack's Web API and its response_urls, on a free local port. */
interface SlackRequest {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly body: string;
}
let slackServer: Server;
let slackBaseUrl: string;
let slackRequests: SlackRequest[];
/** How the stand-in answers: views.open's error (undefined: ok), and how long each answer takes. */
let slackBehaviour: { viewsOpenError?: string; delayMs: number };

type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
let handler: Handler;
let sfnClientConfig: { readonly maxAttempts: number };
let written: string[];
const savedEnv = { ...process.env };
let nowMs = Date.UTC(2026, 11, 8, 10, 0, 0);

beforeAll(async () => {
  slackServer = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      slackRequests.push({
        path: request.url ?? '',
        authorization: request.headers.authorization,
        contentType: request.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      });
      // views.open answers {"ok": true, ...} or {"ok": false, "error": ...} (views.open reference,
      // https://docs.slack.dev/reference/methods/views.open); a response_url answers "ok".
      const answer = (): void => {
        if (response.destroyed) return;
        if (request.url?.startsWith('/api/')) {
          const body = slackBehaviour.viewsOpenError
            ? { ok: false, error: slackBehaviour.viewsOpenError }
            : { ok: true, view: { id: 'V08ABCDEF99' } };
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        } else {
          response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        }
      };
      if (slackBehaviour.delayMs > 0) setTimeout(answer, slackBehaviour.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => slackServer.listen(0, '127.0.0.1', resolve));
  slackBaseUrl = `http://127.0.0.1:${(slackServer.address() as AddressInfo).port}`;
  // The handler reads its settings when it is loaded, as in Lambda.
  process.env.SLACK_SECRET_ID = SECRET_NAME;
  process.env.SLACK_API_URL = `${slackBaseUrl}/api/`;
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  ({ handler, SFN_CLIENT_CONFIG: sfnClientConfig } = await import('../../functions/slack-actions/index'));
});

afterAll(async () => {
  process.env = savedEnv;
  await new Promise((resolve) => slackServer.close(resolve));
});

beforeEach(() => {
  sfnMock.reset();
  secretsMock.reset();
  secretsMock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET }) });
  slackRequests = [];
  slackBehaviour = { delayMs: 0 };
  written = [];
  // Each test starts an hour after the one before: the container's cached secret is then old enough to be rechecked.
  nowMs += 60 * 60 * 1000;
  jest.spyOn(Date, 'now').mockImplementation(() => nowMs);
  // Powertools writes INFO lines to stdout and WARN and ERROR lines to stderr.
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  }
});

afterEach(() => {
  jest.restoreAllMocks();
});

const responseUrl = () => `${slackBaseUrl}/actions/${TEAM}/8190243563126/kbQxXq6Q4h3ZtcvNFHfS1Kp3`;

function clickBody(action: keyof typeof SLACK_ACTION_ID, by = APPROVER): string {
  const payload = {
    type: 'block_actions',
    user: { id: by, team_id: TEAM },
    team: { id: TEAM },
    container: { type: 'message', message_ts: '1796724600.000200', channel_id: 'D0823BFRLNR' },
    trigger_id: '8190243563126.8292331640.5b3d4f2a9d81c6e0f7a2',
    message: {
      ts: '1796724600.000200',
      text: 'Approval needed: Deploy release 42',
      blocks: [
        { type: 'section', block_id: 'request', text: { type: 'mrkdwn', text: '*Deploy release 42*' } },
        { type: 'actions', block_id: SLACK_ACTIONS_BLOCK_ID, elements: [] },
      ],
    },
    response_url: responseUrl(),
    actions: [
      {
        type: 'button',
        action_id: SLACK_ACTION_ID[action],
        block_id: SLACK_ACTIONS_BLOCK_ID,
        value: encodeSlackButtonValue({ approverUserId: APPROVER, taskToken: TOKEN }),
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** An API Gateway proxy event for a request signed as Slack signs it, sent now. */
function slackEvent(
  body: string,
  options: { secret?: string; base64?: boolean; headerCase?: 'lower' | 'canonical' } = {},
): APIGatewayProxyEvent {
  const timestamp = String(Math.floor(nowMs / 1000));
  const signature = `v0=${createHmac('sha256', options.secret ?? SIGNING_SECRET)
    .update(`v0:${timestamp}:${body}`)
    .digest('hex')}`;
  const headers =
    options.headerCase === 'lower'
      ? { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature }
      : { 'X-Slack-Request-Timestamp': timestamp, 'X-Slack-Signature': signature };
  return {
    httpMethod: 'POST',
    path: '/slack/actions',
    resource: '/slack/actions',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      ...headers,
    },
    multiValueHeaders: {},
    body: options.base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: options.base64 ?? false,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayProxyEvent['requestContext'],
  };
}

describe('the Slack actions handler', () => {
  it('records an approval clicked in Slack, replaces the message and acknowledges with an empty 200', async () => {
    sfnMock.on(SendTaskSuccessCommand).resolves({});

    const result = await handler(slackEvent(clickBody('approve')));

    expect(result).toEqual({ statusCode: 200, body: '' });
    expect(sfnMock).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: TOKEN,
      output: JSON.stringify({
        decision: 'approved',
        decidedAt: new Date(nowMs).toISOString(),
        channel: 'slack',
        slackUserId: APPROVER,
        slackTeamId: TEAM,
      }),
    });
    expect(slackRequests).toHaveLength(1);
    const replaced = JSON.parse(slackRequests[0]?.body ?? '') as {
      replace_original: boolean;
      text: string;
      blocks: Array<{ type: string }>;
    };
    expect(slackRequests[0]?.path).toBe(new URL(responseUrl()).pathname);
    expect(slackRequests[0]?.contentType).toMatch(/^application\/json/);
    expect(replaced.replace_original).toBe(true);
    expect(replaced.text).toMatch(new RegExp(`^Approved by <@${APPROVER}> at <!date\\^\\d+\\^`));
    expect(replaced.blocks.map((block) => block.type)).toEqual(['section', 'section']);
  });

  it('accepts a body API Gateway handed over in base64, and headers in lower case', async () => {
    sfnMock.on(SendTaskSuccessCommand).resolves({});

    const result = await handler(slackEvent(clickBody('approve'), { base64: true, headerCase: 'lower' }));

    expect(result.statusCode).toBe(200);
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: TOKEN });
  });

  it("opens the reject modal through Slack's views.open with the bot token", async () => {
    const result = await handler(slackEvent(clickBody('reject')));

    expect(result).toEqual({ statusCode: 200, body: '' });
    expect(sfnMock.calls()).toHaveLength(0);
    expect(slackRequests.map((request) => [request.path, request.authorization])).toEqual([['/api/views.open', `Bearer ${BOT_TOKEN}`]]);
    const form = new URLSearchParams(slackRequests[0]?.body ?? '');
    const view = JSON.parse(form.get('view') ?? '{}') as { callback_id: string; private_metadata: string };
    expect(form.get('trigger_id')).toBe('8190243563126.8292331640.5b3d4f2a9d81c6e0f7a2');
    expect(view.callback_id).toBe(SLACK_REJECT_MODAL.callbackId);
    expect(JSON.parse(view.private_metadata)).toMatchObject({ u: APPROVER, t: TOKEN, r: responseUrl() });
  });

  it('answers a modal submitted without a reason with the errors Slack shows under the input', async () => {
    const metadata = JSON.stringify({ u: APPROVER, t: TOKEN, r: responseUrl() });
    const body = new URLSearchParams({
      payload: JSON.stringify({
        type: 'view_submission',
        user: { id: APPROVER, team_id: TEAM },
        team: { id: TEAM },
        view: {
          callback_id: SLACK_REJECT_MODAL.callbackId,
          private_metadata: metadata,
          state: {
            values: {
              [SLACK_REJECT_MODAL.reasonBlockId]: { [SLACK_REJECT_MODAL.reasonActionId]: { type: 'plain_text_input', value: ' ' } },
            },
          },
        },
      }),
    }).toString();

    const result = await handler(slackEvent(body));

    expect(result.statusCode).toBe(200);
    expect(result.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(result.body)).toEqual({ response_action: 'errors', errors: { reason: 'Give a reason for rejecting this request.' } });
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskFailureCommand);
  });

  it('tells only the clicking user "no longer open" when the task has closed, and leaves the message as it is', async () => {
    sfnMock.on(SendTaskSuccessCommand).rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));

    const result = await handler(slackEvent(clickBody('approve')));

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(slackRequests[0]?.body ?? '')).toEqual({
      response_type: 'ephemeral',
      replace_original: false,
      text: 'This request is no longer open.',
    });
  });

  it('sends SendTaskSuccess and SendTaskFailure once, never retried: a retry of a try that succeeded would answer TaskTimedOut', () => {
    expect(sfnClientConfig.maxAttempts).toBe(1);
  });

  it.each([
    ['signed with another secret', (body: string) => slackEvent(body, { secret: 'not-the-signing-secret' })],
    ['with a changed body', (body: string) => ({ ...slackEvent(body), body: body.replace('approval_approve', 'approval_reject') })],
    [
      'without signature headers',
      (body: string) => ({ ...slackEvent(body), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }),
    ],
  ])('refuses a request %s with 401 and decides nothing', async (_label, event) => {
    const result = await handler(event(clickBody('approve')));

    expect(result).toEqual({ statusCode: 401, headers: { 'content-type': 'application/json' }, body: '{"error":"invalid signature"}' });
    expect(sfnMock.calls()).toHaveLength(0);
    expect(slackRequests).toHaveLength(0);
  });

  it('refuses a request replayed more than five minutes later', async () => {
    const event = slackEvent(clickBody('approve'));
    nowMs += 6 * 60 * 1000;

    const result = await handler(event);

    expect(result.statusCode).toBe(401);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('never writes a task token, a response_url, the bot token or the signing secret to the log', async () => {
    sfnMock.on(SendTaskSuccessCommand).resolves({});

    await handler(slackEvent(clickBody('approve')));
    await handler(slackEvent(clickBody('reject')));
    await handler(slackEvent(clickBody('approve', 'U0G9QF9C6')));
    await handler(slackEvent(clickBody('approve'), { secret: 'forged' }));

    const logs = written.join('');
    expect(logs).toContain('"outcome":"approved"');
    expect(logs).toContain('"outcome":"reject-form-opened"');
    expect(logs).toContain('"outcome":"not-the-approver"');
    expect(logs).toContain('"reason":"bad-signature"');
    for (const secret of [TOKEN, TOKEN.slice(0, 40), responseUrl(), 'kbQxXq6Q4h3ZtcvNFHfS1Kp3', BOT_TOKEN, SIGNING_SECRET]) {
      expect(logs).not.toContain(secret);
    }
  });

  it('fetches the secret again after a signature fails, at most once a minute, to pick up a rotated signing secret', async () => {
    sfnMock.on(SendTaskSuccessCommand).resolves({});
    // The hour-old copy is read again as the invocation starts (still the same secret here).
    expect((await handler(slackEvent(clickBody('approve'), { secret: ROTATED_SIGNING_SECRET }))).statusCode).toBe(401);
    const callsBefore = secretsMock.commandCalls(GetSecretValueCommand).length;
    secretsMock
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ botToken: BOT_TOKEN, signingSecret: ROTATED_SIGNING_SECRET }) });

    nowMs += 30 * 1000;
    const soon = await handler(slackEvent(clickBody('approve'), { secret: ROTATED_SIGNING_SECRET }));
    nowMs += 31 * 1000;
    const later = await handler(slackEvent(clickBody('approve'), { secret: ROTATED_SIGNING_SECRET }));

    // Within a minute of the last fetch a failing signature fetches nothing: forged requests cannot drive fetches.
    expect(soon.statusCode).toBe(401);
    expect(later.statusCode).toBe(200);
    expect(secretsMock.commandCalls(GetSecretValueCommand).length - callsBefore).toBe(1);
    expect(secretsMock).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: SECRET_NAME });
    expect(sfnMock).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
  });

  it('reads the secret again when the copy held is older than five minutes, and not before', async () => {
    sfnMock.on(SendTaskSuccessCommand).resolves({});
    await handler(slackEvent(clickBody('approve')));
    const callsBefore = secretsMock.commandCalls(GetSecretValueCommand).length;
    const rotatedToken = 'xoxb-1234567890-0987654321-ZyXwVuTsRqPoNmLkJiHgFeDc';
    secretsMock
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ botToken: rotatedToken, signingSecret: SIGNING_SECRET }) });

    nowMs += 4 * 60 * 1000;
    await handler(slackEvent(clickBody('reject')));
    const fetchesWithinFiveMinutes = secretsMock.commandCalls(GetSecretValueCommand).length - callsBefore;
    nowMs += 2 * 60 * 1000;
    await handler(slackEvent(clickBody('reject')));

    expect(fetchesWithinFiveMinutes).toBe(0);
    expect(secretsMock.commandCalls(GetSecretValueCommand).length - callsBefore).toBe(1);
    expect(slackRequests.filter((request) => request.path === '/api/views.open').map((request) => request.authorization)).toEqual([
      `Bearer ${BOT_TOKEN}`,
      `Bearer ${rotatedToken}`,
    ]);
  });

  it.each(['invalid_auth', 'token_revoked'])(
    'reads the secret again on the next click after views.open answers %s, to pick up a rotated bot token',
    async (slackError) => {
      await handler(slackEvent(clickBody('reject')));
      const callsBefore = secretsMock.commandCalls(GetSecretValueCommand).length;
      const rotatedToken = 'xoxb-1234567890-0987654321-ZyXwVuTsRqPoNmLkJiHgFeDc';
      secretsMock
        .on(GetSecretValueCommand)
        .resolves({ SecretString: JSON.stringify({ botToken: rotatedToken, signingSecret: SIGNING_SECRET }) });
      slackBehaviour = { viewsOpenError: slackError, delayMs: 0 };

      nowMs += 1000;
      await handler(slackEvent(clickBody('reject')));
      slackBehaviour = { delayMs: 0 };
      nowMs += 1000;
      const retried = await handler(slackEvent(clickBody('reject')));

      expect(retried.statusCode).toBe(200);
      expect(secretsMock.commandCalls(GetSecretValueCommand).length - callsBefore).toBe(1);
      expect(slackRequests.filter((request) => request.path === '/api/views.open').map((request) => request.authorization)).toEqual([
        `Bearer ${BOT_TOKEN}`,
        `Bearer ${BOT_TOKEN}`,
        `Bearer ${rotatedToken}`,
      ]);
    },
  );

  it('keeps using the secret it holds when reading it again fails', async () => {
    sfnMock.on(SendTaskSuccessCommand).resolves({});
    await handler(slackEvent(clickBody('approve')));
    secretsMock.on(GetSecretValueCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    nowMs += 10 * 60 * 1000;
    const result = await handler(slackEvent(clickBody('approve')));

    expect(result.statusCode).toBe(200);
    expect(written.join('')).toContain('"errorName":"ThrottlingException"');
  });
});

describe("the Slack actions handler within Slack's 3 seconds", () => {
  it('gives the response_url only the time left of its deadline after a slow Step Functions call', async () => {
    // Step Functions takes 2.45 s of the 2.5 s (on the handler's clock); the response_url would take 2 s more.
    sfnMock.on(SendTaskSuccessCommand).callsFake(() => {
      nowMs += 2_450;
      return {};
    });
    slackBehaviour = { delayMs: 2_000 };
    const startedAt = performance.now();

    const result = await handler(slackEvent(clickBody('approve')));

    expect(result).toEqual({ statusCode: 200, body: '' });
    expect(performance.now() - startedAt).toBeLessThan(1_000);
    expect(sfnMock).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(written.join('')).toContain('"message":"Could not answer through the response_url"');
  });

  it('gives views.open only the time left of its deadline after a slow read of the secret', async () => {
    secretsMock.on(GetSecretValueCommand).callsFake(() => {
      nowMs += 2_450;
      return { SecretString: JSON.stringify({ botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET }) };
    });
    const event = slackEvent(clickBody('reject'));
    slackBehaviour = { delayMs: 2_000 };
    const startedAt = performance.now();

    const result = await handler(event);

    expect(result.statusCode).toBe(200);
    expect(performance.now() - startedAt).toBeLessThan(1_500);
    expect(written.join('')).toContain('"outcome":"reject-form-failed"');
  });
});

describe('an invocation deadline', () => {
  it(`leaves ${ACKNOWLEDGE_WITHIN_MS} ms from its start, then only the time left, and never less than ${MIN_CALL_TIMEOUT_MS} ms`, () => {
    let clockMs = Date.UTC(2026, 11, 8, 10, 0, 0);
    const deadline = new InvocationDeadline(() => clockMs);

    const atStart = deadline.remainingMs();
    clockMs += 1_800;
    const later = deadline.remainingMs();
    clockMs += 5_000;
    const past = deadline.remainingMs();

    expect([atStart, later, past]).toEqual([2_500, 700, MIN_CALL_TIMEOUT_MS]);
  });
});

describe('the Slack actions settings', () => {
  it('name the missing secret', () => {
    expect(() => readSlackActionsConfig({})).toThrow(
      new SlackActionsConfigError(
        'Environment variable SLACK_SECRET_ID is not set; the stack sets it to the name of the Slack secret (slackSecretName).',
      ),
    );
  });

  it("default to Slack's own Web API", () => {
    expect(readSlackActionsConfig({ SLACK_SECRET_ID: SECRET_NAME })).toEqual({ secretId: SECRET_NAME, apiUrl: 'https://slack.com/api/' });
  });

  it('refuse a Web API base that is not an http(s) URL', () => {
    expect(() => readSlackActionsConfig({ SLACK_SECRET_ID: SECRET_NAME, SLACK_API_URL: 'slack.com/api' })).toThrow(SlackActionsConfigError);
  });
});

describe('posting to a response_url', () => {
  it('names only the status when Slack refuses the message, never the URL', async () => {
    const url = 'https://hooks.slack.com/actions/T9TK3CUKW/8190243563126/kbQxXq6Q4h3ZtcvNFHfS1Kp3';
    const refusing: typeof fetch = () => Promise.resolve(new Response('expired_url', { status: 404 }));

    const posting = postToResponseUrl(url, { replace_original: true, text: 'Approved' }, AbortSignal.timeout(2_000), refusing);

    await expect(posting).rejects.toThrow(new ResponseUrlError(404));
    await expect(posting).rejects.not.toThrow(/hooks\.slack\.com|kbQxXq6Q4h3ZtcvNFHfS1Kp3/);
  });
});
