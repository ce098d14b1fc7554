import { randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BodyTooLarge, createLocalServer, type ErrorShape, readRequestBody, RequestAborted, urlHost, utf8Text } from '../http-guard';
import { DEFAULT_LOCAL_HOST, DEFAULT_LOCAL_PORTS } from '../ports';
import type { AttributeValueJson } from './attribute-values';
import { DynamoDbApiError, LocalTableError } from './errors';
import { dynamoDbOperations } from './operations';
import { LocalTable, type LocalTableKeySchema } from './table';
import { type StoredTable, tablesPage } from './tables-page';

/**
 * DynamoDB on loopback, for the local stack's functions and the CLI (AWS_ENDPOINT_URL_DYNAMODB):
 * ListTables, DescribeTable, PutItem, GetItem, DeleteItem, UpdateItem and Query on the tables the stack
 * creates, in DynamoDB's JSON 1.0 protocol ("DynamoDB low-level API": POST /, X-Amz-Target
 * `DynamoDB_20120810.<Operation>`, Content-Type application/x-amz-json-1.0,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html).
 * `GET /store` lists the tables and their items as JSON, and `/` shows them.
 */

export type { AttributeValueJson } from './attribute-values';
export type { KeyAttributeType, LocalTableKeySchema } from './table';
export type { StoredTable } from './tables-page';
export { LocalTableError } from './errors';

export interface LocalDynamoDbOptions {
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** 0 picks a free port. @default DEFAULT_LOCAL_PORTS.dynamodb */
  readonly port?: number;
  /** Region and account of the tables' ARNs. */
  readonly region: string;
  readonly accountId: string;
  /** One short line per call: the operation and the table, never an item. */
  readonly log?: (line: string) => void;
  /** How long a client may take to send a whole request. @default REQUEST_TIMEOUT_MS (http-guard.ts) */
  readonly requestTimeoutMs?: number;
}

export interface LocalDynamoDb {
  /** `http://127.0.0.1:PORT`: set it as AWS_ENDPOINT_URL_DYNAMODB, or give it to a client as `endpoint`. */
  readonly url: string;
  readonly port: number;
  /** Creates an empty table (as CloudFormation would deploy it); a second call with the same name replaces nothing and throws. */
  createTable(name: string, keys: LocalTableKeySchema): void;
  /** Every item of a table, in key order, in DynamoDB's attribute-value JSON ({"S": ...}). */
  items(tableName: string): ReadonlyArray<Record<string, AttributeValueJson>>;
  close(): Promise<void>;
}

/**
 * DynamoDB's limit on an item is 400 KB; in JSON, escapes and base64 make it longer (a control
 * character takes six bytes), so a request may be a few times that.
 */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const TARGET_PREFIX = 'DynamoDB_20120810.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
/** The namespace of DynamoDB's error types ("Error handling with DynamoDB", Error components). */
const ERROR_NAMESPACE = 'com.amazonaws.dynamodb.v20120810#';
/** "Naming rules": 3 to 255 characters of a-z, A-Z, 0-9, `_`, `-` and `.`. */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

function answerHeaders(): Record<string, string> {
  return { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': randomUUID() };
}

const errorShape: ErrorShape = (_status, type, message) => {
  const body = JSON.stringify({ __type: `${ERROR_NAMESPACE}${type}`, message });
  return { headers: answerHeaders(), body };
};

export async function startLocalDynamoDb(options: LocalDynamoDbOptions): Promise<LocalDynamoDb> {
  const host = options.host ?? DEFAULT_LOCAL_HOST;
  const log = options.log ?? (() => undefined);
  const tables = new Map<string, LocalTable>();
  const schemas = new Map<string, LocalTableKeySchema>();
  const operations = dynamoDbOperations({ tables, tableArnPrefix: `arn:aws:dynamodb:${options.region}:${options.accountId}:table/`, log });

  const reply = (response: http.ServerResponse, status: number, headers: Readonly<Record<string, string>>, body: string): void => {
    if (response.destroyed || response.writableEnded) return;
    response.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
    response.end(body);
  };
  const replyError = (response: http.ServerResponse, error: DynamoDbApiError, close = false): void => {
    const body = JSON.stringify({ __type: `${ERROR_NAMESPACE}${error.type}`, message: error.message, ...error.members });
    const headers = answerHeaders();
    reply(response, error.status, close ? { ...headers, connection: 'close' } : headers, body);
  };

  const stored = (): StoredTable[] =>
    [...tables.values()].map((table) => ({
      name: table.name,
      keys: schemas.get(table.name) as LocalTableKeySchema,
      items: table.sortedItems(),
    }));

  const serve = async (request: http.IncomingMessage, response: http.ServerResponse): Promise<void> => {
    const method = request.method ?? 'GET';
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const body = await readRequestBody(request, MAX_BODY_BYTES);
    if ((method === 'GET' || method === 'HEAD') && path === '/store') {
      reply(
        response,
        200,
        { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
        JSON.stringify({ tables: stored() }),
      );
      return;
    }
    if ((method === 'GET' || method === 'HEAD') && (path === '/' || path === '/index.html')) {
      reply(response, 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, tablesPage(stored()));
      return;
    }
    const target = request.headers['x-amz-target'];
    const name = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
    // Own properties only: `toString` is no operation.
    const operation = Object.hasOwn(operations, name) ? operations[name] : undefined;
    if (method !== 'POST' || path !== '/' || operation === undefined) {
      // The JSON protocols' answer for an operation the service does not have; the target is not quoted back.
      throw new DynamoDbApiError(
        400,
        'UnknownOperationException',
        `This local DynamoDB serves ${Object.keys(operations).join(', ')} (POST / with X-Amz-Target), GET /store and the page at /.`,
      );
    }
    let input: unknown;
    try {
      input = JSON.parse(utf8Text(body) ?? '');
    } catch {
      // V8's parse error quotes the body, so it stays out of the answer.
      throw new DynamoDbApiError(400, 'SerializationException', 'The request body is not valid UTF-8 JSON.');
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new DynamoDbApiError(400, 'SerializationException', 'The request body must be a JSON object.');
    }
    const answer = JSON.stringify(operation(input as Record<string, unknown>));
    reply(response, 200, answerHeaders(), answer);
  };

  const server = createLocalServer(
    { host, errorShape, sameOriginOnly: true, requestTimeoutMs: options.requestTimeoutMs },
    (request, response) => {
      serve(request, response).catch((error: unknown) => {
        if (error instanceof DynamoDbApiError) replyError(response, error);
        else if (error instanceof BodyTooLarge)
          replyError(response, new DynamoDbApiError(413, 'RequestEntityTooLarge', error.message), true);
        else if (!(error instanceof RequestAborted)) {
          replyError(response, new DynamoDbApiError(500, 'InternalServerError', 'The local DynamoDB could not answer this request.'));
        }
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_LOCAL_PORTS.dynamodb, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${urlHost(host)}:${port}`,
    port,
    createTable(name, keys) {
      if (!TABLE_NAME.test(name))
        throw new LocalTableError(`${JSON.stringify(name)} is not a DynamoDB table name (3 to 255 of a-z, A-Z, 0-9, _, - and .).`);
      if (tables.has(name)) throw new LocalTableError(`Table already exists: ${name}`);
      if (keys.sortKey !== undefined && keys.sortKey === keys.partitionKey) {
        throw new LocalTableError(`The sort key of ${name} must be another attribute than its partition key.`);
      }
      tables.set(name, new LocalTable(name, keys));
      schemas.set(name, { ...keys });
    },
    items(tableName) {
      const table = tables.get(tableName);
      if (table === undefined) throw new LocalTableError(`The local DynamoDB has no table ${JSON.stringify(tableName)}.`);
      return table.sortedItems();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
