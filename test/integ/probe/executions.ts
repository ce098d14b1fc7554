import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetActivityTaskCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { PROBE_REQUEST, PROBE_WORKER_NAME } from './summary';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface StartedRequest {
  readonly executionArn: string;
  readonly name: string;
}

/**
 * Starts an approval request for the SES mailbox simulator, named after what the probe does with
 * it. @default input the original form, for one approver (PROBE_REQUEST)
 */
export async function startRequest(
  sfn: SFNClient,
  stateMachineArn: string,
  purpose: string,
  input: object = PROBE_REQUEST,
): Promise<StartedRequest> {
  const name = `integ-${purpose}-${Date.now()}`;
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
  if (!executionArn) throw new Error(`StartExecution returned no executionArn for ${name}`);
  return { executionArn, name };
}

/** A task the probe holds. The token stays in memory: it is never returned, logged or thrown. */
export interface HeldTask {
  readonly taskToken: string;
  /** The task is the one of the execution the probe started (the state machine passes its name). */
  readonly ownTask: boolean;
  /** The approver the task asks, from the task input. */
  readonly approver: string | undefined;
  /** The task's attempt, from the task input: 1 for the first email, 2 for the first reminder. */
  readonly attempt: number | undefined;
}

/**
 * Takes the next approval task, waiting up to the service's 60-second long poll. Undefined when
 * the poll ends empty: another poller took the task.
 */
export async function takeTask(sfn: SFNClient, activityArn: string, executionName: string): Promise<HeldTask | undefined> {
  const { taskToken, input } = await sfn.send(new GetActivityTaskCommand({ activityArn, workerName: PROBE_WORKER_NAME }));
  if (!taskToken) return undefined;
  const {
    executionName: taskExecution,
    approver,
    attempt,
  } = (parseJsonOrText(input) ?? {}) as { executionName?: unknown; approver?: unknown; attempt?: unknown };
  return {
    taskToken,
    ownTask: taskExecution === executionName,
    approver: typeof approver === 'string' ? approver : undefined,
    attempt: typeof attempt === 'number' ? attempt : undefined,
  };
}

/**
 * Takes the tasks of an execution that asks several approvers (one task each), keyed by approver.
 * Undefined as soon as a poll ends empty or hands over another execution's task.
 */
export async function takeTasksOf(
  sfn: SFNClient,
  activityArn: string,
  executionName: string,
  count: number,
): Promise<Map<string, HeldTask> | undefined> {
  const tasks = new Map<string, HeldTask>();
  while (tasks.size < count) {
    const task = await takeTask(sfn, activityArn, executionName);
    if (!task?.ownTask || task.approver === undefined || tasks.has(task.approver)) return undefined;
    tasks.set(task.approver, task);
  }
  return tasks;
}

export async function describe(sfn: SFNClient, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  return sfn.send(new DescribeExecutionCommand({ executionArn }));
}

/** The execution once it is no longer RUNNING, or as it is when `timeoutMs` have passed. */
export async function waitUntilClosed(sfn: SFNClient, executionArn: string, timeoutMs = 30_000): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const execution = await describe(sfn, executionArn);
    if (execution.status !== 'RUNNING' || Date.now() > deadline) return execution;
    await sleep(500);
  }
}

/** Stops the execution if it still runs; true when it had to be stopped. */
export async function stopIfRunning(sfn: SFNClient, executionArn: string): Promise<boolean> {
  if ((await describe(sfn, executionArn)).status !== 'RUNNING') return false;
  await sfn.send(
    new StopExecutionCommand({ executionArn, error: 'IntegTestCleanup', cause: 'Stopped by the integ test probe after its checks.' }),
  );
  return true;
}

/** Every history event of the execution, oldest first. */
export async function historyOf(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** JSON text parsed, or the text itself when it is not JSON. */
export function parseJsonOrText(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
