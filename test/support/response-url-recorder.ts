import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A response_url of the test's own, for interaction payloads a test builds itself: it keeps every
 * message the app posts to it and answers as Slack does, 200 with `{"ok": true}` ("Handling user
 * interaction in your Slack apps", message responses,
 * https://docs.slack.dev/interactivity/handling-user-interaction#message_responses).
 */
export interface ResponseUrlRecorder {
  readonly url: string;
  /** The JSON bodies posted, oldest first. */
  readonly received: ReadonlyArray<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startResponseUrlRecorder(): Promise<ResponseUrlRecorder> {
  const received: Array<Record<string, unknown>> = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/actions/T0LOCAL001/recorded`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
