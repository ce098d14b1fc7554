import { rawRequest, requestText } from './raw-http';

/** The local endpoints a token could be sent to, by name, with the port each listens on. */
export type LocalPorts = Readonly<Record<'api' | 'ses' | 'stepFunctions' | 'lambda', number>>;

export function portsOf(stack: { apiUrl: string; sesUrl: string; stepFunctionsUrl: string; lambdaUrl: string }): LocalPorts {
  const port = (url: string): number => Number(new URL(url).port);
  return { api: port(stack.apiUrl), ses: port(stack.sesUrl), stepFunctions: port(stack.stepFunctionsUrl), lambda: port(stack.lambdaUrl) };
}

/**
 * Request targets that carry `token` every way a request line can: in the query (encoded and not),
 * with its `?` percent-encoded so the token lands in the path (once and twice), after `#`, as a path
 * segment, behind `;` or `&`, on unknown routes, and in absolute form.
 */
export function tokenRequestTargets(token: string, port: number, stage = '/respond'): ReadonlyArray<readonly [string, string]> {
  const encoded = encodeURIComponent(token);
  return [
    ['in the query', `${stage}/succeed?taskToken=${encoded}`],
    ['in the query, not encoded', `${stage}/fail?taskToken=${token}`],
    ['behind %3F, in the path', `${stage}/succeed%3FtaskToken=${encoded}`],
    ['behind %3f, in the path', `${stage}/fail%3ftaskToken%3d${encoded}`],
    ['behind a double-encoded ?', `${stage}/succeed%253FtaskToken%253D${encodeURIComponent(encoded)}`],
    ['after #', `${stage}/succeed#taskToken=${encoded}`],
    ['after # behind a query', `${stage}/succeed?x=1#taskToken=${encoded}`],
    ['as a path segment', `${stage}/succeed/${encoded}`],
    ['as the resource', `${stage}/${encoded}`],
    ['as the stage', `/${encoded}`],
    ['behind ;', `${stage}/succeed;taskToken=${encoded}`],
    ['before ;', `${stage}/succeed?taskToken=${encoded};x=1`],
    ['behind & in the path', `${stage}/succeed&taskToken=${encoded}`],
    ['between &', `${stage}/succeed?x=1&taskToken=${encoded}&y=2`],
    ['on an unknown route', `${stage}/approve-everything?taskToken=${encoded}`],
    ['outside the stage', `/other/succeed?taskToken=${encoded}`],
    ['in absolute form', `http://127.0.0.1:${port}${stage}/succeed?taskToken=${encoded}`],
    ['as a Lambda function name', `/2015-03-31/functions/${encoded}/invocations`],
  ];
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'] as const;

/**
 * Sends `token` every way of tokenRequestTargets to every local port, as GET and as POST, with a
 * Host naming another site, with every method, and with its first 32 characters as X-Amzn-RequestId.
 * Resolves with the number of requests sent once each is answered (or closed). None of them should
 * reach a log.
 */
export async function sendTokenEveryWay(ports: LocalPorts, token: string): Promise<number> {
  let sent = 0;
  for (const port of Object.values(ports)) {
    const requests = tokenRequestTargets(token, port).flatMap(([, target]) => [
      requestText('GET', target, { Host: `127.0.0.1:${port}`, 'User-Agent': 'token-probe/1.0' }),
      requestText('POST', target, { Host: `127.0.0.1:${port}`, 'Content-Type': 'application/json' }, '{}'),
      requestText('GET', target, { Host: `evil.example:${port}` }),
    ]);
    const first = tokenRequestTargets(token, port)[0]?.[1] ?? '/';
    requests.push(
      ...METHODS.map((method) =>
        requestText(method, first, { Host: `localhost:${port}` }, method === 'GET' || method === 'HEAD' ? '' : '{}'),
      ),
    );
    requests.push(requestText('GET', first, { Host: `127.0.0.1:${port}`, 'X-Amzn-RequestId': token.slice(0, 32) }));
    await Promise.all(requests.map((request) => rawRequest(port, request)));
    sent += requests.length;
  }
  return sent;
}
