import { printable } from '../printable';
import { type AttributeValueJson, type ItemJson, itemOf, itemSize } from './attribute-values';
import { holds } from './conditions';
import { DynamoDbApiError, notSupported, validationError } from './errors';
import { type Condition, parseCondition, parseUpdate, Placeholders } from './expressions';
import { query } from './query';
import type { LocalTable } from './table';

/**
 * The operations the stand-in serves, on DynamoDB's request and response shapes
 * (DynamoDB API Reference, https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Operations_Amazon_DynamoDB.html):
 * ListTables, DescribeTable, PutItem, GetItem, DeleteItem, UpdateItem and Query.
 */

export type Operation = (input: Readonly<Record<string, unknown>>) => unknown;

export interface OperationsContext {
  readonly tables: ReadonlyMap<string, LocalTable>;
  /** `arn:aws:dynamodb:<region>:<account>:table/` */
  readonly tableArnPrefix: string;
  readonly log: (line: string) => void;
}

/** "Service, account, and table quotas": an item, names and values together, is at most 400 KB. */
const MAX_ITEM_BYTES = 400 * 1024;
const CONDITION_FAILED = 'The conditional request failed';

/** A request value as DynamoDB quotes it in a message. */
const quoted = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null'));

/** A parameter's value, checked against the values its enum allows, in DynamoDB's wording. */
function oneOf<T extends string>(input: Readonly<Record<string, unknown>>, member: string, allowed: readonly T[], fallback: T): T {
  const value = input[member];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    const field = `${member[0]?.toLowerCase() ?? ''}${member.slice(1)}`;
    throw validationError(
      `1 validation error detected: Value '${quoted(value)}' at '${field}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
    );
  }
  return value as T;
}

function required(input: Readonly<Record<string, unknown>>, member: string): unknown {
  const value = input[member];
  if (value === undefined || value === null) {
    const field = `${member[0]?.toLowerCase() ?? ''}${member.slice(1)}`;
    throw validationError(`1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

function text(input: Readonly<Record<string, unknown>>, member: string): string | undefined {
  const value = input[member];
  if (value !== undefined && typeof value !== 'string') throw validationError(`${member} must be a string.`);
  return value;
}

/** Parameters DynamoDB takes that the stand-in does not: refused by name rather than ignored. */
function refuse(input: Readonly<Record<string, unknown>>, operation: string, members: readonly string[]): void {
  const given = members.find((member) => input[member] !== undefined);
  if (given !== undefined) throw notSupported(`${given} in ${operation}`);
}

/** The legacy parameters, which expressions replaced ("Legacy conditional parameters"). */
const LEGACY = ['Expected', 'ConditionalOperator', 'AttributesToGet', 'AttributeUpdates', 'KeyConditions', 'QueryFilter'];

function checkSize(item: ItemJson, message: string): void {
  if (itemSize(item) > MAX_ITEM_BYTES) throw validationError(message);
}

/** Throws ConditionalCheckFailedException, with the item as it was if the caller asked for it. */
function checkCondition(condition: Condition | undefined, existing: ItemJson | undefined, input: Readonly<Record<string, unknown>>): void {
  const returnOnFailure = oneOf(input, 'ReturnValuesOnConditionCheckFailure', ['ALL_OLD', 'NONE'], 'NONE');
  if (condition === undefined || holds(condition, existing ?? {})) return;
  const members = returnOnFailure === 'ALL_OLD' && existing !== undefined ? { Item: existing } : {};
  throw new DynamoDbApiError(400, 'ConditionalCheckFailedException', CONDITION_FAILED, members);
}

/** The request's ConditionExpression, if any, with its placeholders. */
function conditionOf(input: Readonly<Record<string, unknown>>, placeholders: Placeholders): Condition | undefined {
  const expression = text(input, 'ConditionExpression');
  return expression === undefined ? undefined : parseCondition('ConditionExpression', expression, placeholders);
}

/** `Attributes` of an answer, left out when there are none. */
function withAttributes(attributes: ItemJson | undefined): Record<string, unknown> {
  return attributes === undefined || Object.keys(attributes).length === 0 ? {} : { Attributes: attributes };
}

export function dynamoDbOperations(context: OperationsContext): Readonly<Record<string, Operation>> {
  /**
   * TableName: the name, or the table's ARN. DynamoDB's message for an unknown table names it in
   * DescribeTable and not in the item operations (see the test's recordings).
   */
  const tableOf = (input: Readonly<Record<string, unknown>>, operation: string, namesTable = false): LocalTable => {
    const name = required(input, 'TableName');
    if (typeof name !== 'string') throw validationError('TableName must be a string.');
    const table = context.tables.get(name.startsWith(context.tableArnPrefix) ? name.slice(context.tableArnPrefix.length) : name);
    if (table === undefined) {
      throw new DynamoDbApiError(
        400,
        'ResourceNotFoundException',
        namesTable ? `Requested resource not found: Table: ${name} not found` : 'Requested resource not found',
      );
    }
    context.log(`${operation} on ${printable(table.name)}`);
    return table;
  };

  return {
    /**
     * "ListTables": the names in order, at most `Limit` (1 to 100, 100 by default) a page, from
     * after `ExclusiveStartTableName`; `LastEvaluatedTableName` when more may follow.
     */
    ListTables: (input) => {
      const limit = input.Limit ?? 100;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 100) {
        throw validationError(
          `1 validation error detected: Value '${quoted(limit)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100`,
        );
      }
      const after = input.ExclusiveStartTableName;
      if (after !== undefined && typeof after !== 'string') throw validationError('ExclusiveStartTableName must be a string.');
      const names = [...context.tables.keys()].sort().filter((name) => after === undefined || name > after);
      const page = names.slice(0, limit);
      context.log(`ListTables: ${page.length} table(s)`);
      return { TableNames: page, ...(names.length > limit ? { LastEvaluatedTableName: page.at(-1) } : {}) };
    },

    // "DescribeTable": the TableDescription of an on-demand table that is ready.
    DescribeTable: (input) => {
      const table = tableOf(input, 'DescribeTable', true);
      const items = table.sortedItems();
      return {
        Table: {
          TableName: table.name,
          TableArn: `${context.tableArnPrefix}${table.name}`,
          TableId: table.id,
          TableStatus: 'ACTIVE',
          CreationDateTime: table.createdAt / 1000,
          KeySchema: table.keyAttributes.map((attribute, index) => ({
            AttributeName: attribute.name,
            KeyType: index === 0 ? 'HASH' : 'RANGE',
          })),
          AttributeDefinitions: table.keyAttributes.map((attribute) => ({ AttributeName: attribute.name, AttributeType: attribute.type })),
          ItemCount: items.length,
          TableSizeBytes: items.reduce((sum, item) => sum + itemSize(item), 0),
          BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
          ProvisionedThroughput: { NumberOfDecreasesToday: 0, ReadCapacityUnits: 0, WriteCapacityUnits: 0 },
          DeletionProtectionEnabled: false,
        },
      };
    },

    // "PutItem": replaces the whole item; ReturnValues NONE or ALL_OLD.
    PutItem: (input) => {
      refuse(input, 'PutItem', LEGACY);
      const table = tableOf(input, 'PutItem');
      const item = itemOf(required(input, 'Item'));
      table.checkItemKey(item);
      checkSize(item, 'Item size has exceeded the maximum allowed size');
      const placeholders = Placeholders.of(input, ['ConditionExpression']);
      const condition = conditionOf(input, placeholders);
      placeholders.checkAllUsed();
      const returnValues = oneOf(input, 'ReturnValues', ['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'], 'NONE');
      if (returnValues !== 'NONE' && returnValues !== 'ALL_OLD') throw validationError('ReturnValues can only be ALL_OLD or NONE');
      const existing = table.get(item);
      checkCondition(condition, existing, input);
      table.put(item);
      return returnValues === 'ALL_OLD' ? withAttributes(existing) : {};
    },

    // "GetItem": the item, or an answer without Item.
    GetItem: (input) => {
      refuse(input, 'GetItem', [...LEGACY, 'ProjectionExpression']);
      const table = tableOf(input, 'GetItem');
      const key = table.keyFrom(required(input, 'Key'));
      Placeholders.of(input, []).checkAllUsed();
      if (input.ConsistentRead !== undefined && typeof input.ConsistentRead !== 'boolean') {
        throw validationError('ConsistentRead must be true or false.');
      }
      const item = table.get(key);
      return item === undefined ? {} : { Item: item };
    },

    // "DeleteItem": deleting an item that is not there succeeds, unless a condition fails.
    DeleteItem: (input) => {
      refuse(input, 'DeleteItem', LEGACY);
      const table = tableOf(input, 'DeleteItem');
      const key = table.keyFrom(required(input, 'Key'));
      const placeholders = Placeholders.of(input, ['ConditionExpression']);
      const condition = conditionOf(input, placeholders);
      placeholders.checkAllUsed();
      const returnValues = oneOf(input, 'ReturnValues', ['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'], 'NONE');
      if (returnValues !== 'NONE' && returnValues !== 'ALL_OLD') throw validationError('ReturnValues can only be ALL_OLD or NONE');
      const existing = table.get(key);
      checkCondition(condition, existing, input);
      table.delete(key);
      return returnValues === 'ALL_OLD' ? withAttributes(existing) : {};
    },

    // "UpdateItem": SET and REMOVE on top-level attributes; an item that is not there is created.
    UpdateItem: (input) => {
      refuse(input, 'UpdateItem', LEGACY);
      const table = tableOf(input, 'UpdateItem');
      const key = table.keyFrom(required(input, 'Key'));
      const placeholders = Placeholders.of(input, ['UpdateExpression', 'ConditionExpression']);
      const updateExpression = text(input, 'UpdateExpression');
      const keyNames = table.keyAttributes.map((attribute) => attribute.name);
      const actions = updateExpression === undefined ? { set: [], remove: [] } : parseUpdate(updateExpression, placeholders, keyNames);
      const condition = conditionOf(input, placeholders);
      placeholders.checkAllUsed();
      const returnValues = oneOf(input, 'ReturnValues', ['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'], 'NONE');
      const existing = table.get(key);
      checkCondition(condition, existing, input);

      const before: ItemJson = existing ?? key;
      const after: Record<string, AttributeValueJson> = Object.assign(Object.create(null) as Record<string, AttributeValueJson>, before);
      for (const { name, value } of actions.set) {
        // Every operand reads the item as it was before this update.
        const copied = value.kind === 'path' ? (Object.hasOwn(before, value.name) ? before[value.name] : undefined) : value.value;
        if (copied === undefined) throw validationError('The provided expression refers to an attribute that does not exist in the item');
        after[name] = copied;
      }
      for (const name of actions.remove) delete after[name];
      checkSize(after, 'Item size to update has exceeded the maximum allowed size');
      table.put(after);

      const setNames = actions.set.map((action) => action.name);
      const pick = (item: ItemJson | undefined, names: readonly string[]): ItemJson | undefined =>
        item === undefined
          ? undefined
          : Object.fromEntries(names.filter((name) => Object.hasOwn(item, name)).map((name) => [name, item[name] as AttributeValueJson]));
      switch (returnValues) {
        case 'ALL_NEW':
          return withAttributes(after);
        case 'ALL_OLD':
          return withAttributes(existing);
        case 'UPDATED_NEW':
          return withAttributes(pick(after, setNames));
        case 'UPDATED_OLD':
          return withAttributes(pick(existing, [...setNames, ...actions.remove]));
        case 'NONE':
          return {};
      }
    },

    // "Query": one partition, in sort key order, a page at a time.
    Query: (input) => {
      refuse(input, 'Query', [...LEGACY, 'IndexName', 'FilterExpression', 'ProjectionExpression']);
      if (input.Select !== undefined && input.Select !== 'ALL_ATTRIBUTES') throw notSupported(`Select ${quoted(input.Select)} in Query`);
      const table = tableOf(input, 'Query');
      const expression = text(input, 'KeyConditionExpression');
      if (expression === undefined)
        throw validationError('Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.');
      const placeholders = Placeholders.of(input, ['KeyConditionExpression']);
      const keyCondition = parseCondition('KeyConditionExpression', expression, placeholders);
      placeholders.checkAllUsed();
      const limit = input.Limit;
      if (limit !== undefined && (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)) {
        throw validationError(
          `1 validation error detected: Value '${quoted(limit)}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`,
        );
      }
      if (input.ScanIndexForward !== undefined && typeof input.ScanIndexForward !== 'boolean') {
        throw validationError('ScanIndexForward must be true or false.');
      }
      const page = query(table, {
        keyCondition,
        scanIndexForward: input.ScanIndexForward !== false,
        limit,
        exclusiveStartKey: input.ExclusiveStartKey === undefined ? undefined : table.keyFrom(input.ExclusiveStartKey),
      });
      return {
        Items: page.items,
        Count: page.items.length,
        ScannedCount: page.items.length,
        ...(page.lastEvaluatedKey === undefined ? {} : { LastEvaluatedKey: page.lastEvaluatedKey }),
      };
    },
  };
}
