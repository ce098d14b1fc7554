import { type DynamoDBClient, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  fromItem,
  REQUEST_ENDED_KEY,
  SLACK_MESSAGE_KEY,
  SLACK_MESSAGE_KEPT_AFTER_EXPIRY_SECONDS,
  SLACK_MESSAGE_TTL_ATTRIBUTE,
  type SlackMessageRecord,
  toItem,
} from './slack-message-records';

/** The one method of DynamoDBClient the store calls; tests give a fake or a client of the local stand-in. */
export type DynamoDbSender = Pick<DynamoDBClient, 'send'>;

/**
 * The table of where each approver was reached (slack-message-records.ts), read and written with
 * single-item calls and a Query by execution: the worker, the message closer and the CLI share it.
 */
export class SlackMessageStore {
  constructor(
    private readonly dynamodb: DynamoDbSender,
    readonly tableName: string,
  ) {}

  /** Keeps the approver's latest message (or email instead), replacing the previous attempt's item. */
  async record(record: SlackMessageRecord): Promise<void> {
    await this.dynamodb.send(new PutItemCommand({ TableName: this.tableName, Item: toItem(record) }));
  }

  /**
   * Marks the request as ended, with the words every message is closed with (the closer writes it
   * before it reads the messages; see REQUEST_ENDED_KEY).
   */
  async markEnded(execution: string, outcome: string, now: Date): Promise<void> {
    await this.dynamodb.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          [SLACK_MESSAGE_KEY.partition]: { S: execution },
          [SLACK_MESSAGE_KEY.sort]: { S: REQUEST_ENDED_KEY },
          outcome: { S: outcome },
          [SLACK_MESSAGE_TTL_ATTRIBUTE]: { N: String(Math.ceil(now.getTime() / 1_000) + SLACK_MESSAGE_KEPT_AFTER_EXPIRY_SECONDS) },
        },
      }),
    );
  }

  /** The outcome the request ended with, once the closer marked it; undefined while it is open. */
  async endedWith(execution: string): Promise<string | undefined> {
    const answer = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { [SLACK_MESSAGE_KEY.partition]: { S: execution }, [SLACK_MESSAGE_KEY.sort]: { S: REQUEST_ENDED_KEY } },
        ConsistentRead: true,
      }),
    );
    const outcome = answer.Item?.outcome;
    return outcome !== undefined && 'S' in outcome && typeof outcome.S === 'string' ? outcome.S : undefined;
  }

  /** The approver's latest item, read consistently so that a reminder sees the item its request wrote. */
  async find(execution: string, approver: string): Promise<SlackMessageRecord | undefined> {
    const answer = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { [SLACK_MESSAGE_KEY.partition]: { S: execution }, [SLACK_MESSAGE_KEY.sort]: { S: approver } },
        ConsistentRead: true,
      }),
    );
    return answer.Item === undefined ? undefined : fromItem(answer.Item);
  }

  /** Every approver's item of one execution, in the order of their addresses. */
  async ofExecution(execution: string): Promise<SlackMessageRecord[]> {
    const records: SlackMessageRecord[] = [];
    let startKey: QueryCommand['input']['ExclusiveStartKey'];
    do {
      const page = await this.dynamodb.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#execution = :execution',
          ExpressionAttributeNames: { '#execution': SLACK_MESSAGE_KEY.partition },
          ExpressionAttributeValues: { ':execution': { S: execution } },
          ConsistentRead: true,
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      for (const item of page.Items ?? []) {
        const record = fromItem(item);
        if (record !== undefined) records.push(record);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return records;
  }
}
