import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BodyTooLarge, createLocalServer, type ErrorShape, readRequestBody, RequestAborted, urlHost, utf8Text } from '../http-guard';
import { DEFAULT_LOCAL_HOST, DEFAULT_LOCAL_PORTS } from '../ports';
import { WorkerInvokeError } from '../worker/worker-invoke-error';
import { LambdaApiError } from './errors';

/** What the endpoint runs for a function: the local worker runner fits. */
export interface LocalLambdaFunction {
  /** An `Event` invoke: queued as Lambda's asynchronous invocation is, never awaited. */
  invokeAsync(event: unknown): void;
  /** A `RequestResponse` invoke: the handler's result, or a WorkerInvokeError. */
  invokeSync(event: unknown): Promise<unknown>;
}

export interface LocalLambdaOptions {
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** 0 picks a free port. @default DEFAULT_LOCAL_PORTS.lambda */
  readonly port?: number;
  /** Region and account that function ARNs must name. */
  readonly region: string;
  readonly accountId: string;
  /** One short line per invoke: function and invocation type, never the payload. */
  readonly log?: (line: string) => void;
  /** How long a client may take to send a whole request; a request still unfinished then gets an error. @default REQUEST_TIMEOUT_MS (http-guard.ts) */
  readonly requestTimeoutMs?: number;
}

export interface LocalLambda {
  /** `http://127.0.0.1:PORT`: set it as AWS_ENDPOINT_URL_LAMBDA, or give it to a LambdaClient as `endpoint`. */
  readonly url: string;
  readonly port: number;
  /** Serves invokes of `name` (its plain name; ARNs naming it reach it too). */
  registerFunction(name: string, target: LocalLambdaFunction): void;
  close(): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
/** Lambda's limits on an invoke's payload: 6 MB synchronous, 1 MB asynchronous. */
const MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
const MAX_ASYNC_PAYLOAD_BYTES = 1024 * 1024;
const NAME = '[A-Za-z0-9_-]{1,140}';
const QUALIFIER = '(?::([$A-Za-z0-9_-]{1,128}))?';
const FULL_ARN = new RegExp(`^arn:aws[a-z-]*:lambda:([a-z0-9-]+):(\\d{12}):function:(${NAME})${QUALIFIER}$`);
const PARTIAL_ARN = new RegExp(`^(\\d{12}):function:(${NAME})${QUALIFIER}$`);
const PLAIN_NAME = new RegExp(`^(${NAME})${QUALIFIER}$`);

interface FunctionReference {
  readonly name: string;
  readonly region: string;
  readonly accountId: string;
  readonly qualifier: string | undefined;
}

/** FunctionName as Lambda takes it: a name, a partial ARN or a full ARN, each with an optional qualifier. */
function parseFunctionName(raw: string, region: string, accountId: string): FunctionReference | undefined {
  const full = FULL_ARN.exec(raw);
  if (full) return { region: full[1] ?? '', accountId: full[2] ?? '', name: full[3] ?? '', qualifier: full[4] };
  const partial = PARTIAL_ARN.exec(raw);
  if (partial) return { region, accountId: partial[1] ?? '', name: partial[2] ?? '', qualifier: partial[3] };
  const plain = PLAIN_NAME.exec(raw);
  if (plain) return { region, accountId, name: plain[1] ?? '', qualifier: plain[2] };
  return undefined;
}

function decodedName(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new LambdaApiError(400, 'ValidationException', 'The function name in the path is not valid percent-encoding.');
  }
}

function answer(response: ServerResponse, status: number, headers: Readonly<Record<string, string>>, body: string): void {
  // A caller that went away gets nothing; writing would only raise an error.
  if (response.destroyed || response.writableEnded) return;
  response.writeHead(status, { ...headers, 'Content-Length': Buffer.byteLength(body), 'x-amzn-RequestId': randomUUID() });
  response.end(body);
}

/** Lambda's REST-JSON error: the type in x-amzn-ErrorType, the message in the body. */
const errorShape: ErrorShape = (_status, type, message) => ({
  headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type, 'x-amzn-RequestId': randomUUID() },
  body: JSON.stringify({ Type: 'User', Message: message }),
});

function answerError(response: ServerResponse, error: LambdaApiError, options: { readonly close?: boolean } = {}): void {
  const { headers } = errorShape(error.status, error.type, error.message);
  answer(
    response,
    error.status,
    // The rest of a body too large to read is not read: the connection closes after the answer.
    { ...headers, ...(options.close ? { Connection: 'close' } : {}) },
    JSON.stringify({ Type: 'User', Message: error.message, ...error.extra }),
  );
}

/** What the Node.js runtime puts in the payload of a run that ended without the handler answering. */
function unhandledPayload(reason: string): { errorType: string; errorMessage: string } {
  // The runner words a timeout as Lambda does ("Task timed out after N seconds"); anything else is the process ending.
  return { errorType: reason.startsWith('Task timed out') ? 'Sandbox.Timedout' : 'Runtime.ExitError', errorMessage: reason };
}

/**
 * The Lambda Invoke API on loopback, for the functions of the local stack: `POST
 * /2015-03-31/functions/{FunctionName}/invocations`, so the worker's SDK client (through
 * AWS_ENDPOINT_URL_LAMBDA) can start a new run of itself as it would on AWS.
 */
export async function startLocalLambda(options: LocalLambdaOptions): Promise<LocalLambda> {
  const host = options.host ?? DEFAULT_LOCAL_HOST;
  const log = options.log ?? (() => undefined);
  const functions = new Map<string, LocalLambdaFunction>();

  const lookUp = (rawName: string, queryQualifier: string | null): { name: string; target: LocalLambdaFunction } => {
    const reference = parseFunctionName(rawName, options.region, options.accountId);
    if (reference === undefined) {
      // Lambda quotes the value; this endpoint does not, since a path may carry anything.
      throw new LambdaApiError(
        400,
        'ValidationException',
        "1 validation error detected: Value at 'functionName' failed to satisfy constraint",
      );
    }
    const qualifier = queryQualifier ?? reference.qualifier;
    const target = functions.get(reference.name);
    // Only $LATEST exists locally: the stack publishes no versions or aliases.
    const found =
      reference.region === options.region && reference.accountId === options.accountId && (qualifier ?? '$LATEST') === '$LATEST';
    if (target === undefined || !found) {
      const arn = `arn:aws:lambda:${reference.region}:${reference.accountId}:function:${reference.name}${qualifier === undefined ? '' : `:${qualifier}`}`;
      throw new LambdaApiError(404, 'ResourceNotFoundException', `Function not found: ${arn}`);
    }
    return { name: reference.name, target };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    try {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const path = INVOKE_PATH.exec(url.pathname);
      // Neither the path nor a header is quoted back in an error: either may carry anything.
      if (request.method !== 'POST' || path === null) {
        request.resume();
        throw new LambdaApiError(
          404,
          'UnknownOperationException',
          'This local endpoint serves Invoke only: POST /2015-03-31/functions/{FunctionName}/invocations.',
        );
      }
      const invocationType = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
      if (invocationType !== 'RequestResponse' && invocationType !== 'Event' && invocationType !== 'DryRun') {
        request.resume();
        throw new LambdaApiError(
          400,
          'InvalidParameterValueException',
          'Unsupported invocation type: use RequestResponse, Event or DryRun.',
        );
      }
      // The body first, so that every answer leaves the connection clean for the next request.
      const body = await readRequestBody(request, invocationType === 'Event' ? MAX_ASYNC_PAYLOAD_BYTES : MAX_SYNC_PAYLOAD_BYTES);
      const { name, target } = lookUp(decodedName(path[1] ?? ''), url.searchParams.get('Qualifier'));
      let event: unknown;
      try {
        // An empty payload reaches the handler as {}, as Lambda passes it.
        event = body.length === 0 ? {} : JSON.parse(utf8Text(body) ?? '');
      } catch {
        // V8's parse error quotes the payload, so it stays out of the answer.
        throw new LambdaApiError(
          400,
          'InvalidRequestContentException',
          'Could not parse request body into json: the payload is not valid UTF-8 JSON.',
        );
      }
      log(`${invocationType} invoke of ${name}`);
      if (invocationType === 'DryRun') {
        answer(response, 204, {}, '');
      } else if (invocationType === 'Event') {
        target.invokeAsync(event);
        answer(response, 202, {}, '');
      } else {
        await answerRun(response, target, event);
      }
    } catch (error) {
      if (error instanceof LambdaApiError) {
        answerError(response, error);
        return;
      }
      if (error instanceof BodyTooLarge) {
        const tooLarge = `Request must be smaller than ${error.limitBytes} bytes for the InvokeFunction operation`;
        answerError(response, new LambdaApiError(413, 'RequestTooLargeException', tooLarge), { close: true });
        return;
      }
      // A caller that went away mid-request made no mistake of the endpoint's: nothing to answer or log.
      if (error instanceof RequestAborted) return;
      log(`internal error: ${(error as Error).name}: ${(error as Error).message}`);
      answerError(response, new LambdaApiError(500, 'ServiceException', 'The local Lambda endpoint failed; see its log.'));
    }
  };

  const server: Server = createLocalServer(
    { host, errorShape, sameOriginOnly: true, requestTimeoutMs: options.requestTimeoutMs },
    (request, response) => void handle(request, response),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_LOCAL_PORTS.lambda, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${urlHost(host)}:${port}`;
  log(`Lambda endpoint listening on ${url}`);

  return {
    url,
    port,
    registerFunction(name, target) {
      functions.set(name, target);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A RequestResponse run: 200 with the result, or 200 with X-Amz-Function-Error and the error, as Lambda answers. */
async function answerRun(response: ServerResponse, target: LocalLambdaFunction, event: unknown): Promise<void> {
  const headers = { 'Content-Type': 'application/json', 'X-Amz-Executed-Version': '$LATEST' };
  let result: unknown;
  try {
    result = await target.invokeSync(event);
  } catch (error) {
    if (!(error instanceof WorkerInvokeError)) throw error;
    const { failure } = error;
    if (failure.kind === 'throttled') {
      throw new LambdaApiError(429, 'TooManyRequestsException', 'Rate Exceeded.', {
        Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      });
    }
    // The Node.js runtime reports an error thrown by the handler as "Unhandled" too.
    const payload = failure.kind === 'handled' || failure.kind === 'runtime exit' ? failure.error : unhandledPayload(failure.reason);
    answer(response, 200, { ...headers, 'X-Amz-Function-Error': 'Unhandled' }, JSON.stringify(payload));
    return;
  }
  // A handler that returns nothing answers `null`.
  answer(response, 200, headers, JSON.stringify(result ?? null));
}
