import * as net from 'node:net';

/** What a server wrote back to a raw request, read until it closed the connection. */
export interface RawAnswer {
  readonly status: number;
  /** Header names in lower case; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** From sending the request to the connection's close. */
  readonly ms: number;
}

export interface RawRequestOptions {
  /** Give up (and answer undefined) after this long without the server closing. @default 5000 */
  readonly waitMs?: number;
  /** Half-close the connection after writing, as a client does that cut its body short. @default false */
  readonly endAfterWrite?: boolean;
}

function parseAnswer(raw: Buffer, ms: number): RawAnswer | undefined {
  const text = raw.toString('utf8');
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [statusLine = '', ...headerLines] = text.slice(0, headEnd).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  if (!Number.isInteger(status)) return undefined;
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const length = Number(headers['content-length']);
  const body = text.slice(headEnd + 4);
  return { status, headers, body: Number.isInteger(length) ? Buffer.from(body).subarray(0, length).toString('utf8') : body, ms };
}

/**
 * Writes `request` as it is onto a new connection to 127.0.0.1:`port` (so the request line, the Host
 * header and the bytes are exactly the test's), and reads the first answer once the server closes
 * the connection. Send `Connection: close` in requests that should be answered at once. Status 0
 * when the server closed without an answer; undefined when it had not closed in time.
 */
export function rawRequest(port: number, request: string | Buffer, options: RawRequestOptions = {}): Promise<RawAnswer | undefined> {
  const waitMs = options.waitMs ?? 5_000;
  return new Promise((resolve) => {
    const started = Date.now();
    const chunks: Buffer[] = [];
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(request);
      if (options.endAfterWrite) socket.end();
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, waitMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const ms = Date.now() - started;
      resolve(parseAnswer(Buffer.concat(chunks), ms) ?? { status: 0, headers: {}, body: '', ms });
    });
  });
}

/** An HTTP/1.1 request with these headers (Connection: close added), as text. */
export function requestText(method: string, target: string, headers: Readonly<Record<string, string>>, body = ''): string {
  const all = { ...headers, ...(body === '' ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }), Connection: 'close' };
  const head = Object.entries(all)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return `${method} ${target} HTTP/1.1\r\n${head}\r\n${body}`;
}

/** What a client that kept sending saw: the answer, how the connection ended, how much it had written. */
export interface UploadOutcome {
  readonly answer: string;
  /** `end`: the server closed its side after the answer (FIN); `reset`: it reset the connection (RST). */
  readonly closedBy: 'end' | 'reset' | 'close';
  readonly sentWhenClosed: number;
}

/**
 * Sends `head` and then a chunked body of up to `offeredBytes` to 127.0.0.1:`port`, writing on as
 * long as the server reads, as a client that ignores the answer does; rejects when the connection
 * is still open after `timeoutMs`. A reset right after the answer is what loses the answer: a TCP stack
 * may drop received data on a reset (Windows does), and a client whose next write fails first gives up.
 */
export function uploadWithoutWaiting(port: number, head: string, offeredBytes: number, timeoutMs = 30_000): Promise<UploadOutcome> {
  const data = Buffer.alloc(64 * 1024, 'a');
  const chunk = Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answer = '';
    let closedBy: UploadOutcome['closedBy'] | undefined;
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(head);
      const write = (): void => {
        while (sent < offeredBytes && !socket.destroyed) {
          sent += data.length;
          if (!socket.write(chunk)) {
            socket.once('drain', write);
            return;
          }
        }
        if (!socket.destroyed) socket.end('0\r\n\r\n');
      };
      write();
    });
    socket.on('data', (received: Buffer) => (answer += received.toString('latin1')));
    // The server has ended the connection: the answer is whole, and the rest of the upload is given up.
    socket.on('end', () => {
      closedBy ??= 'end';
      socket.destroy();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      closedBy ??= error.code === 'ECONNRESET' || error.code === 'EPIPE' ? 'reset' : 'close';
    });
    socket.on('close', () => resolve({ answer, closedBy: closedBy ?? 'close', sentWhenClosed: sent }));
    setTimeout(() => reject(new Error(`still open after ${timeoutMs / 1000} s, ${sent} bytes sent`)), timeoutMs).unref();
  });
}
