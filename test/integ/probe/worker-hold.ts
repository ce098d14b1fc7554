import { DeleteItemCommand, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { slotKey } from '../../../functions/approval-worker/worker-slots';
import type { ProbeConfig } from './config';
import { stopIfRunning } from './executions';
import type { HeldOff } from './summary';

/** What a scenario that takes the approval tasks itself needs. */
export interface HeldOffDependencies {
  readonly sfn: SFNClient;
  readonly dynamodb: Pick<DynamoDBClient, 'send'>;
  readonly config: ProbeConfig;
}

/** Who holds the worker's slots while the probe takes the tasks itself. */
export const PROBE_SLOT_HOLDER = 'integ-probe';
/** Longer than a scenario: if the probe dies, the slots free themselves after this. */
const HOLD_MS = 10 * 60_000;

/** Takes every worker slot (unconditionally: a run that held one finishes its work and stops). */
async function holdWorkerSlots({ dynamodb, config }: HeldOffDependencies): Promise<void> {
  const expiresAt = Date.now() + HOLD_MS;
  for (let slot = 0; slot < config.workerSlotCount; slot++) {
    await dynamodb.send(
      new PutItemCommand({
        TableName: config.workerSlotsTable,
        Item: {
          slot: { S: slotKey(slot) },
          holder: { S: PROBE_SLOT_HOLDER },
          expiresAt: { N: String(expiresAt) },
          expiresAtSeconds: { N: String(Math.ceil(expiresAt / 1000) + 3_600) },
        },
      }),
    );
  }
}

/** Gives back the slots the probe still holds. */
async function releaseWorkerSlots({ dynamodb, config }: HeldOffDependencies): Promise<void> {
  for (let slot = 0; slot < config.workerSlotCount; slot++) {
    try {
      await dynamodb.send(
        new DeleteItemCommand({
          TableName: config.workerSlotsTable,
          Key: { slot: { S: slotKey(slot) } },
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':holder': { S: PROBE_SLOT_HOLDER } },
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
  }
}

/**
 * Runs a scenario that takes the approval tasks itself while the probe holds every worker slot
 * (the runs the WakeWorker invoke and the schedule start find no free slot and stop before
 * polling; the CheckRequest invoke, which needs no slot, still answers), then stops every
 * execution the scenario started that still runs and gives the slots back, whatever happened.
 * `notRun` is what the summary says when the slots could not be held.
 */
export async function withWorkerHeldOff<T extends object>(
  deps: HeldOffDependencies,
  notRun: T,
  scenario: (started: string[]) => Promise<T>,
): Promise<HeldOff & T> {
  const started: string[] = [];
  let workerHeldOff = false;
  let stopped = 0;
  let seen = notRun;
  const failures: unknown[] = [];
  try {
    await holdWorkerSlots(deps);
    workerHeldOff = true;
    seen = await scenario(started);
  } catch (error) {
    failures.push(error);
  }
  // A stop that fails must not keep the slots held, nor pass for "nothing left running": the
  // slots are given back first, then the first failure ends the scenario.
  for (const executionArn of started) {
    try {
      if (await stopIfRunning(deps.sfn, executionArn)) stopped++;
    } catch (error) {
      failures.push(error);
    }
  }
  // Also after a hold that failed part-way: the slots it did take would otherwise keep the worker
  // off for HOLD_MS. The release deletes only the slots the probe holds.
  await releaseWorkerSlots(deps);
  const [failure] = failures;
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error(JSON.stringify(failure));
  return { workerHeldOff, ...seen, workerRestored: workerHeldOff, stopped };
}
