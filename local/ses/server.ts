import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import startSesServer from 'aws-ses-v2-local';
import { addedLatency, checkedLatencyMs } from '../added-latency';
import {
  BodyTooLarge,
  closeGentlyIfUnread,
  createLocalServer,
  type ErrorShape,
  readRequestBody,
  REQUEST_TIMEOUT_MS,
  RequestAborted,
  urlHost,
  utf8Text,
} from '../http-guard';
import { DEFAULT_LOCAL_HOST, DEFAULT_LOCAL_PORTS } from '../ports';
import { FAULT_ANSWERS, type SesFault } from './faults';
import { INBOX_PAGE } from './inbox-page';

export interface LocalSes {
  /** Base URL: the SES v2 endpoint, with the inbox page at `/` and the sent emails at `/store`. */
  readonly url: string;
  readonly port: number;
  /** From now on answer every SendEmail with this fault; undefined sends normally again. */
  setFault(fault: SesFault | undefined): void;
  /** Changes the latency added to each SES API call from the next call on (see `latencyMs`). */
  setLatencyMs(ms: number): void;
  /** Every email stored through this SES, with the moment (ms since the epoch) it was accepted: for rate and latency checks. */
  sent(): ReadonlyArray<{ readonly messageId: string; readonly to: readonly string[]; readonly acceptedAt: number }>;
  close(): Promise<void>;
}

const SEND_EMAIL_PATH = '/v2/email/outbound-emails';
/** Where the SES v2 API lives; the rest (inbox page, `/store`) is this stand-in's own and takes no added latency. */
const SES_API_PREFIX = '/v2/';
/** The largest body read: aws-ses-v2-local's JSON parser takes up to 25 MB. */
const MAX_BODY_BYTES = 25 * 1024 * 1024;
/** How long the front waits for aws-ses-v2-local, which answers in milliseconds. */
const INNER_ANSWER_TIMEOUT_MS = 10_000;
/** The header by which aws-ses-v2-local knows a request comes from this front, with a secret of this process. */
const FRONT_HEADER = 'x-approval-local-ses-front';
/** A detail of aws-ses-v2-local worth passing on: a fixed sentence, not text quoted from the request. */
const PLAIN_DETAIL = /^[A-Za-z0-9 ,.;:()?!-]{1,200}$/;

export interface LocalSesOptions {
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** 0 picks a free port. @default DEFAULT_LOCAL_PORTS.ses */
  readonly port?: number;
  /**
   * Added to every SES API call (SendEmail and the rest, faults included) before it is answered, to
   * model the service's latency; the email is stored once it has passed. @default 0
   */
  readonly latencyMs?: number;
  /** How long a client may take to send a whole request; a request still unfinished then gets an error. @default REQUEST_TIMEOUT_MS (http-guard.ts) */
  readonly requestTimeoutMs?: number;
}

/** An answer of SES v2's REST-JSON protocol: the error type in x-amzn-ErrorType, `{"message": ...}` as body. */
const errorShape: ErrorShape = (_status, type, message) => ({
  headers: { 'content-type': 'application/json', 'x-amzn-errortype': type, 'x-amzn-requestid': randomUUID() },
  body: JSON.stringify({ message }),
});

/** A request the front answers with an error of its own, in SES v2's shape. */
class SesApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The error type of an aws-ses-v2-local error answer that names none. */
function errorTypeFor(status: number): string {
  if (status === 403) return 'MissingAuthenticationTokenException';
  if (status === 404) return 'NotFoundException';
  if (status >= 500) return 'InternalFailure';
  return 'BadRequestException';
}

/**
 * An error answer of aws-ses-v2-local in SES v2's shape. Its express app answers some errors as an
 * HTML page (with a stack trace) or as XML; only its own fixed sentences are passed on.
 */
function sesError(status: number, body: Buffer): SesApiError {
  let parsed: { message?: unknown; detail?: unknown; type?: unknown } = {};
  try {
    const value = JSON.parse(body.toString('utf8')) as unknown;
    if (typeof value === 'object' && value !== null) parsed = value;
  } catch {
    // Not JSON: nothing of it is passed on.
  }
  const type = typeof parsed.type === 'string' && /^\w{1,64}$/.test(parsed.type) ? parsed.type : errorTypeFor(status);
  const message = typeof parsed.message === 'string' && PLAIN_DETAIL.test(parsed.message) ? parsed.message : http.STATUS_CODES[status];
  const detail = typeof parsed.detail === 'string' ? parsed.detail.replace(/^aws-ses-v2-local: /, '') : '';
  return new SesApiError(status, type, PLAIN_DETAIL.test(detail) ? `${message ?? 'Error'}: ${detail}` : (message ?? 'Error'));
}

/** A JSON object from a request body, or the SES v2 error for what it is instead. */
function jsonObjectBody(request: http.IncomingMessage, body: Buffer): Record<string, unknown> {
  const contentType = (request.headers['content-type'] ?? 'application/json').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/json') throw new SesApiError(400, 'BadRequestException', 'Send the request body as application/json.');
  const text = utf8Text(body);
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch {
    // V8's parse error quotes the body (an email with its links), so it stays out of the answer.
    throw new SesApiError(400, 'BadRequestException', 'The request body is not valid UTF-8 JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SesApiError(400, 'BadRequestException', 'The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function sameSecret(presented: string | string[] | undefined, secret: string): boolean {
  if (typeof presented !== 'string' || presented.length !== secret.length) return false;
  return timingSafeEqual(Buffer.from(presented), Buffer.from(secret));
}

type ErrorMiddleware = (error: unknown, request: http.IncomingMessage, response: http.ServerResponse, next: () => void) => void;

/**
 * aws-ses-v2-local listens on loopback too, where any local web page could reach it: it now answers
 * only requests addressed to it that carry the front's secret, and answers its own failures in
 * SES v2's shape instead of express's page with a stack trace (written to stderr as well).
 */
function guardInnerServer(inner: http.Server, secret: string): void {
  const port = (inner.address() as AddressInfo).port;
  const listeners = inner.listeners('request') as Array<http.RequestListener & { use?: (handler: ErrorMiddleware) => void }>;
  const [app] = listeners;
  if (app === undefined || listeners.length !== 1) throw new Error('aws-ses-v2-local serves requests in a way this front does not know.');
  // Four parameters, or express does not take it for an error handler.
  app.use?.((error, _request, response, _next) => {
    const status = (error as { status?: unknown }).status;
    const code = typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const { headers, body } = errorShape(code, errorTypeFor(code), http.STATUS_CODES[code] ?? 'Error');
    response.writeHead(code, headers).end(body);
  });
  inner.removeAllListeners('request');
  inner.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    if (request.headers.host !== `127.0.0.1:${port}` || !sameSecret(request.headers[FRONT_HEADER], secret)) {
      const { headers, body } = errorShape(
        403,
        'AccessDeniedException',
        'Send SES requests to the local SES port, not to this internal one.',
      );
      closeGentlyIfUnread(request, response);
      response.writeHead(403, { ...headers, connection: 'close' }).end(body);
      return;
    }
    app(request, response);
  });
  inner.requestTimeout = REQUEST_TIMEOUT_MS;
  inner.headersTimeout = Math.min(inner.headersTimeout, REQUEST_TIMEOUT_MS);
}

/**
 * SES v2 on loopback (aws-ses-v2-local): SendEmail stores the message instead of sending it. A thin
 * front on the public port serves the inbox page (inbox-page.ts), answers SendEmail with a fault
 * while one is set (faults.ts), checks each request (addressed to it, from no other origin, a JSON
 * object as body) and passes the SES v2 API, `GET /store` and the stored messages on.
 */
export async function startLocalSes(options: LocalSesOptions = {}): Promise<LocalSes> {
  const host = options.host ?? DEFAULT_LOCAL_HOST;
  let latencyMs = checkedLatencyMs('latencyMs', options.latencyMs);
  const inner = await startSesServer({ host: '127.0.0.1', port: 0 });
  const innerPort = (inner.address() as AddressInfo).port;
  const secret = randomBytes(32).toString('hex');
  guardInnerServer(inner, secret);
  let fault: SesFault | undefined;

  // aws-ses-v2-local keeps one store per process; this front shows only the emails sent through it,
  // so several local stacks in one process (tests) each see their own inbox.
  const sentHere = new Set<string>();
  const sentLog: Array<{ messageId: string; to: string[]; acceptedAt: number }> = [];

  /** Passes a request on to aws-ses-v2-local, with only the headers it needs, and reads its whole answer. */
  const forward = (
    request: http.IncomingMessage,
    method: string,
    path: string,
    body: Buffer | undefined,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { host: `127.0.0.1:${innerPort}`, [FRONT_HEADER]: secret };
      if (request.headers.authorization !== undefined) headers.authorization = request.headers.authorization;
      if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': body.length });
      const forwarded = http.request({ host: '127.0.0.1', port: innerPort, method, path, headers }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => resolve({ status: answer.statusCode ?? 500, headers: answer.headers, body: Buffer.concat(chunks) }));
        answer.on('error', reject);
      });
      forwarded.setTimeout(INNER_ANSWER_TIMEOUT_MS, () => forwarded.destroy(new Error('aws-ses-v2-local did not answer in time')));
      forwarded.on('error', reject);
      forwarded.end(body);
    });

  const reply = (response: http.ServerResponse, status: number, headers: http.OutgoingHttpHeaders, body: Buffer | string): void => {
    if (response.destroyed || response.writableEnded) return;
    response.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
    response.end(body);
  };
  const replyError = (response: http.ServerResponse, error: SesApiError, close = false): void => {
    const { headers, body } = errorShape(error.status, error.type, error.message);
    reply(response, error.status, close ? { ...headers, connection: 'close' } : headers, body);
  };
  /** aws-ses-v2-local's answer: passed on when it succeeded, in SES v2's error shape when not. */
  const passOn = (response: http.ServerResponse, answer: { status: number; headers: http.IncomingHttpHeaders; body: Buffer }): void => {
    if (answer.status >= 400) throw sesError(answer.status, answer.body);
    reply(response, answer.status, { 'content-type': answer.headers['content-type'] ?? 'application/json' }, answer.body);
  };

  const serve = async (request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<void> => {
    const method = request.method ?? 'GET';
    const path = url.pathname;
    // The whole body first, whatever the route, so that every answer leaves the connection clean.
    const body = await readRequestBody(request, MAX_BODY_BYTES);

    if ((method === 'GET' || method === 'HEAD') && (path === '/' || path === '/index.html')) {
      reply(response, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, INBOX_PAGE);
      return;
    }
    if (method === 'POST' && path === SEND_EMAIL_PATH) {
      if (fault !== undefined) {
        const answer = FAULT_ANSWERS[fault];
        replyError(response, new SesApiError(answer.status, answer.type, answer.message));
        return;
      }
      const sendRequest = jsonObjectBody(request, body) as { Destination?: { ToAddresses?: unknown } };
      const answer = await forward(request, 'POST', SEND_EMAIL_PATH, body);
      if (answer.status === 200) {
        const { MessageId } = JSON.parse(answer.body.toString('utf8') || '{}') as { MessageId?: string };
        if (MessageId) {
          sentHere.add(MessageId);
          const to = sendRequest.Destination?.ToAddresses;
          sentLog.push({ messageId: MessageId, to: Array.isArray(to) ? to.map(String) : [], acceptedAt: Date.now() });
        }
      }
      passOn(response, answer);
      return;
    }
    if ((method === 'GET' || method === 'HEAD') && path === '/store') {
      // Without its query: this front lists what was sent through it, and nothing else.
      const answer = await forward(request, 'GET', '/store', undefined);
      if (answer.status !== 200) return passOn(response, answer);
      const store = JSON.parse(answer.body.toString('utf8')) as { emails: Array<{ messageId: string }> };
      const emails = store.emails.filter((email) => sentHere.has(email.messageId));
      reply(
        response,
        200,
        { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
        JSON.stringify({ ...store, emails }),
      );
      return;
    }
    if (method === 'POST' && path === '/clear-store') {
      sentHere.clear();
      reply(response, 200, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Store cleared' }));
      return;
    }
    if (method === 'GET' && path === '/get-emlContent') {
      const ids = url.searchParams.getAll('messageId');
      const [messageId] = ids;
      if (ids.length !== 1 || messageId === undefined || !sentHere.has(messageId)) {
        throw new SesApiError(400, 'BadRequestException', 'Email not found within the store');
      }
      passOn(response, await forward(request, 'GET', `/get-emlContent?messageId=${encodeURIComponent(messageId)}`, undefined));
      return;
    }
    if (path.startsWith(SES_API_PREFIX) || (method === 'GET' && path === '/health-check')) {
      const withBody = method !== 'GET' && method !== 'HEAD' && body.length > 0;
      if (withBody) jsonObjectBody(request, body);
      passOn(response, await forward(request, method, `${path}${url.search}`, withBody ? body : undefined));
      return;
    }
    throw new SesApiError(
      404,
      'UnknownOperationException',
      'This local SES serves the SES v2 API under /v2/, the inbox page at / and GET /store.',
    );
  };

  const answer = (request: http.IncomingMessage, response: http.ServerResponse, url: URL): void => {
    serve(request, response, url).catch((error: unknown) => {
      if (error instanceof SesApiError) replyError(response, error);
      else if (error instanceof BodyTooLarge) replyError(response, new SesApiError(413, 'BadRequestException', error.message), true);
      // A client that went away mid-request gets nothing.
      else if (!(error instanceof RequestAborted)) {
        replyError(response, new SesApiError(500, 'InternalFailure', 'The local SES could not answer this request; try again.'));
      }
    });
  };

  const front = createLocalServer(
    { host, errorShape, sameOriginOnly: true, requestTimeoutMs: options.requestTimeoutMs },
    (request, response) => {
      let url: URL;
      try {
        url = new URL(request.url ?? '/', 'http://localhost');
      } catch {
        replyError(response, new SesApiError(400, 'BadRequestException', 'The request target is not a valid path.'), true);
        return;
      }
      if (latencyMs === 0 || !url.pathname.startsWith(SES_API_PREFIX)) {
        answer(request, response, url);
        return;
      }
      // The body is not read during the wait: with no reader attached the request stays paused and
      // keeps its bytes for serve().
      void addedLatency(latencyMs).then(() => answer(request, response, url));
    },
  );

  let port: number;
  try {
    port = await listen(front, options.port ?? DEFAULT_LOCAL_PORTS.ses, host);
  } catch (error) {
    await closeServer(inner);
    throw error;
  }
  return {
    url: `http://${urlHost(host)}:${port}`,
    port,
    setFault: (next) => {
      fault = next;
    },
    setLatencyMs: (ms) => {
      latencyMs = checkedLatencyMs('latencyMs', ms);
    },
    sent: () => sentLog,
    close: async () => {
      await closeServer(front);
      await closeServer(inner);
    },
  };
}
