import * as fs from 'node:fs';
import * as net from 'node:net';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { ListActivitiesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { type LocalApiGateway, startLocalApiGateway } from '../../local/api-gateway/server';
import { type LocalLambda, startLocalLambda } from '../../local/lambda/server';
import { type LocalSes, startLocalSes } from '../../local/ses/server';
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/stack/local-account';
import { type LocalStepFunctions, startLocalStepFunctions } from '../../local/step-functions/server';
import { realisticTaskToken } from '../support/fixtures';
import { type RawAnswer, rawRequest, requestText, uploadWithoutWaiting } from '../support/raw-http';
import { synthApiModel } from '../support/synth';
import { type LocalPorts, sendTokenEveryWay, tokenRequestTargets } from '../support/token-requests';

// Each local server, started on its own, hardened against hostile requests: no token from a request
// line in any log, no answer to a request addressed to another site or sent by another origin's
// page, and a short error in the endpoint's protocol for every malformed request, promptly.

jest.setTimeout(60_000);

/** The servers' time limit for receiving a request, short so that the stalled requests below are answered soon. */
const REQUEST_TIMEOUT_MS = 1_000;
/** Every answer, a stalled request's included, comes well within this, even on a loaded machine. */
const PROMPT_MS = 6_000;
/** Planted in malformed requests: no answer may quote it. */
const MARKER = 'QuotedBackMarker7Q';

/** TCP ports this process listens on (Linux: /proc), to find the SES stand-in's inner server, which nothing names. */
function listeningPortsOfThisProcess(): Set<number> {
  const ownSockets = new Set(
    fs
      .readdirSync('/proc/self/fd')
      .map((fd) => {
        try {
          return /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/self/fd/${fd}`))?.[1];
        } catch {
          return undefined;
        }
      })
      .filter((inode): inode is string => inode !== undefined),
  );
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!fs.existsSync(table)) continue;
    for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [, local, , state] = fields;
      if (state === '0A' && ownSockets.has(fields[9] ?? '')) ports.add(parseInt(local?.split(':')[1] ?? '', 16));
    }
  }
  return ports;
}

const logs: string[] = [];
let ses: LocalSes;
let innerSesPort: number;
let sfn: LocalStepFunctions;
let lambda: LocalLambda;
let api: LocalApiGateway;
const standInCalls: unknown[] = [];
const clients: Array<{ destroy(): void }> = [];

beforeAll(async () => {
  const before = listeningPortsOfThisProcess();
  ses = await startLocalSes({ port: 0, requestTimeoutMs: REQUEST_TIMEOUT_MS });
  const opened = [...listeningPortsOfThisProcess()].filter((port) => !before.has(port) && port !== ses.port);
  if (opened.length !== 1) throw new Error(`Expected the SES stand-in to open one inner port, found ${opened.join(', ') || 'none'}`);
  innerSesPort = opened[0] ?? 0;
  sfn = await startLocalStepFunctions({
    port: 0,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    log: (line) => logs.push(`[step-functions] ${line}`),
  });
  lambda = await startLocalLambda({
    port: 0,
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    log: (line) => logs.push(`[lambda] ${line}`),
  });
  lambda.registerFunction('stand-in', {
    invokeAsync: (event) => standInCalls.push(event),
    invokeSync: (event) => {
      standInCalls.push(event);
      return Promise.resolve({ echoed: event });
    },
  });
  api = await startLocalApiGateway({
    model: synthApiModel(),
    stepFunctionsUrl: sfn.url,
    port: 0,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    log: (line) => logs.push(`[api] ${line}`),
  });
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await api?.close();
  await lambda?.close();
  await sfn?.close();
  await ses?.close();
});

const ports = (): LocalPorts => ({ api: api.port, ses: ses.port, stepFunctions: sfn.port, lambda: lambda.port });
const sfnRequest = (target: string, body: string, headers: Record<string, string> = {}): string =>
  requestText('POST', '/', { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': target, ...headers }, body);
const sendEmailBody = JSON.stringify({
  FromEmailAddress: 'approvals@example.com',
  Destination: { ToAddresses: ['hardening@example.com'] },
  Content: { Simple: { Subject: { Data: 'Hardening' }, Body: { Text: { Data: 'Hardening' } } } },
});
const STAND_IN_INVOKE = '/2015-03-31/functions/stand-in/invocations';

describe('1. tokens in logs', () => {
  it('no server logs a token that arrives in any part of a request line, on any port, nor one in X-Amzn-RequestId', async () => {
    const token = realisticTaskToken(900, 12);
    const sent = await sendTokenEveryWay(ports(), token);
    const accessLog = logs.filter((line) => line.startsWith('[api] ')).map((line) => JSON.parse(line.slice(6)) as Record<string, string>);
    const written = logs.join('\n');

    // Not vacuous: each request addressed to the API is in its access log (one of the misdirected ones is not).
    expect(sent).toBeGreaterThan(150);
    expect(accessLog.length).toBeGreaterThanOrEqual(tokenRequestTargets(token, api.port).length + 8);
    for (const [what, text] of [
      ['the token', token],
      ['the token, URL-encoded', encodeURIComponent(token)],
      ['the token, URL-encoded twice', encodeURIComponent(encodeURIComponent(token))],
      ['its first 32 characters', token.slice(0, 32)],
      ['its first 32 characters, URL-encoded', encodeURIComponent(token).slice(0, 32)],
    ] as const) {
      expect({ what, found: written.includes(text) }).toEqual({ what, found: false });
    }
    // A route's template, or "-" for no route; never the path the client sent.
    expect([...new Set(accessLog.map((entry) => entry.resourcePath))].sort()).toEqual(['-', '/fail', '/succeed']);
    // An X-Amzn-RequestId that is not a UUID is replaced in the access log, as API Gateway does.
    const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
    expect(accessLog.filter((entry) => !new RegExp(`^${uuid}(_REPLACED_INVALID_REQUEST_ID)?$`).test(entry.requestId ?? ''))).toEqual([]);
    expect(accessLog.some((entry) => entry.requestId?.endsWith('_REPLACED_INVALID_REQUEST_ID'))).toBe(true);
  });
});

describe('2. Host and Origin', () => {
  /** One request per endpoint that would read data, with its path and what its answer holds. */
  const reads = (): ReadonlyArray<readonly [string, number, (host: string, extra?: Record<string, string>) => string, string]> => [
    [
      'API',
      api.port,
      (host, extra) => requestText('GET', '/respond/succeed?taskToken=abc', { Host: host, ...extra }),
      'This link is not valid',
    ],
    ['SES inbox page', ses.port, (host, extra) => requestText('GET', '/', { Host: host, ...extra }), 'Local inbox'],
    ['SES store', ses.port, (host, extra) => requestText('GET', '/store', { Host: host, ...extra }), '"emails"'],
    [
      'Step Functions',
      sfn.port,
      (host, extra) => sfnRequest('AWSStepFunctions.ListActivities', '{}', { Host: host, ...extra }),
      '"activities"',
    ],
    ['Lambda', lambda.port, (host, extra) => requestText('POST', STAND_IN_INVOKE, { Host: host, ...extra }, '{"probe":true}'), '"echoed"'],
  ];

  it('each server answers a request addressed to another site (DNS rebinding) with a short 4xx and no data', async () => {
    for (const [name, port, request, data] of reads()) {
      for (const host of [`evil.example:${port}`, 'evil.example', `127.0.0.1.nip.io:${port}`, `127.0.0.1:${port + 1}`, '']) {
        const answer = await rawRequest(port, request(host));
        expect({ name, host, status: answer?.status, leaks: answer?.body.includes(data) }).toEqual({
          name,
          host,
          status: 421,
          leaks: false,
        });
      }
      // HTTP/1.0 allows a request without Host at all.
      const noHost = await rawRequest(port, `GET / HTTP/1.0\r\n\r\n`);
      expect({ name, status: noHost?.status }).toEqual({ name, status: 421 });
    }
    expect(standInCalls).toEqual([]);
  });

  it('each server answers requests addressed to 127.0.0.1 or localhost and its port', async () => {
    for (const [name, port, request, data] of reads()) {
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
        const answer = await rawRequest(port, request(host));
        expect({ name, host, served: answer?.body.includes(data) }).toEqual({ name, host, served: true });
      }
    }
  });

  it("SES's inner server answers only the front: a request straight to it gets a 403 and no data", async () => {
    for (const host of [`127.0.0.1:${innerSesPort}`, `localhost:${innerSesPort}`, `evil.example:${innerSesPort}`]) {
      for (const request of [
        requestText('GET', '/store', { Host: host }),
        requestText(
          'POST',
          '/v2/email/outbound-emails',
          { Host: host, Authorization: 'AWS4-HMAC-SHA256 x', 'Content-Type': 'application/json' },
          sendEmailBody,
        ),
      ]) {
        const answer = await rawRequest(innerSesPort, request);
        expect({ host, status: answer?.status, leaks: /emails|MessageId/.test(answer?.body ?? '') }).toEqual({
          host,
          status: 403,
          leaks: false,
        });
      }
    }
  });

  it('the SDK clients and a fetch of each endpoint URL still get through', async () => {
    const sfnClient = new SFNClient({ endpoint: sfn.url, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    const sesClient = new SESv2Client({ endpoint: ses.url, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    const lambdaClient = new LambdaClient({ endpoint: lambda.url, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
    clients.push(sfnClient, sesClient, lambdaClient);

    expect((await sfnClient.send(new ListActivitiesCommand({}))).activities).toEqual([]);
    const { MessageId } = await sesClient.send(new SendEmailCommand(JSON.parse(sendEmailBody) as never));
    const store = (await (await fetch(`${ses.url}/store`)).json()) as { emails: Array<{ messageId: string }> };
    const invoked = await lambdaClient.send(
      new InvokeCommand({ FunctionName: 'stand-in', Payload: new TextEncoder().encode('{"sdk":1}') }),
    );
    const page = await fetch(`${api.url}/succeed?taskToken=abc`);

    expect(store.emails.map((email) => email.messageId)).toContain(MessageId);
    expect(JSON.parse(new TextDecoder().decode(invoked.Payload))).toEqual({ echoed: { sdk: 1 } });
    expect(page.status).toBe(400);
  });

  it('no server allows another origin (no Access-Control-Allow-Origin, no reflected Origin), and the APIs refuse what a page elsewhere sends', async () => {
    const origin = 'http://evil.example';
    standInCalls.length = 0;
    const answers: Array<readonly [string, RawAnswer | undefined]> = [];
    for (const [name, port, request] of reads()) {
      const host = `127.0.0.1:${port}`;
      answers.push([`${name}: the request from ${origin}`, await rawRequest(port, request(host, { Origin: origin }))]);
      answers.push([`${name}: the same, from a sandboxed frame`, await rawRequest(port, request(host, { Origin: 'null' }))]);
      const preflight = requestText('OPTIONS', '/', {
        Host: host,
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,x-amz-target,authorization',
      });
      answers.push([`${name}: a preflight`, await rawRequest(port, preflight)]);
    }
    for (const [what, answer] of answers) {
      const allowing = Object.keys(answer?.headers ?? {}).filter((header) => header.startsWith('access-control-'));
      expect({ what, answered: answer !== undefined, allowing }).toEqual({ what, answered: true, allowing: [] });
    }
    // The AWS APIs (not the approval API, which AWS serves to any page) refuse a cross-origin request before running it.
    const refused = answers.filter(([what]) => !what.startsWith('API') && !what.includes('preflight'));
    expect(refused.map(([what, answer]) => [what, answer?.status])).toEqual(refused.map(([what]) => [what, 403]));
    expect(standInCalls).toEqual([]);
    // The server's own origin may send anything.
    const own = await rawRequest(
      sfn.port,
      sfnRequest('AWSStepFunctions.ListActivities', '{}', { Host: `127.0.0.1:${sfn.port}`, Origin: sfn.url }),
    );
    expect(own?.status).toBe(200);
  });
});

describe('an answer given before the body has arrived reaches a client that keeps sending', () => {
  const MB = 1024 * 1024;
  type Server = 'SES' | "SES's inner server" | 'Lambda' | 'Step Functions' | 'API';
  const portOf = (server: Server): number =>
    ({ SES: ses.port, "SES's inner server": innerSesPort, Lambda: lambda.port, 'Step Functions': sfn.port, API: api.port })[server];
  /** The start of a request that would be served, with a chunked body to follow. */
  const SES_SEND = {
    target: '/v2/email/outbound-emails',
    headers: { Authorization: 'AWS4-HMAC-SHA256 Credential=local', 'Content-Type': 'application/json' },
  };
  const served: Record<Server, { readonly target: string; readonly headers: Readonly<Record<string, string>> }> = {
    SES: SES_SEND,
    "SES's inner server": SES_SEND,
    Lambda: { target: STAND_IN_INVOKE, headers: {} },
    'Step Functions': {
      target: '/',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'AWSStepFunctions.ListActivities' },
    },
    API: { target: '/respond/succeed?taskToken=abc', headers: {} },
  };
  /** The start of a request that would be served, with a chunked body to follow. */
  const chunkedHead = (server: Server, headers: Record<string, string>): string => {
    const all = { Host: `127.0.0.1:${portOf(server)}`, ...served[server].headers, ...headers, 'Transfer-Encoding': 'chunked' };
    return `POST ${served[server].target} HTTP/1.1\r\n${Object.entries(all)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')}\r\n`;
  };
  const anotherSite = (server: Server): Record<string, string> => ({ Host: `evil.example:${portOf(server)}` });

  it.each<readonly [Server, string, number, (server: Server) => Record<string, string>, number]>([
    ['SES', 'addressed to another site', 421, anotherSite, 8 * MB],
    ['SES', 'from a page of another origin', 403, () => ({ Origin: 'http://evil.example' }), 8 * MB],
    ['SES', 'larger than 25 MB', 413, () => ({}), 64 * MB],
    ["SES's inner server", 'sent past the front', 403, () => ({}), 8 * MB],
    ['Lambda', 'addressed to another site', 421, anotherSite, 8 * MB],
    ['Lambda', 'larger than 6 MB', 413, () => ({}), 32 * MB],
    ['Step Functions', 'addressed to another site', 421, anotherSite, 8 * MB],
    ['Step Functions', 'larger than 4 MB', 400, () => ({}), 32 * MB],
    ['API', 'addressed to another site', 421, anotherSite, 8 * MB],
  ])(
    '%s: a chunked upload %s gets its %i answer and an orderly close, and is read no further',
    async (server, _what, status, headers, offered) => {
      const outcome = await uploadWithoutWaiting(portOf(server), chunkedHead(server, headers(server)), offered);

      expect({ status: outcome.answer.slice(0, 12), closedBy: outcome.closedBy }).toEqual({
        status: `HTTP/1.1 ${status}`,
        closedBy: 'end',
      });
      expect(outcome.sentWhenClosed).toBeLessThan(offered);
    },
  );
});

/**
 * Sends `head` and a chunked body to 127.0.0.1:`port` as long as the server reads it, and never ends
 * nor closes its own side, not even after the server has ended its side. Resolves with the answer's
 * status line and how long after the answer the server dropped the connection (Infinity when it was
 * still open after `waitMs`).
 */
function uploadAndNeverClose(
  port: number,
  head: string,
  waitMs: number,
): Promise<{ readonly status: string; readonly droppedAfterMs: number }> {
  const data = Buffer.alloc(64 * 1024, 'a');
  const chunk = Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
  return new Promise((resolve) => {
    let answer = '';
    let answeredAt: number | undefined;
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => {
      socket.write(head);
      const write = (): void => {
        while (!socket.destroyed && socket.writable) {
          if (!socket.write(chunk)) {
            socket.once('drain', write);
            return;
          }
        }
      };
      write();
    });
    socket.on('data', (received: Buffer) => {
      answer += received.toString('latin1');
      answeredAt ??= Date.now();
    });
    socket.on('error', () => undefined);
    const settle = (droppedAfterMs: number): void => resolve({ status: answer.slice(0, 12), droppedAfterMs });
    socket.on('close', () => settle(Date.now() - (answeredAt ?? Number.NaN)));
    setTimeout(() => {
      settle(Number.POSITIVE_INFINITY);
      socket.destroy();
    }, waitMs).unref();
  });
}

describe('a connection whose refused request is never finished is dropped soon after the answer', () => {
  // Its own server, with the default time limit for a request, so that this limit does not close the connection first.
  let ownLambda: LocalLambda;
  beforeAll(async () => {
    ownLambda = await startLocalLambda({ port: 0, region: LOCAL_REGION, accountId: LOCAL_ACCOUNT });
  });
  afterAll(async () => {
    await ownLambda?.close();
  });

  it('a chunked upload addressed to another site, whose client never closes its side, is dropped within a few seconds', async () => {
    const head = `POST ${STAND_IN_INVOKE} HTTP/1.1\r\nHost: evil.example:${ownLambda.port}\r\nTransfer-Encoding: chunked\r\n\r\n`;

    const { status, droppedAfterMs } = await uploadAndNeverClose(ownLambda.port, head, 8_000);

    // Dropped 2 s after the answer; the request's own time limit (10 s) would come later.
    expect(status).toBe('HTTP/1.1 421');
    expect(droppedAfterMs).toBeLessThan(5_000);
  });
});

describe('4. short errors in each protocol, promptly', () => {
  type Service = 'Step Functions' | 'SES' | 'Lambda' | 'API';
  interface Case {
    readonly request: string | Buffer;
    /** Half-close after writing: the body is cut short. */
    readonly cutShort?: boolean;
  }
  const port = (service: Service): number => ({ 'Step Functions': sfn.port, SES: ses.port, Lambda: lambda.port, API: api.port })[service];
  const host = (service: Service): string => `127.0.0.1:${port(service)}`;
  const withHost = (service: Service, text: string): string => text.replace('\r\n', `\r\nHost: ${host(service)}\r\n`);
  const stalled = (service: Service, method: string, target: string, headers: Record<string, string> = {}): string =>
    withHost(
      service,
      `${method} ${target} HTTP/1.1\r\n${Object.entries({ ...headers, 'Content-Length': '100' })
        .map(([n, v]) => `${n}: ${v}\r\n`)
        .join('')}\r\n{"a":`,
    );
  /** The request with its body replaced by `{"a":"` 0xFF 0xFE `"}`: bytes that are not UTF-8. */
  const nonUtf8 = (text: string): Buffer => {
    const [head = ''] = text.split('\r\n\r\n');
    const body = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
    return Buffer.concat([Buffer.from(`${head.replace(/Content-Length: \d+/, `Content-Length: ${body.length}`)}\r\n\r\n`), body]);
  };
  const hugeHeaders = (service: Service): string => withHost(service, requestText('GET', '/', { 'X-Padding': 'p'.repeat(20_000) }));
  const malformed = (service: Service): string => `GET /a b c HTTP/1.1\r\nHost: ${host(service)}\r\n\r\n`;

  const cases = (): ReadonlyArray<readonly [Service, string, Case]> => {
    const sfnCall = (target: string, body: string, contentType = 'application/x-amz-json-1.0'): string =>
      withHost('Step Functions', requestText('POST', '/', { 'Content-Type': contentType, 'X-Amz-Target': target }, body));
    const sesSend = (body: string, contentType = 'application/json', path = '/v2/email/outbound-emails'): string =>
      withHost('SES', requestText('POST', path, { Authorization: 'AWS4-HMAC-SHA256 Credential=local', 'Content-Type': contentType }, body));
    const invoke = (body: string, headers: Record<string, string> = {}, path = STAND_IN_INVOKE): string =>
      withHost('Lambda', requestText('POST', path, headers, body));
    return [
      ['Step Functions', 'bad JSON', { request: sfnCall('AWSStepFunctions.DescribeExecution', `{"executionArn": "${MARKER}`) }],
      ['Step Functions', 'a JSON array', { request: sfnCall('AWSStepFunctions.ListActivities', '[]') }],
      ['Step Functions', 'a wrong content type', { request: sfnCall('AWSStepFunctions.ListActivities', '{}', 'text/plain') }],
      [
        'Step Functions',
        'no X-Amz-Target',
        { request: withHost('Step Functions', requestText('POST', '/', { 'Content-Type': 'application/x-amz-json-1.0' }, '{}')) },
      ],
      ['Step Functions', 'an unknown operation', { request: sfnCall('AWSStepFunctions.MakeCoffee', '{}') }],
      ['Step Functions', 'markup as operation', { request: sfnCall(`<script>${MARKER}</script>`, '{}') }],
      ['Step Functions', 'non-UTF-8 bytes', { request: nonUtf8(sfnCall('AWSStepFunctions.ListActivities', '{"a":"12345"}')) }],
      ['Step Functions', 'a body on GET', { request: withHost('Step Functions', requestText('GET', '/', {}, '{}')) }],
      ['Step Functions', 'huge headers', { request: hugeHeaders('Step Functions') }],
      ['Step Functions', 'a malformed request line', { request: malformed('Step Functions') }],
      [
        'Step Functions',
        'a body that never arrives',
        { request: stalled('Step Functions', 'POST', '/', { 'X-Amz-Target': 'AWSStepFunctions.ListActivities' }) },
      ],
      [
        'Step Functions',
        'a body cut short',
        { request: stalled('Step Functions', 'POST', '/', { 'X-Amz-Target': 'AWSStepFunctions.ListActivities' }), cutShort: true },
      ],
      ['SES', 'bad JSON', { request: sesSend(`{"FromEmailAddress": "${MARKER}`) }],
      ['SES', 'a JSON array', { request: sesSend('[]') }],
      ['SES', 'a request missing its fields', { request: sesSend('{}') }],
      ['SES', 'a wrong content type', { request: sesSend(sendEmailBody, 'text/plain') }],
      ['SES', 'non-UTF-8 bytes', { request: nonUtf8(sesSend('{"a":"12345"}')) }],
      ['SES', 'an unknown route', { request: withHost('SES', requestText('GET', `/${MARKER}`, {})) }],
      ['SES', 'an SES v1 action', { request: sesSend(`{"Action":"${MARKER}"}`, 'application/json', '/') }],
      ['SES', 'a body on GET of an unknown route', { request: withHost('SES', requestText('GET', '/nope', {}, '{')) }],
      ['SES', 'huge headers', { request: hugeHeaders('SES') }],
      ['SES', 'a malformed request line', { request: malformed('SES') }],
      [
        'SES',
        'a body that never arrives',
        { request: stalled('SES', 'POST', '/v2/email/outbound-emails', { 'Content-Type': 'application/json' }) },
      ],
      [
        'SES',
        'a body cut short',
        { request: stalled('SES', 'POST', '/v2/email/outbound-emails', { 'Content-Type': 'application/json' }), cutShort: true },
      ],
      ['Lambda', 'bad JSON', { request: invoke(`${MARKER} is not JSON`) }],
      ['Lambda', 'non-UTF-8 bytes', { request: nonUtf8(invoke('{"a":"12345"}')) }],
      ['Lambda', 'an unknown path', { request: withHost('Lambda', requestText('POST', `/${MARKER}`, {}, '{}')) }],
      ['Lambda', 'a wrong method', { request: withHost('Lambda', requestText('GET', STAND_IN_INVOKE, {})) }],
      ['Lambda', 'a hostile function name', { request: invoke('{}', {}, `/2015-03-31/functions/${MARKER}%3Cb%3E/invocations`) }],
      ['Lambda', 'a hostile invocation type', { request: invoke('{}', { 'X-Amz-Invocation-Type': MARKER }) }],
      ['Lambda', 'huge headers', { request: hugeHeaders('Lambda') }],
      ['Lambda', 'a malformed request line', { request: malformed('Lambda') }],
      ['Lambda', 'a body that never arrives', { request: stalled('Lambda', 'POST', STAND_IN_INVOKE) }],
      ['Lambda', 'a body cut short', { request: stalled('Lambda', 'POST', STAND_IN_INVOKE), cutShort: true }],
      ['API', 'an unknown route', { request: withHost('API', requestText('GET', `/respond/${MARKER}`, {})) }],
      ['API', 'huge headers', { request: hugeHeaders('API') }],
      ['API', 'a malformed request line', { request: malformed('API') }],
      ['API', 'a body that never arrives', { request: stalled('API', 'GET', '/respond/succeed?taskToken=abc') }],
      ['API', 'a body cut short', { request: stalled('API', 'GET', '/respond/succeed?taskToken=abc'), cutShort: true }],
    ];
  };

  /** Whether the answer is an error in the service's protocol, with nothing in it but a short message. */
  function shapeProblem(service: Service, answer: RawAnswer): string | undefined {
    if (service === 'API' && /^text\/html/.test(answer.headers['content-type'] ?? '')) {
      // The stage's own gateway responses: the pages a person sees for a bad link.
      return answer.body.includes('<h1') ? undefined : 'an HTML answer that is not a gateway page';
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(answer.body) as Record<string, unknown>;
    } catch {
      return `not JSON: ${answer.body.slice(0, 80)}`;
    }
    const keys = Object.keys(body).sort().join(',');
    if (service === 'Step Functions') {
      if (!answer.headers['content-type']?.startsWith('application/x-amz-json-1.0')) return 'not application/x-amz-json-1.0';
      return keys === '__type,message' && typeof body.__type === 'string' ? undefined : `body keys ${keys}`;
    }
    if (!/^\w+$/.test(answer.headers['x-amzn-errortype'] ?? '')) return 'no x-amzn-ErrorType';
    if (service === 'Lambda') return keys === 'Message,Type' ? undefined : `body keys ${keys}`;
    return keys === 'message' ? undefined : `body keys ${keys}`;
  }

  it('every endpoint answers every malformed request at once with a short error in its protocol, never a stack trace or a path', async () => {
    const consoleError = jest.spyOn(console, 'error');
    const results = await Promise.all(
      cases().map(async ([service, label, { request, cutShort }]) => {
        const answer = await rawRequest(port(service), request, { waitMs: PROMPT_MS, endAfterWrite: cutShort });
        if (answer === undefined) return { service, label, problem: `no answer within ${PROMPT_MS} ms` };
        // A body cut short leaves nothing to answer: closing at once is right too.
        if (cutShort && answer.status === 0) return { service, label, problem: undefined };
        if (answer.status < 400 || answer.status > 499) return { service, label, problem: `status ${answer.status}` };
        if (/\n\s+at |node_modules|\/work\/|\/home\/|<pre>|Error:/.test(answer.body))
          return { service, label, problem: 'a stack trace or a path' };
        if (answer.body.includes(MARKER)) return { service, label, problem: 'quotes the request' };
        return { service, label, problem: shapeProblem(service, answer) };
      }),
    );
    const problems = results.filter((result) => result.problem !== undefined);

    expect(results.length).toBeGreaterThan(35);
    expect(problems).toEqual([]);
    // Client errors are no failure of the endpoint's: not logged as one, and no stack trace anywhere.
    expect(logs.filter((line) => /internal error|\n\s+at /.test(line))).toEqual([]);
    expect(consoleError).not.toHaveBeenCalled();
    consoleError.mockRestore();
  });

  it('after all that, each endpoint still serves', async () => {
    const served = await Promise.all([
      rawRequest(sfn.port, sfnRequest('AWSStepFunctions.ListActivities', '{}', { Host: host('Step Functions') })),
      rawRequest(ses.port, requestText('GET', '/store', { Host: host('SES') })),
      rawRequest(lambda.port, requestText('POST', STAND_IN_INVOKE, { Host: host('Lambda') }, '{}')),
      rawRequest(api.port, requestText('GET', '/respond/succeed?taskToken=abc', { Host: host('API') })),
    ]);
    expect(served.map((answer) => answer?.status)).toEqual([200, 200, 200, 400]);
  });
});
