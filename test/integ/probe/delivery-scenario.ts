import type { HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { TASK_BUDGET_MS } from '../../../functions/approval-worker/drain-activity-tasks';
import type { ProbeConfig } from './config';
import { describe, historyOf, sleep, startRequest, stopIfRunning } from './executions';
import { clip, type DeliverySummary } from './summary';

export interface DeliveryDependencies {
  readonly sfn: SFNClient;
  readonly config: ProbeConfig;
  /** How long the worker may take over one task before it has reported a failure. @default the worker's TASK_BUDGET_MS */
  readonly taskBudgetMs?: number;
}

/** How long the worker may take to pick the task up: the WakeWorker invoke starts it within seconds. */
const PICK_UP_TIMEOUT_MS = 60_000;

async function waitForActivityStarted(sfn: SFNClient, executionArn: string): Promise<HistoryEvent | undefined> {
  const deadline = Date.now() + PICK_UP_TIMEOUT_MS;
  for (;;) {
    const started = (await historyOf(sfn, executionArn)).find((event) => event.type === 'ActivityStarted');
    if (started || Date.now() > deadline) return started;
    await sleep(1_000);
  }
}

/**
 * Delivery by the real worker: it takes the task and sends through SES without reporting a
 * failure. The worker reports every failed send with SendTaskFailure (an ActivityFailed event)
 * within its per-task budget, so once that budget has passed after ActivityStarted, an execution
 * still waiting on the task with no ActivityFailed means SES accepted the email.
 */
export async function runDeliveryScenario({ sfn, config, taskBudgetMs = TASK_BUDGET_MS }: DeliveryDependencies): Promise<DeliverySummary> {
  const request = await startRequest(sfn, config.stateMachineArn, 'delivery');
  let observed: Omit<DeliverySummary, 'stopped'>;
  let stopped = false;
  try {
    const started = await waitForActivityStarted(sfn, request.executionArn);
    if (started) await sleep(taskBudgetMs + 5_000);
    const events = await historyOf(sfn, request.executionArn);
    const workerName = started?.activityStartedEventDetails?.workerName;
    const failed = events.find((event) => event.type === 'ActivityFailed')?.activityFailedEventDetails;
    observed = {
      takenBy: started ? (workerName === config.workerFunctionName ? 'worker' : clip(workerName ?? 'an unnamed poller', 80)) : 'nobody',
      failure: failed ? clip(`${failed.error ?? ''}: ${failed.cause ?? ''}`, 300) : 'none',
      lastEvent: events.at(-1)?.type ?? 'none',
      statusAfterWorker: String((await describe(sfn, request.executionArn)).status),
    };
  } finally {
    stopped = await stopIfRunning(sfn, request.executionArn);
  }
  return { ...observed, stopped };
}
