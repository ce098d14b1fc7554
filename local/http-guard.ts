import * as http from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * What every local server shares: it answers only requests addressed to it, refuses what a web page
 * of another origin sends it, reads a request within a time limit, answers a client's mistake in
 * its own protocol's error shape, never with a stack trace, and closes a connection it stops reading
 * in a way that lets the client read the answer.
 */

/** An error answer in one endpoint's protocol: the HTTP status, the error type and a short message. */
export type ErrorShape = (
  status: number,
  type: string,
  message: string,
) => { readonly headers: Readonly<Record<string, string>>; readonly body: string };

/** How long a client may take to send a whole request, headers and body, on loopback. */
export const REQUEST_TIMEOUT_MS = 10_000;
const HEADERS_TIMEOUT_MS = 5_000;

export interface LocalServerOptions {
  /** The address the server listens on (APPROVAL_LOCAL_HOST): one of the names a request may be addressed to. */
  readonly host: string;
  readonly errorShape: ErrorShape;
  /**
   * Refuse a request that names another origin in its Origin header: one a web page elsewhere sent.
   * Not for the approval API, which AWS serves to every origin.
   */
  readonly sameOriginOnly: boolean;
  /** @default REQUEST_TIMEOUT_MS */
  readonly requestTimeoutMs?: number;
}

/**
 * A request this server does not serve, and the answer it gets instead. The error types of these
 * answers are this stand-in's own: AWS endpoints are not reached under other names or from web pages.
 */
interface Refusal {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

/** `127.0.0.1`, `[::1]`: a host as it appears in a Host header or a URL. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * The Host values a request for this server may carry: its listening address and the loopback names
 * a developer reaches it by. A page of another site that resolves its own name to 127.0.0.1 (DNS
 * rebinding) still sends its own name, so it is refused.
 */
function acceptedHosts(listenHost: string, port: number): ReadonlySet<string> {
  const names = new Set([urlHost(listenHost).toLowerCase(), 'localhost', '127.0.0.1', '[::1]']);
  // A browser leaves out the scheme's default port.
  return new Set([...names].flatMap((name) => (port === 80 ? [`${name}:80`, name] : [`${name}:${port}`])));
}

/** Why a request must not be served here, or undefined when it may be. */
function refusalOf(request: http.IncomingMessage, options: Pick<LocalServerOptions, 'host' | 'sameOriginOnly'>): Refusal | undefined {
  const port = request.socket.localPort ?? 0;
  const hosts = acceptedHosts(options.host, port);
  const host = request.headers.host?.toLowerCase();
  if (host === undefined || !hosts.has(host)) {
    return {
      status: 421,
      type: 'MisdirectedRequestException',
      message: `This local endpoint answers only requests addressed to ${urlHost(options.host)}:${port}.`,
    };
  }
  const origin = request.headers.origin?.toLowerCase();
  if (options.sameOriginOnly && origin !== undefined && ![...hosts].some((accepted) => origin === `http://${accepted}`)) {
    return {
      status: 403,
      type: 'AccessDeniedException',
      message: 'This local endpoint does not answer requests from web pages of other origins.',
    };
  }
  return undefined;
}

/**
 * How long a connection stays open, half-closed and unread, after an answer sent before the request's
 * body had arrived: long enough for the client to read the answer. Closing a connection with unread
 * data makes TCP reset it, and a client still sending its body may lose the answer (some TCP stacks
 * drop received data on a reset; a client whose next write fails first gives up).
 */
const UNREAD_BODY_LINGER_MS = 2_000;

/**
 * Ends a connection whose request was not read to its end: reads nothing more, sends the end of the
 * stream after what was written (unless it was sent already: Node ends the stream itself after a
 * `Connection: close` answer), and drops the connection after UNREAD_BODY_LINGER_MS, whether or not
 * the client has closed its side. Meanwhile the client cannot send more than the socket buffers hold.
 */
function lingerAndClose(socket: Duplex): void {
  if (socket.destroyed) return;
  socket.pause();
  if (!socket.writableEnded) socket.end();
  setTimeout(() => socket.destroy(), UNREAD_BODY_LINGER_MS).unref();
}

/**
 * Once `response` is written, if the request's body has not arrived whole (larger than a limit, or
 * answered before it was read), closes the connection by lingerAndClose instead of at once. Every
 * server made by createLocalServer does this for each request; a server made otherwise calls it.
 */
export function closeGentlyIfUnread(request: http.IncomingMessage, response: http.ServerResponse): void {
  // Ahead of Node's own handling of the finished answer, which after a `Connection: close` answer
  // destroys the socket as soon as the answer is written: a reset, while the client still sends.
  response.prependOnceListener('finish', () => {
    if (request.complete) return;
    const socket = request.socket;
    socket.destroySoon = () => socket.end();
    // After Node's handling, which starts draining a body nobody read.
    setImmediate(() => {
      request.pause();
      lingerAndClose(socket);
    });
  });
}

function sendRefusal(response: http.ServerResponse, refusal: Refusal, shape: ErrorShape): void {
  const { headers, body } = shape(refusal.status, refusal.type, refusal.message);
  // Whatever body the request still carries is not read: the connection closes after the answer.
  response.writeHead(refusal.status, { ...headers, 'content-length': Buffer.byteLength(body), connection: 'close' });
  response.end(body);
}

/** The answer to a request Node's parser refused or that took too long, in the endpoint's protocol. */
function clientErrorReply(error: NodeJS.ErrnoException): Refusal {
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    return { status: 431, type: 'RequestHeaderFieldsTooLargeException', message: 'The request headers are too large.' };
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, type: 'RequestTimeoutException', message: 'The request did not arrive in time; send it again.' };
  }
  return { status: 400, type: 'MalformedHttpRequestException', message: 'The request is not valid HTTP/1.1.' };
}

/**
 * An HTTP server on loopback with the guards every local endpoint shares: the Host (and, where
 * asked, the Origin) check before `handler` runs, and a time limit on receiving each request, whose
 * breach, like any request Node's parser refuses, is answered in the endpoint's error shape.
 */
export function createLocalServer(options: LocalServerOptions, handler: http.RequestListener): http.Server {
  const requestTimeout = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  // The response each connection is writing, so that a timeout never writes into one already started.
  const responses = new WeakMap<Duplex, http.ServerResponse>();
  const server = http.createServer(
    {
      requestTimeout,
      headersTimeout: Math.min(HEADERS_TIMEOUT_MS, requestTimeout),
      // Node checks the time limits at this interval: a stalled request is answered within it.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(requestTimeout / 4))),
      // A request without Host is refused by the Host check, in the endpoint's error shape.
      requireHostHeader: false,
    },
    (request, response) => {
      responses.set(request.socket, response);
      closeGentlyIfUnread(request, response);
      const refusal = refusalOf(request, options);
      if (refusal !== undefined) {
        sendRefusal(response, refusal, options.errorShape);
        return;
      }
      handler(request, response);
    },
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const started = responses.get(socket)?.headersSent ?? false;
    if (socket.writable && !started && error.code !== 'ECONNRESET') {
      const reply = clientErrorReply(error);
      const { headers, body } = options.errorShape(reply.status, reply.type, reply.message);
      const head = Object.entries({ ...headers, 'content-length': String(Buffer.byteLength(body)), connection: 'close' })
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.write(`HTTP/1.1 ${reply.status} ${http.STATUS_CODES[reply.status] ?? 'Error'}\r\n${head}\r\n${body}`);
      // The rest of the request is not read; the client may still be sending it.
      lingerAndClose(socket);
      return;
    }
    socket.destroy();
  });
  return server;
}

/** The request ended before its body did (the client went away, or it was cut off). */
export class RequestAborted extends Error {
  override readonly name = 'RequestAborted';
}

/** The body is longer than the endpoint takes. */
export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';

  constructor(readonly limitBytes: number) {
    super(`The request body is larger than ${limitBytes} bytes.`);
  }
}

/**
 * Reads a request's whole body, up to `limitBytes`. Past the limit it stops reading and rejects with
 * BodyTooLarge; the answer should then carry `Connection: close`. A server made by createLocalServer
 * never reads the rest: it ends the connection after the answer and drops it a little later.
 */
export function readRequestBody(request: http.IncomingMessage, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limitBytes) {
        request.off('data', onData);
        request.pause();
        reject(new BodyTooLarge(limitBytes));
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.on('end', () => resolve(Buffer.concat(chunks)));
    const aborted = (): void => reject(new RequestAborted('The request ended before its body.'));
    request.on('close', () => {
      if (!request.complete) aborted();
    });
    request.on('error', aborted);
  });
}

/** Text of a body that must be UTF-8, or undefined when it is not. */
export function utf8Text(body: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return undefined;
  }
}
