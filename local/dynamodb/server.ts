import { startJsonProtocolServer } from '../json-protocol-server';
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
/** "Naming rules": 3 to 255 characters of a-z, A-Z, 0-9, `_`, `-` and `.`. */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;

export async function startLocalDynamoDb(options: LocalDynamoDbOptions): Promise<LocalDynamoDb> {
  const log = options.log ?? (() => undefined);
  const tables = new Map<string, LocalTable>();
  const schemas = new Map<string, LocalTableKeySchema>();
  const operations = dynamoDbOperations({ tables, tableArnPrefix: `arn:aws:dynamodb:${options.region}:${options.accountId}:table/`, log });

  const stored = (): StoredTable[] =>
    [...tables.values()].map((table) => ({
      name: table.name,
      keys: schemas.get(table.name) as LocalTableKeySchema,
      items: table.sortedItems(),
    }));

  const server = await startJsonProtocolServer(
    {
      serviceName: 'DynamoDB',
      operationsInWords: Object.keys(operations).join(', '),
      targetPrefix: 'DynamoDB_20120810.',
      contentType: 'application/x-amz-json-1.0',
      // "Error handling with DynamoDB", Error components: the exception's name after this namespace.
      errorNamespace: 'com.amazonaws.dynamodb.v20120810#',
      operations,
      apiError: DynamoDbApiError,
      maxBodyBytes: MAX_BODY_BYTES,
      bodyTooLargeType: 'RequestEntityTooLarge',
      internalErrorType: 'InternalServerError',
      store: () => ({ tables: stored() }),
      page: () => tablesPage(stored()),
    },
    {
      host: options.host ?? DEFAULT_LOCAL_HOST,
      port: options.port ?? DEFAULT_LOCAL_PORTS.dynamodb,
      requestTimeoutMs: options.requestTimeoutMs,
    },
  );

  return {
    url: server.url,
    port: server.port,
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
    close: () => server.close(),
  };
}
