import { DeleteItemCommand, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { slotKey } from '../../../functions/approval-worker/worker-slots';
import { buildDecisionLinks } from '../../../functions/commons/decision-links';
import type { ProbeConfig } from './config';
import { describe, parseJsonOrText, startRequest, stopIfRunning, takeTask, waitUntilClosed } from './executions';
import {
  type ApproveSeen,
  type ClickSummary,
  describeDecisionRecord,
  NO_TASK,
  NOT_REACHED,
  type PageSeen,
  type RejectSeen,
} from './summary';

export interface ClickDependencies {
  readonly sfn: SFNClient;
  readonly dynamodb: Pick<DynamoDBClient, 'send'>;
  readonly config: ProbeConfig;
  readonly openLink: (url: string) => Promise<PageSeen>;
}

/** Characters of the token a damaged link changes or loses. */
const DAMAGED_TAIL = 10;

/** The token with each of its last characters replaced by another base64 character. */
export function alteredToken(token: string): string {
  const tail = [...token.slice(-DAMAGED_TAIL)].map((char) => (char === 'A' ? 'B' : 'A')).join('');
  return token.slice(0, -DAMAGED_TAIL) + tail;
}

/** The token cut short, as a mail client that wraps a long line might leave it. */
export function truncatedToken(token: string): string {
  return token.slice(0, -DAMAGED_TAIL);
}

const NO_APPROVAL: ApproveSeen = { click: NO_TASK, execution: NOT_REACHED, record: NOT_REACHED, secondClick: NOT_REACHED };
const NO_REJECTION: RejectSeen = {
  alteredLink: NOT_REACHED,
  truncatedLink: NOT_REACHED,
  afterDamagedLinks: NOT_REACHED,
  click: NOT_REACHED,
  execution: NOT_REACHED,
  record: NOT_REACHED,
};

/** Approve: one click decides, the same link clicked again finds the request closed. */
async function approveThenClickAgain(deps: ClickDependencies, started: string[]): Promise<ApproveSeen | undefined> {
  const { sfn, config } = deps;
  const request = await startRequest(sfn, config.stateMachineArn, 'approve');
  started.push(request.executionArn);
  const task = await takeTask(sfn, config.activityArn, request.name);
  if (!task?.ownTask) return undefined;

  const { approveUrl } = buildDecisionLinks(config.approvalApiUrl, task.taskToken);
  const click = await deps.openLink(approveUrl);
  const execution = await waitUntilClosed(sfn, request.executionArn);
  const output = parseJsonOrText(execution.output) as { approval?: { decision?: unknown } } | undefined;
  const secondClick = await deps.openLink(approveUrl);
  return { click, execution: String(execution.status), record: describeDecisionRecord(output?.approval?.decision), secondClick };
}

/** Reject, after two damaged links that must change nothing. */
async function rejectAfterDamagedLinks(deps: ClickDependencies, started: string[]): Promise<RejectSeen | undefined> {
  const { sfn, config } = deps;
  const request = await startRequest(sfn, config.stateMachineArn, 'reject');
  started.push(request.executionArn);
  const task = await takeTask(sfn, config.activityArn, request.name);
  if (!task?.ownTask) return undefined;

  const alteredLink = await deps.openLink(buildDecisionLinks(config.approvalApiUrl, alteredToken(task.taskToken)).approveUrl);
  const truncatedLink = await deps.openLink(buildDecisionLinks(config.approvalApiUrl, truncatedToken(task.taskToken)).rejectUrl);
  const afterDamagedLinks = String((await describe(sfn, request.executionArn)).status);

  const click = await deps.openLink(buildDecisionLinks(config.approvalApiUrl, task.taskToken).rejectUrl);
  const execution = await waitUntilClosed(sfn, request.executionArn);
  return {
    alteredLink,
    truncatedLink,
    afterDamagedLinks,
    click,
    execution: [execution.status, execution.error].filter(Boolean).join(' '),
    record: describeDecisionRecord(parseJsonOrText(execution.cause)),
  };
}

/** Who holds the worker's slots while the probe takes the tasks itself. */
export const PROBE_SLOT_HOLDER = 'integ-probe';
/** Longer than the scenario: if the probe dies, the slots free themselves after this. */
const HOLD_MS = 10 * 60_000;

/** Takes every worker slot (unconditionally: a run that held one finishes its work and stops). */
async function holdWorkerSlots(deps: ClickDependencies): Promise<void> {
  const expiresAt = Date.now() + HOLD_MS;
  for (let slot = 0; slot < deps.config.workerSlotCount; slot++) {
    await deps.dynamodb.send(
      new PutItemCommand({
        TableName: deps.config.workerSlotsTable,
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
async function releaseWorkerSlots(deps: ClickDependencies): Promise<void> {
  for (let slot = 0; slot < deps.config.workerSlotCount; slot++) {
    try {
      await deps.dynamodb.send(
        new DeleteItemCommand({
          TableName: deps.config.workerSlotsTable,
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
 * The click path on the deployed API, with real task tokens: the probe takes the tasks itself
 * while it holds every worker slot (the runs the WakeWorker invoke and the schedule start find no
 * free slot and stop before polling; the CheckRequest invoke, which needs no slot, still answers),
 * then gives the slots back.
 */
export async function runClickScenario(deps: ClickDependencies): Promise<ClickSummary> {
  const { sfn } = deps;
  const started: string[] = [];
  let workerHeldOff = false;
  let workerRestored = false;
  let stopped = 0;
  let approve = NO_APPROVAL;
  let reject = NO_REJECTION;
  try {
    await holdWorkerSlots(deps);
    workerHeldOff = true;
    approve = (await approveThenClickAgain(deps, started)) ?? NO_APPROVAL;
    // Without its own task the probe raced another poller; a second 60-second poll would not fit.
    if (approve !== NO_APPROVAL) reject = (await rejectAfterDamagedLinks(deps, started)) ?? { ...NO_REJECTION, click: NO_TASK };
  } finally {
    for (const executionArn of started) {
      if (await stopIfRunning(sfn, executionArn)) stopped++;
    }
    if (workerHeldOff) {
      await releaseWorkerSlots(deps);
      workerRestored = true;
    }
  }
  return { workerHeldOff, approve, reject, workerRestored, stopped };
}
