import { type AttributeValue, GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { SLACK_MESSAGE_KEY } from '../../functions/commons/slack-message-records';
import type { DynamoDbSender } from '../../functions/commons/slack-message-store';

type Item = Record<string, AttributeValue>;

/**
 * The table of Slack messages in memory, for unit tests: the three calls SlackMessageStore makes,
 * keyed as the stack's table is. `failWith` makes every call throw, as a throttled table would.
 */
export class MemorySlackMessagesTable implements DynamoDbSender {
  readonly items = new Map<string, Item>();
  readonly calls: string[] = [];
  failWith: Error | undefined;

  private static keyOf(item: Item | undefined): string {
    return JSON.stringify([item?.[SLACK_MESSAGE_KEY.partition]?.S, item?.[SLACK_MESSAGE_KEY.sort]?.S]);
  }

  send = ((command: unknown): Promise<unknown> => {
    if (this.failWith) return Promise.reject(this.failWith);
    if (command instanceof PutItemCommand) {
      this.calls.push('PutItem');
      this.items.set(MemorySlackMessagesTable.keyOf(command.input.Item), { ...command.input.Item });
      return Promise.resolve({});
    }
    if (command instanceof GetItemCommand) {
      this.calls.push('GetItem');
      return Promise.resolve({ Item: this.items.get(MemorySlackMessagesTable.keyOf(command.input.Key)) });
    }
    if (command instanceof QueryCommand) {
      this.calls.push('Query');
      const execution = command.input.ExpressionAttributeValues?.[':execution']?.S;
      const items = [...this.items.values()]
        .filter((item) => item[SLACK_MESSAGE_KEY.partition]?.S === execution)
        .sort((a, b) => String(a[SLACK_MESSAGE_KEY.sort]?.S).localeCompare(String(b[SLACK_MESSAGE_KEY.sort]?.S)));
      return Promise.resolve({ Items: items, Count: items.length });
    }
    return Promise.reject(new Error(`The memory table does not answer ${String(command)}`));
  }) as DynamoDbSender['send'];
}
