import { ConditionalCheckFailedException, DeleteItemCommand, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';

/**
 * A slot held by one worker run. While a run holds one, no other run can take the same slot; a run
 * that finds every slot taken stops at once. This bounds how many instances poll and send at once
 * without Lambda reserved concurrency, which accounts with a concurrency limit of 10 cannot give
 * (Lambda keeps at least 100 executions unreserved).
 */
export interface SlotLease {
  readonly slot: number;
  release(): Promise<void>;
}

export interface WorkerSlotsOptions {
  readonly dynamodb: DynamoDBClient;
  readonly tableName: string;
  readonly count: number;
  /** Who holds the lease: the Lambda request id, unique per run. */
  readonly holder: string;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** Partition key of slot `n`. */
export const slotKey = (slot: number): string => `slot-${slot}`;

function shuffled(count: number, random: () => number): number[] {
  const order = Array.from({ length: count }, (_, index) => index);
  for (let index = order.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [order[index], order[other]] = [order[other] as number, order[index] as number];
  }
  return order;
}

/**
 * Takes a free slot, or one whose lease ran out (its holder died or timed out), with a conditional
 * write: of two runs racing for one slot, DynamoDB lets exactly one succeed. Returns undefined when
 * every slot is held. Slots are tried in random order so that concurrent runs rarely collide.
 */
export async function acquireWorkerSlot(options: WorkerSlotsOptions, leaseMs: number): Promise<SlotLease | undefined> {
  const now = (options.now ?? Date.now)();
  const expiresAt = now + leaseMs;
  for (const slot of shuffled(options.count, options.random ?? Math.random)) {
    try {
      await options.dynamodb.send(
        new PutItemCommand({
          TableName: options.tableName,
          Item: {
            slot: { S: slotKey(slot) },
            holder: { S: options.holder },
            expiresAt: { N: String(expiresAt) },
            // DynamoDB's TTL (seconds) tidies slots whose holder never released them.
            expiresAtSeconds: { N: String(Math.ceil(expiresAt / 1000) + 3_600) },
          },
          ConditionExpression: 'attribute_not_exists(slot) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': { N: String(now) } },
        }),
      );
      return { slot, release: () => releaseWorkerSlot(options, slot) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as { name?: string }).name === 'ConditionalCheckFailedException')
        continue;
      throw error;
    }
  }
  return undefined;
}

/** Frees the slot if this run still holds it; a lease that ran out and was taken over is left alone. */
async function releaseWorkerSlot(options: WorkerSlotsOptions, slot: number): Promise<void> {
  try {
    await options.dynamodb.send(
      new DeleteItemCommand({
        TableName: options.tableName,
        Key: { slot: { S: slotKey(slot) } },
        ConditionExpression: 'holder = :holder',
        ExpressionAttributeValues: { ':holder': { S: options.holder } },
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
  }
}
