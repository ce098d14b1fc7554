import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import startSesServer from 'aws-ses-v2-local';
import { addedLatency, checkedLatencyMs } from '../added-latency';
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

/**
 * SES v2 on loopback (aws-ses-v2-local): SendEmail stores the message instead of sending it. A thin
 * front on the public port serves the inbox page (inbox-page.ts), answers SendEmail with a fault
 * while one is set (faults.ts), and forwards everything else, `GET /store` included.
 */
export async function startLocalSes(options: LocalSesOptions = {}): Promise<LocalSes> {
  const host = options.host ?? DEFAULT_LOCAL_HOST;
  let latencyMs = checkedLatencyMs('latencyMs', options.latencyMs);
  const inner = await startSesServer({ host: '127.0.0.1', port: 0 });
  const innerPort = (inner.address() as AddressInfo).port;
  let fault: SesFault | undefined;

  // aws-ses-v2-local keeps one store per process; this front shows only the emails sent through it,
  // so several local stacks in one process (tests) each see their own inbox.
  const sentHere = new Set<string>();
  const sentLog: Array<{ messageId: string; to: string[]; acceptedAt: number }> = [];

  const forward = (
    request: http.IncomingMessage,
    onAnswer: (status: number, headers: http.IncomingHttpHeaders, body: Buffer) => void,
    fail: () => void,
  ): void => {
    const forwarded = http.request(
      { host: '127.0.0.1', port: innerPort, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => onAnswer(answer.statusCode ?? 502, answer.headers, Buffer.concat(chunks)));
      },
    );
    forwarded.on('error', fail);
    request.pipe(forwarded);
  };

  const serve = (request: http.IncomingMessage, response: http.ServerResponse, url: URL): void => {
    const fail = (): void => {
      if (!response.headersSent) response.writeHead(502);
      response.end();
    };
    const reply = (status: number, headers: http.IncomingHttpHeaders, body: Buffer | string): void => {
      const { 'content-length': _length, 'transfer-encoding': _encoding, ...rest } = headers;
      response.writeHead(status, { ...rest, 'content-length': Buffer.byteLength(body) });
      response.end(body);
    };

    if (request.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) {
      reply(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, INBOX_PAGE);
      return;
    }
    if (request.method === 'POST' && url.pathname === SEND_EMAIL_PATH) {
      if (fault !== undefined) {
        const answer = FAULT_ANSWERS[fault];
        request.resume();
        reply(
          answer.status,
          { 'content-type': 'application/json', 'x-amzn-errortype': answer.type },
          JSON.stringify({ message: answer.message }),
        );
        return;
      }
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      forward(
        request,
        (status, headers, body) => {
          if (status === 200) {
            const { MessageId } = JSON.parse(body.toString('utf8') || '{}') as { MessageId?: string };
            if (MessageId) {
              sentHere.add(MessageId);
              const sentRequest = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
                Destination?: { ToAddresses?: string[] };
              };
              sentLog.push({ messageId: MessageId, to: sentRequest.Destination?.ToAddresses ?? [], acceptedAt: Date.now() });
            }
          }
          reply(status, headers, body);
        },
        fail,
      );
      return;
    }
    if (request.method === 'GET' && url.pathname === '/store') {
      forward(
        request,
        (status, headers, body) => {
          if (status !== 200) return reply(status, headers, body);
          const store = JSON.parse(body.toString('utf8')) as { emails: Array<{ messageId: string }> };
          reply(status, headers, JSON.stringify({ ...store, emails: store.emails.filter((email) => sentHere.has(email.messageId)) }));
        },
        fail,
      );
      return;
    }
    if (request.method === 'POST' && url.pathname === '/clear-store') {
      request.resume();
      sentHere.clear();
      reply(200, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Store cleared' }));
      return;
    }
    if (url.pathname === '/get-emlContent' && !sentHere.has(url.searchParams.get('messageId') ?? '')) {
      request.resume();
      reply(400, { 'content-type': 'application/json' }, JSON.stringify({ message: 'Email not found within the store' }));
      return;
    }
    forward(request, reply, fail);
  };

  const front = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (latencyMs === 0 || !url.pathname.startsWith(SES_API_PREFIX)) {
      serve(request, response, url);
      return;
    }
    // The body is not read during the wait: with no reader attached the request stays paused and
    // keeps its bytes for serve().
    void addedLatency(latencyMs).then(() => serve(request, response, url));
  });

  let port: number;
  try {
    port = await listen(front, options.port ?? DEFAULT_LOCAL_PORTS.ses, host);
  } catch (error) {
    await closeServer(inner);
    throw error;
  }
  return {
    url: `http://${host}:${port}`,
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
