import {
  type AttributeValue,
  DeleteItemCommand,
  DescribeTableCommand,
  ListTablesCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type LocalDynamoDb, LocalTableError, startLocalDynamoDb } from '../../local/dynamodb/server';
import { LOCAL_ACCOUNT, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/stack/local-account';

/**
 * The local DynamoDB, through the AWS SDK's own client. Where LocalStack recorded DynamoDB's answer
 * (github.com/localstack/localstack, tests/aws/services/dynamodb/test_dynamodb.snapshot.json,
 * recorded against AWS), the test names the recording next to the assertion.
 */

let dynamodb: LocalDynamoDb;
let client: DynamoDBClient;
beforeAll(async () => {
  dynamodb = await startLocalDynamoDb({ port: 0, region: LOCAL_REGION, accountId: LOCAL_ACCOUNT });
  client = new DynamoDBClient({ endpoint: dynamodb.url, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
});
afterAll(async () => {
  client.destroy();
  await dynamodb.close();
});

let tables = 0;
/** A new table of approval requests: partition key `approvalId`, and a sort key `sk` when asked. */
function approvalsTable(options: { sortKey?: boolean; sortKeyType?: 'S' | 'N' } = {}): string {
  const name = `approvals-${++tables}`;
  dynamodb.createTable(name, {
    partitionKey: 'approvalId',
    ...(options.sortKey === true || options.sortKeyType !== undefined ? { sortKey: 'sk', sortKeyType: options.sortKeyType ?? 'S' } : {}),
  });
  return name;
}

const s = (text: string): AttributeValue => ({ S: text });
const n = (number: string): AttributeValue => ({ N: number });

const PENDING_REQUEST: Record<string, AttributeValue> = {
  approvalId: s('exec-7f3a9c'),
  approver: s('maria.garcia@example.com'),
  state: s('PENDING'),
  version: n('1'),
};

describe('ListTables', () => {
  it('lists the table names in order, a page at a time ("ListTables": Limit, ExclusiveStartTableName, LastEvaluatedTableName)', async () => {
    const first = approvalsTable();
    const second = approvalsTable();

    const all = (await client.send(new ListTablesCommand({}))).TableNames ?? [];
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: first, Limit: 1 }));

    expect(all).toEqual([...all].sort());
    expect(all).toEqual(expect.arrayContaining([first, second]));
    expect(page.TableNames).toEqual([all[all.indexOf(first) + 1]]);
    await expect(client.send(new ListTablesCommand({ Limit: 0 }))).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('DescribeTable', () => {
  it('describes a created table as an active on-demand table with its key schema and item count', async () => {
    const table = approvalsTable({ sortKey: true });
    await client.send(new PutItemCommand({ TableName: table, Item: { ...PENDING_REQUEST, sk: s('request') } }));

    const { Table: description } = await client.send(new DescribeTableCommand({ TableName: table }));

    // The shape of a PAY_PER_REQUEST table: test_dynamodb.snapshot.json, test_gsi_with_billing_mode[PAY_PER_REQUEST], "describe-table".
    expect(description).toMatchObject({
      TableName: table,
      TableArn: `arn:aws:dynamodb:us-east-1:123456789012:table/${table}`,
      TableStatus: 'ACTIVE',
      ItemCount: 1,
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      KeySchema: [
        { AttributeName: 'approvalId', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'approvalId', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
    });
    expect(description?.CreationDateTime).toBeInstanceOf(Date);
  });

  it('is ResourceNotFoundException naming an unknown table', async () => {
    const describe = client.send(new DescribeTableCommand({ TableName: 'approvals-missing' }));

    // test_dynamodb.snapshot.json, test_table_crud, "delete-non-existent-table": "Requested resource not found: Table: non-existent not found".
    await expect(describe).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'Requested resource not found: Table: approvals-missing not found',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('PutItem and GetItem', () => {
  it('stores every attribute type and gives it back as written', async () => {
    const table = approvalsTable();
    const item: Record<string, AttributeValue> = {
      approvalId: s('exec-every-type'),
      comment: s('Approved for the Q3 release ✅'),
      amount: n('1250.50'),
      signature: { B: new Uint8Array([0, 159, 255, 16]) },
      urgent: { BOOL: true },
      rejectedBy: { NULL: true },
      decision: { M: { by: s('maria.garcia@example.com'), at: n('1735689600') } },
      history: { L: [s('REQUESTED'), n('2'), { BOOL: false }] },
      channels: { SS: ['email', 'slack'] },
      reminders: { NS: ['3600', '86400'] },
      attachments: { BS: [new Uint8Array([1, 2]), new Uint8Array([3])] },
    };

    await client.send(new PutItemCommand({ TableName: table, Item: item }));
    const { Item: read } = await client.send(
      new GetItemCommand({ TableName: table, Key: { approvalId: s('exec-every-type') }, ConsistentRead: true }),
    );

    expect(read).toEqual(item);
    expect(dynamodb.items(table)[0]).toMatchObject({ amount: { N: '1250.50' }, signature: { B: 'AJ//EA==' } });
  });

  it('answers an item that is not there without Item', async () => {
    const table = approvalsTable();

    const answer = await client.send(new GetItemCommand({ TableName: table, Key: { approvalId: s('exec-never-stored') } }));

    expect(answer.Item).toBeUndefined();
  });

  it('replaces the whole item and returns the old one with ReturnValues ALL_OLD', async () => {
    const table = approvalsTable();
    await client.send(new PutItemCommand({ TableName: table, Item: PENDING_REQUEST }));

    const replaced = await client.send(
      new PutItemCommand({ TableName: table, Item: { approvalId: s('exec-7f3a9c'), state: s('APPROVED') }, ReturnValues: 'ALL_OLD' }),
    );
    const plain = await client.send(new PutItemCommand({ TableName: table, Item: { approvalId: s('exec-7f3a9c'), state: s('REJECTED') } }));

    // test_dynamodb.snapshot.json, test_return_values_in_put_item: "PutFirstItemOLD" has Attributes, "PutSecondItem" none.
    expect(replaced.Attributes).toEqual(PENDING_REQUEST);
    expect(plain.Attributes).toBeUndefined();
    expect(dynamodb.items(table)).toEqual([{ approvalId: { S: 'exec-7f3a9c' }, state: { S: 'REJECTED' } }]);
  });

  it('takes numbers that differ only in writing as the same key', async () => {
    const table = `decisions-by-number-${++tables}`;
    dynamodb.createTable(table, { partitionKey: 'requestNumber', partitionKeyType: 'N' });
    await client.send(new PutItemCommand({ TableName: table, Item: { requestNumber: n('42'), state: s('PENDING') } }));

    const { Item: read } = await client.send(new GetItemCommand({ TableName: table, Key: { requestNumber: n('42.0') } }));

    expect(read).toEqual({ requestNumber: n('42'), state: s('PENDING') });
  });

  it('refuses ProjectionExpression, which the stand-in does not serve', async () => {
    const table = approvalsTable();

    const read = client.send(
      new GetItemCommand({ TableName: table, Key: { approvalId: s('exec-7f3a9c') }, ProjectionExpression: 'approver' }),
    );

    await expect(read).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'ProjectionExpression in GetItem is not supported by the local stand-in.',
    });
  });
});

describe('key and item checks', () => {
  it('refuses an item without its key attribute or with a key of another type', async () => {
    const table = approvalsTable({ sortKey: true });

    const missing = client.send(new PutItemCommand({ TableName: table, Item: { approvalId: s('exec-7f3a9c'), state: s('PENDING') } }));
    const mistyped = client.send(new PutItemCommand({ TableName: table, Item: { approvalId: n('7'), sk: s('request') } }));

    await expect(missing).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'One or more parameter values were invalid: Missing the key sk in the item',
    });
    await expect(mistyped).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'One or more parameter values were invalid: Type mismatch for key approvalId expected: S actual: N',
    });
  });

  it.each([
    ['without its sort key', { approvalId: s('exec-7f3a9c') }],
    ['with a key of another type', { approvalId: s('exec-7f3a9c'), sk: n('1') }],
    ['with an attribute beside the key', { approvalId: s('exec-7f3a9c'), sk: s('request'), state: s('PENDING') }],
  ])('refuses a Key %s', async (_case, key) => {
    const table = approvalsTable({ sortKey: true });

    const read = client.send(new GetItemCommand({ TableName: table, Key: key }));

    // test_dynamodb.snapshot.json, test_batch_write_not_matching_schema: "The provided key element does not match the schema".
    await expect(read).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'The provided key element does not match the schema',
    });
  });

  it('is ResourceNotFoundException for an item of an unknown table', async () => {
    const write = client.send(new PutItemCommand({ TableName: 'approvals-missing', Item: PENDING_REQUEST }));

    // test_dynamodb.snapshot.json, test_batch_write_not_existing_table, "exc-not-found-transact-write-items".
    await expect(write).rejects.toMatchObject({ name: 'ResourceNotFoundException', message: 'Requested resource not found' });
  });

  it('refuses an item over 400 KB and keeps what was stored', async () => {
    const table = approvalsTable();
    await client.send(new PutItemCommand({ TableName: table, Item: PENDING_REQUEST }));

    const write = client.send(new PutItemCommand({ TableName: table, Item: { ...PENDING_REQUEST, comment: s('x'.repeat(400 * 1024)) } }));

    // "Service, account, and table quotas in Amazon DynamoDB": the maximum item size is 400 KB.
    await expect(write).rejects.toMatchObject({ name: 'ValidationException', message: 'Item size has exceeded the maximum allowed size' });
    expect(dynamodb.items(table)).toEqual([PENDING_REQUEST]);
  });
});

describe('ConditionExpression', () => {
  it('writes once with attribute_not_exists and fails the second write', async () => {
    const table = approvalsTable();
    const firstWrite = { TableName: table, Item: PENDING_REQUEST, ConditionExpression: 'attribute_not_exists(approvalId)' };
    await client.send(new PutItemCommand(firstWrite));

    const second = client.send(new PutItemCommand({ ...firstWrite, Item: { ...PENDING_REQUEST, state: s('APPROVED') } }));

    // test_dynamodb.snapshot.json, test_return_values_on_conditions_check_failure: "The conditional request failed".
    await expect(second).rejects.toMatchObject({
      name: 'ConditionalCheckFailedException',
      message: 'The conditional request failed',
      $metadata: { httpStatusCode: 400 },
    });
    expect(dynamodb.items(table)).toEqual([PENDING_REQUEST]);
  });

  it('gives the item as it was on a failed condition when asked with ReturnValuesOnConditionCheckFailure', async () => {
    const table = approvalsTable();
    await client.send(new PutItemCommand({ TableName: table, Item: PENDING_REQUEST }));

    const remove = client.send(
      new DeleteItemCommand({
        TableName: table,
        Key: { approvalId: s('exec-7f3a9c') },
        ConditionExpression: '#state = :approved',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':approved': s('APPROVED') },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );

    // test_dynamodb.snapshot.json, test_return_values_on_conditions_check_failure: the error carries "Item".
    await expect(remove).rejects.toMatchObject({ name: 'ConditionalCheckFailedException', Item: PENDING_REQUEST });
  });

  it.each([
    ['an equality that holds', '#state = :pending', true],
    ['an equality that does not', '#state = :approved', false],
    ['a value on the left', ':two > version', true],
    ['a comparison that does not hold', 'version >= :two', false],
    ['numbers by value, not by text', 'version = :oneWrittenLonger', true],
    ['<> on a missing attribute', 'decidedBy <> :approved', true],
    ['= on a missing attribute', 'decidedBy = :approved', false],
    ['attribute_exists', 'attribute_exists(approver)', true],
    ['NOT', 'NOT attribute_exists(approver)', false],
    ['AND of a true and a false', 'attribute_exists(approver) AND #state = :approved', false],
    ['OR of a false and a true', '#state = :approved OR version < :two', true],
    ['parentheses before AND', '(#state = :approved OR #state = :pending) AND version = :oneWrittenLonger', true],
  ])('decides %s', async (_case, condition, holds) => {
    const table = approvalsTable();
    await client.send(new PutItemCommand({ TableName: table, Item: PENDING_REQUEST }));
    const used = (placeholder: string): boolean => condition.includes(placeholder);
    const values = Object.fromEntries(
      Object.entries({ ':pending': s('PENDING'), ':approved': s('APPROVED'), ':two': n('2'), ':oneWrittenLonger': n('1.00') }).filter(
        ([key]) => used(key),
      ),
    );

    const update = client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { approvalId: s('exec-7f3a9c') },
        UpdateExpression: 'SET reminded = :yes',
        ConditionExpression: condition,
        ...(used('#state') ? { ExpressionAttributeNames: { '#state': 'state' } } : {}),
        ExpressionAttributeValues: { ...values, ':yes': { BOOL: true } },
      }),
    );

    if (holds) {
      await expect(update).resolves.toBeDefined();
      expect(dynamodb.items(table)[0]).toMatchObject({ reminded: { BOOL: true } });
    } else {
      await expect(update).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
      expect(dynamodb.items(table)).toEqual([PENDING_REQUEST]);
    }
  });

  it.each([
    [
      'a function it does not serve',
      'contains(approver, :domain)',
      'The function contains in ConditionExpression is not supported by the local stand-in.',
    ],
    [
      'a nested attribute path',
      'decision.by = :domain',
      'A nested attribute path (a.b or a[0]) in ConditionExpression is not supported by the local stand-in.',
    ],
    ['IN', 'approver IN (:domain)', 'The IN operator in ConditionExpression is not supported by the local stand-in.'],
  ])('refuses %s with a ValidationException naming it', async (_case, condition, message) => {
    const table = approvalsTable();

    const write = client.send(
      new PutItemCommand({
        TableName: table,
        Item: PENDING_REQUEST,
        ConditionExpression: condition,
        ExpressionAttributeValues: { ':domain': s('example.com') },
      }),
    );

    await expect(write).rejects.toMatchObject({ name: 'ValidationException', message });
  });

  it.each([
    [
      'a syntax error',
      'attribute_exists(approver) AND',
      {},
      'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "AND <EOF>"',
    ],
    [
      'a reserved word as a name',
      'status = :pending',
      { ':pending': s('PENDING') },
      'Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status',
    ],
    [
      'a value placeholder that is not defined',
      'approver = :approver',
      { ':pending': s('PENDING') },
      'Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :approver',
    ],
    [
      'a value nobody uses',
      'attribute_not_exists(approvalId)',
      { ':pending': s('PENDING') },
      'Value provided in ExpressionAttributeValues unused in expressions: keys: {:pending}',
    ],
  ])('refuses %s', async (_case, condition, values, message) => {
    const table = approvalsTable();

    const write = client.send(
      new PutItemCommand({
        TableName: table,
        Item: PENDING_REQUEST,
        ConditionExpression: condition,
        ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
      }),
    );

    await expect(write).rejects.toMatchObject({ name: 'ValidationException', message });
  });
});

describe('DeleteItem', () => {
  it('deletes the item and returns it with ReturnValues ALL_OLD', async () => {
    const table = approvalsTable();
    await client.send(new PutItemCommand({ TableName: table, Item: PENDING_REQUEST }));

    const answer = await client.send(
      new DeleteItemCommand({
        TableName: table,
        Key: { approvalId: s('exec-7f3a9c') },
        ConditionExpression: 'attribute_exists(approvalId)',
        ReturnValues: 'ALL_OLD',
      }),
    );
    const again = await client.send(
      new DeleteItemCommand({ TableName: table, Key: { approvalId: s('exec-7f3a9c') }, ReturnValues: 'ALL_OLD' }),
    );

    expect(answer.Attributes).toEqual(PENDING_REQUEST);
    expect(again.Attributes).toBeUndefined();
    expect(dynamodb.items(table)).toEqual([]);
  });

  it('keeps the item when its condition fails', async () => {
    const table = approvalsTable();
    await client.send(new PutItemCommand({ TableName: table, Item: PENDING_REQUEST }));

    const remove = client.send(
      new DeleteItemCommand({
        TableName: table,
        Key: { approvalId: s('exec-7f3a9c') },
        ConditionExpression: 'version > :one',
        ExpressionAttributeValues: { ':one': n('1') },
      }),
    );

    await expect(remove).rejects.toMatchObject({ name: 'ConditionalCheckFailedException', message: 'The conditional request failed' });
    expect(dynamodb.items(table)).toEqual([PENDING_REQUEST]);
  });
});

describe('UpdateItem', () => {
  it('sets and removes attributes and returns the new item with ALL_NEW', async () => {
    const table = approvalsTable();
    await client.send(new PutItemCommand({ TableName: table, Item: { ...PENDING_REQUEST, reminder: n('3600') } }));

    const answer = await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { approvalId: s('exec-7f3a9c') },
        UpdateExpression: 'SET #state = :approved, decidedBy = :approver REMOVE reminder',
        ConditionExpression: '#state = :pending',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':approved': s('APPROVED'), ':approver': s('maria.garcia@example.com'), ':pending': s('PENDING') },
        ReturnValues: 'ALL_NEW',
      }),
    );

    const expected = { ...PENDING_REQUEST, state: s('APPROVED'), decidedBy: s('maria.garcia@example.com') };
    expect(answer.Attributes).toEqual(expected);
    expect(dynamodb.items(table)).toEqual([expected]);
  });

  it('creates an item that is not there, as DynamoDB does', async () => {
    const table = approvalsTable({ sortKey: true });

    const answer = await client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { approvalId: s('exec-new'), sk: s('request') },
        UpdateExpression: 'SET approver = :approver',
        ExpressionAttributeValues: { ':approver': s('li.wei@example.com') },
        ReturnValues: 'ALL_OLD',
      }),
    );

    expect(answer.Attributes).toBeUndefined();
    expect(dynamodb.items(table)).toEqual([{ approvalId: s('exec-new'), sk: s('request'), approver: s('li.wei@example.com') }]);
  });

  it('returns the old item with ALL_OLD and the set attributes with UPDATED_NEW', async () => {
    const table = approvalsTable();
    await client.send(new PutItemCommand({ TableName: table, Item: PENDING_REQUEST }));
    const update = {
      TableName: table,
      Key: { approvalId: s('exec-7f3a9c') },
      UpdateExpression: 'SET version = :two',
      ExpressionAttributeValues: { ':two': n('2') },
    };

    const old = await client.send(new UpdateItemCommand({ ...update, ReturnValues: 'ALL_OLD' }));
    const updated = await client.send(new UpdateItemCommand({ ...update, ReturnValues: 'UPDATED_NEW' }));

    expect(old.Attributes).toEqual(PENDING_REQUEST);
    expect(updated.Attributes).toEqual({ version: n('2') });
  });

  it('leaves the item as it was when its condition fails', async () => {
    const table = approvalsTable();
    await client.send(new PutItemCommand({ TableName: table, Item: PENDING_REQUEST }));

    const update = client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { approvalId: s('exec-7f3a9c') },
        UpdateExpression: 'SET version = :two',
        ConditionExpression: 'version = :two',
        ExpressionAttributeValues: { ':two': n('2') },
      }),
    );

    await expect(update).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(dynamodb.items(table)).toEqual([PENDING_REQUEST]);
  });

  it.each([
    [
      'a key attribute',
      'SET approvalId = :other',
      'One or more parameter values were invalid: Cannot update attribute approvalId. This attribute is part of the key',
    ],
    ['ADD', 'ADD version :other', 'The ADD action in UpdateExpression is not supported by the local stand-in.'],
    [
      'arithmetic',
      'SET version = version + :other',
      'Arithmetic (+ or -) in the SET action of UpdateExpression is not supported by the local stand-in.',
    ],
  ])('refuses to update %s', async (_case, expression, message) => {
    const table = approvalsTable();

    const update = client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { approvalId: s('exec-7f3a9c') },
        UpdateExpression: expression,
        ExpressionAttributeValues: { ':other': n('1') },
      }),
    );

    await expect(update).rejects.toMatchObject({ name: 'ValidationException', message });
  });
});

describe('Query', () => {
  const requestKeys = (items: ReadonlyArray<Record<string, AttributeValue>> | undefined): unknown[] =>
    (items ?? []).map((item) => item.sk?.S ?? item.sk?.N);

  async function seed(table: string, approvalId: string, sortKeys: readonly AttributeValue[]): Promise<void> {
    for (const sk of sortKeys) {
      await client.send(new PutItemCommand({ TableName: table, Item: { approvalId: s(approvalId), sk, note: s('seeded') } }));
    }
  }

  it('gives one partition in the order of the UTF-8 bytes of its string sort keys', async () => {
    const table = approvalsTable({ sortKey: true });
    // U+FF61 sorts after U+1F600 in UTF-16 code units, before it in UTF-8 bytes.
    await seed(table, 'exec-7f3a9c', [s('😀'), s('b'), s('\uFF61'), s('B'), s('a')]);
    await seed(table, 'exec-other', [s('a')]);

    const answer = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'approvalId = :id',
        ExpressionAttributeValues: { ':id': s('exec-7f3a9c') },
      }),
    );

    expect(requestKeys(answer.Items)).toEqual(['B', 'a', 'b', '\uFF61', '😀']);
    expect(answer).toMatchObject({ Count: 5, ScannedCount: 5 });
    expect(answer.LastEvaluatedKey).toBeUndefined();
  });

  it('orders number sort keys by value, backwards with ScanIndexForward false', async () => {
    const table = approvalsTable({ sortKeyType: 'N' });
    await seed(table, 'exec-7f3a9c', [n('10'), n('9'), n('-2'), n('2.5')]);

    const forward = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#id = :id',
        ExpressionAttributeNames: { '#id': 'approvalId' },
        ExpressionAttributeValues: { ':id': s('exec-7f3a9c') },
      }),
    );
    const backward = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'approvalId = :id',
        ExpressionAttributeValues: { ':id': s('exec-7f3a9c') },
        ScanIndexForward: false,
      }),
    );

    expect(requestKeys(forward.Items)).toEqual(['-2', '2.5', '9', '10']);
    expect(requestKeys(backward.Items)).toEqual(['10', '9', '2.5', '-2']);
  });

  it.each([
    ['sk = :w', s('reminder#2'), ['reminder#2']],
    ['begins_with(sk, :w)', s('reminder#'), ['reminder#1', 'reminder#2']],
  ])('narrows the sort key with %s', async (condition, value, expected) => {
    const table = approvalsTable({ sortKey: true });
    await seed(table, 'exec-7f3a9c', [s('decision'), s('reminder#2'), s('reminder#1'), s('request')]);

    const answer = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: `approvalId = :id AND ${condition}`,
        ExpressionAttributeValues: { ':id': s('exec-7f3a9c'), ':w': value },
      }),
    );

    expect(requestKeys(answer.Items)).toEqual(expected);
  });

  it('pages with Limit, LastEvaluatedKey and ExclusiveStartKey', async () => {
    const table = approvalsTable({ sortKey: true });
    await seed(table, 'exec-7f3a9c', [s('e'), s('d'), s('c'), s('b'), s('a')]);
    const request: QueryCommandInput = {
      TableName: table,
      KeyConditionExpression: 'approvalId = :id',
      ExpressionAttributeValues: { ':id': s('exec-7f3a9c') },
      Limit: 2,
    };

    const pages = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(new QueryCommand({ ...request, ExclusiveStartKey: start }));
      pages.push(requestKeys(page.Items));
      start = page.LastEvaluatedKey;
    } while (start !== undefined && pages.length < 10);

    expect(pages).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('names the key a key condition misses', async () => {
    const table = approvalsTable({ sortKey: true });

    const answer = client.send(
      new QueryCommand({ TableName: table, KeyConditionExpression: 'sk = :w', ExpressionAttributeValues: { ':w': s('request') } }),
    );

    await expect(answer).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Query condition missed key schema element: approvalId',
    });
  });
});

describe('the protocol', () => {
  it('answers an operation it does not serve with UnknownOperationException in DynamoDB error shape', async () => {
    const table = approvalsTable();

    const scanError = await client.send(new ScanCommand({ TableName: table })).catch((error: unknown) => error);
    const response = await fetch(dynamodb.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'DynamoDB_20120810.DeleteTable' },
      body: JSON.stringify({ TableName: table }),
    });

    expect(scanError).toMatchObject({ name: 'UnknownOperationException', $metadata: { httpStatusCode: 400 } });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(await response.json()).toMatchObject({ __type: 'com.amazonaws.dynamodb.v20120810#UnknownOperationException' });
  });

  it('answers a body that is not JSON with SerializationException', async () => {
    const response = await fetch(dynamodb.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': 'DynamoDB_20120810.GetItem' },
      body: '{"TableName": ',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#SerializationException',
      message: 'The request body is not valid UTF-8 JSON.',
    });
  });
});

describe('what the stand-in shows of its tables', () => {
  it('lists tables and items at GET /store and escapes them on its page', async () => {
    const table = approvalsTable();
    const hostile = '<script>alert("approved")</script>';
    await client.send(new PutItemCommand({ TableName: table, Item: { ...PENDING_REQUEST, comment: s(hostile) } }));

    const store = (await (await fetch(`${dynamodb.url}/store`)).json()) as {
      tables: Array<{ name: string; keys: unknown; items: unknown[] }>;
    };
    const page = await (await fetch(`${dynamodb.url}/`)).text();

    expect(store.tables).toContainEqual({
      name: table,
      keys: { partitionKey: 'approvalId' },
      items: [{ ...PENDING_REQUEST, comment: s(hostile) }],
    });
    expect(page).toContain(table);
    // The item is shown as its JSON, whose quotes are escaped too.
    expect(page).toContain('&#60;script&#62;alert(\\&#34;approved\\&#34;)&#60;/script&#62;');
    expect(page).not.toContain('<script>');
  });

  it('gives items in key order and refuses a table created twice', async () => {
    const table = approvalsTable({ sortKey: true });
    await seed3(table);

    const keys = dynamodb.items(table).map((item) => [item.approvalId, item.sk]);

    expect(keys).toEqual([
      [s('exec-a'), s('1')],
      [s('exec-a'), s('2')],
      [s('exec-b'), s('1')],
    ]);
    expect(() => dynamodb.createTable(table, { partitionKey: 'approvalId' })).toThrow(LocalTableError);
    expect(() => dynamodb.createTable(table, { partitionKey: 'approvalId' })).toThrow(`Table already exists: ${table}`);
  });

  async function seed3(table: string): Promise<void> {
    for (const [approvalId, sk] of [
      ['exec-b', '1'],
      ['exec-a', '2'],
      ['exec-a', '1'],
    ] as const) {
      await client.send(new PutItemCommand({ TableName: table, Item: { approvalId: s(approvalId), sk: s(sk) } }));
    }
  }
});
