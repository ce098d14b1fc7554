import { randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BodyTooLarge, createLocalServer, type ErrorShape, readRequestBody, RequestAborted, urlHost, utf8Text } from './http-guard';

/**
 * The server of the stand-ins for services that speak AWS's JSON protocols (Secrets Manager and
 * EventBridge in JSON 1.1, DynamoDB in JSON 1.0): `POST /` with the operation named by the
 * X-Amz-Target header (`<prefix><Operation>`), a JSON object in and out, and an error as `__type` and
 * `message` in the body ("Error handling with DynamoDB", Error components:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html). Beside
 * it, the stand-in's own `GET /store` (its state as JSON) and page at `/`. Each service brings its
 * operations, names and limits; the guards of every local server (http-guard.ts) come with it.
 */

/** What an operation throws to answer in the protocol's error shape. */
export interface JsonProtocolError {
  readonly status: number;
  /** The error type, without the service's namespace. */
  readonly type: string;
  readonly message: string;
  /** Members the error body carries beside its message (DynamoDB's ConditionalCheckFailedException `Item`). */
  readonly members?: Readonly<Record<string, unknown>>;
}

/** One operation: the request's JSON object in, the answer's JSON value out. */
export type JsonOperation = (input: Readonly<Record<string, unknown>>) => unknown;

export interface JsonProtocolService {
  /** The service as the answers name it after "This local" and "The local": `DynamoDB`. */
  readonly serviceName: string;
  /** The operations as the UnknownOperationException message lists them: `GetSecretValue and DescribeSecret`. */
  readonly operationsInWords: string;
  /** What X-Amz-Target starts with, up to the operation's name: `DynamoDB_20120810.` */
  readonly targetPrefix: string;
  /** Of every answer of the protocol, errors included: `application/x-amz-json-1.0`. */
  readonly contentType: string;
  /** What every error type in `__type` starts with: DynamoDB's `com.amazonaws.dynamodb.v20120810#`. @default '' */
  readonly errorNamespace?: string;
  /** By operation name; only own properties are operations. */
  readonly operations: Readonly<Record<string, JsonOperation>>;
  /** The class of the errors the operations throw to answer with; anything else they throw is an internal error. */
  readonly apiError: abstract new (...args: never[]) => JsonProtocolError;
  /** The longest request body taken; a longer one is answered with bodyTooLargeType and the connection closed. */
  readonly maxBodyBytes: number;
  /** The service's error type for a request that is too large: `RequestEntityTooLarge`. */
  readonly bodyTooLargeType: string;
  /** The service's error type for a failure of its own: `InternalServerError`. */
  readonly internalErrorType: string;
  /** The JSON value `GET /store` answers. */
  readonly store: () => unknown;
  /** The HTML page `GET /` answers. */
  readonly page: () => string;
}

export interface JsonProtocolListenOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** @default REQUEST_TIMEOUT_MS (http-guard.ts) */
  readonly requestTimeoutMs?: number;
}

export interface JsonProtocolServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A request the protocol itself refuses, whatever the service: an unknown operation, a body that is no JSON object. */
class JsonProtocolRefusal extends Error implements JsonProtocolError {
  override readonly name = 'JsonProtocolRefusal';

  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

type Headers = Readonly<Record<string, string>>;

export async function startJsonProtocolServer(
  service: JsonProtocolService,
  listen: JsonProtocolListenOptions,
): Promise<JsonProtocolServer> {
  const { operations, targetPrefix, errorNamespace = '' } = service;
  const answerHeaders = (): Headers => ({ 'content-type': service.contentType, 'x-amzn-requestid': randomUUID() });
  const errorShape: ErrorShape = (_status, type, message) => ({
    headers: answerHeaders(),
    body: JSON.stringify({ __type: `${errorNamespace}${type}`, message }),
  });

  const reply = (response: http.ServerResponse, status: number, headers: Headers, body: string): void => {
    if (response.destroyed || response.writableEnded) return;
    response.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
    response.end(body);
  };
  const replyError = (response: http.ServerResponse, error: JsonProtocolError, close = false): void => {
    const body = JSON.stringify({ __type: `${errorNamespace}${error.type}`, message: error.message, ...error.members });
    const headers = answerHeaders();
    reply(response, error.status, close ? { ...headers, connection: 'close' } : headers, body);
  };

  /** Answers the request, or rejects with what the error answer should say. */
  const serve = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    const method = request.method ?? 'GET';
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const body = await readRequestBody(request, service.maxBodyBytes);
    if ((method === 'GET' || method === 'HEAD') && path === '/store') {
      reply(
        response,
        200,
        { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
        JSON.stringify(service.store()),
      );
      return;
    }
    if ((method === 'GET' || method === 'HEAD') && (path === '/' || path === '/index.html')) {
      reply(response, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, service.page());
      return;
    }
    const target = request.headers['x-amz-target'];
    const name = typeof target === 'string' && target.startsWith(targetPrefix) ? target.slice(targetPrefix.length) : '';
    // Own properties only: `toString` is no operation.
    const operation = Object.hasOwn(operations, name) ? operations[name] : undefined;
    if (method !== 'POST' || path !== '/' || operation === undefined) {
      // The JSON protocols' answer for an operation the service does not have; the target is not quoted back.
      throw new JsonProtocolRefusal(
        400,
        'UnknownOperationException',
        `This local ${service.serviceName} serves ${service.operationsInWords} (POST / with X-Amz-Target), GET /store and the page at /.`,
      );
    }
    let input: unknown;
    try {
      input = JSON.parse(utf8Text(body) ?? '');
    } catch {
      // V8's parse error quotes the body, so it stays out of the answer.
      throw new JsonProtocolRefusal(400, 'SerializationException', 'The request body is not valid UTF-8 JSON.');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new JsonProtocolRefusal(400, 'SerializationException', 'The request body must be a JSON object.');
    }
    const answer = JSON.stringify(operation(input as Record<string, unknown>));
    reply(response, 200, answerHeaders(), answer);
  };

  const server = createLocalServer(
    { host: listen.host, errorShape, sameOriginOnly: true, requestTimeoutMs: listen.requestTimeoutMs },
    (request, response) => {
      serve(request, response).catch((error: unknown) => {
        if (error instanceof service.apiError || error instanceof JsonProtocolRefusal) replyError(response, error);
        else if (error instanceof BodyTooLarge)
          replyError(response, { status: 413, type: service.bodyTooLargeType, message: error.message }, true);
        else if (!(error instanceof RequestAborted)) {
          replyError(response, {
            status: 500,
            type: service.internalErrorType,
            message: `The local ${service.serviceName} could not answer this request.`,
          });
        }
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${urlHost(listen.host)}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
