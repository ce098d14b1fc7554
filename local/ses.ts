import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import startSesServer from 'aws-ses-v2-local';
import { INBOX_PAGE } from './inbox-page';

/**
 * Faults the local SES can be told to answer SendEmail with, as real SES does:
 * `throttled` (TooManyRequestsException, "Maximum sending rate exceeded"), `unavailable` (a 503),
 * `rejected` (MessageRejected).
 */
export type SesFault = 'throttled' | 'unavailable' | 'rejected';

export interface LocalSes {
  /** Base URL: the SES v2 endpoint, with the inbox page at `/` and the sent emails at `/store`. */
  readonly url: string;
  readonly port: number;
  /** From now on answer every SendEmail with this fault; undefined sends normally again. */
  setFault(fault: SesFault | undefined): void;
  close(): Promise<void>;
}

/** One email as `GET /store` lists it. */
export interface StoredEmail {
  readonly messageId: string;
  readonly from: string;
  readonly destination: { readonly to: readonly string[] };
  readonly subject: string;
  readonly body: { readonly html?: string; readonly text?: string };
  /** Seconds since the epoch. */
  readonly at: number;
}

const FAULT_ANSWERS: Readonly<Record<SesFault, { status: number; type: string; message: string }>> = {
  throttled: { status: 429, type: 'TooManyRequestsException', message: 'Maximum sending rate exceeded.' },
  unavailable: { status: 503, type: 'ServiceUnavailable', message: 'Service unavailable (fault injected by the local mode).' },
  rejected: { status: 400, type: 'MessageRejected', message: 'Email rejected (fault injected by the local mode).' },
};

const SEND_EMAIL_PATH = '/v2/email/outbound-emails';

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
 * front on the public port serves the inbox page (local/inbox-page.ts), answers SendEmail with a
 * fault while one is set, and forwards everything else, `GET /store` included.
 */
export async function startLocalSes(options: { host?: string; port?: number } = {}): Promise<LocalSes> {
  const host = options.host ?? '127.0.0.1';
  const inner = await startSesServer({ host: '127.0.0.1', port: 0 });
  const innerPort = (inner.address() as AddressInfo).port;
  let fault: SesFault | undefined;

  const front = http.createServer((request, response) => {
    if (request.method === 'GET' && (request.url === '/' || request.url === '/index.html')) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(INBOX_PAGE);
      return;
    }
    if (fault !== undefined && request.method === 'POST' && request.url?.startsWith(SEND_EMAIL_PATH)) {
      const answer = FAULT_ANSWERS[fault];
      request.resume();
      response.writeHead(answer.status, { 'content-type': 'application/json', 'x-amzn-errortype': answer.type });
      response.end(JSON.stringify({ message: answer.message }));
      return;
    }
    const forwarded = http.request(
      { host: '127.0.0.1', port: innerPort, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on('error', () => {
      if (!response.headersSent) response.writeHead(502);
      response.end();
    });
    request.pipe(forwarded);
  });

  let port: number;
  try {
    port = await listen(front, options.port ?? 8005, host);
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
    close: async () => {
      await closeServer(front);
      await closeServer(inner);
    },
  };
}

/** The emails the local SES has stored, oldest first. */
export async function fetchStoredEmails(sesUrl: string): Promise<StoredEmail[]> {
  const response = await fetch(`${sesUrl}/store`);
  if (!response.ok) throw new Error(`GET ${sesUrl}/store answered ${response.status}`);
  const { emails } = (await response.json()) as { emails: StoredEmail[] };
  return emails;
}
