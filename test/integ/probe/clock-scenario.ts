import type { HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { historyOf, sleep, startRequest, stopIfRunning, takeTask } from './executions';
import { ACTIVITY_CLOCK, type ClockSummary, clip, NO_TASK, NOT_REACHED, OWN_TIMEOUT_AFTER_INTERVAL } from './summary';
import { type HeldOffDependencies, withWorkerHeldOff } from './worker-hold';

export interface ClockDependencies extends HeldOffDependencies {
  /** How much longer than the stack's reminderIntervalSeconds the task waits untaken. @default 10000 */
  readonly lateByMs?: number;
  /** How long past the interval after pick-up the probe waits for the task's own timeout. @default 15000 */
  readonly timeoutSlackMs?: number;
}

/** How far past the interval after pick-up the service's timeout may land and still count as on time. */
const ON_TIME_SECONDS = 5;

const CLOCK_NOT_RUN = { activityClock: NOT_REACHED, ownTimeout: NOT_REACHED };

const first = (events: readonly HistoryEvent[], type: string): HistoryEvent | undefined => events.find((event) => event.type === type);

/** Seconds from one event to another, by the service's own timestamps. */
const secondsBetween = (from: HistoryEvent, to: HistoryEvent): number =>
  ((to.timestamp?.getTime() ?? Number.NaN) - (from.timestamp?.getTime() ?? Number.NaN)) / 1000;

/**
 * When the first task's TimeoutSeconds clock starts, from the history once the probe took a task
 * later than the interval after it was scheduled. A timeout before any ActivityStarted, or a task
 * that is already a reminder (attempt 2 or more), means the clock ran while nobody had the task.
 */
function judgeClock(events: readonly HistoryEvent[], attempt: number | undefined, intervalSeconds: number): string {
  const scheduled = first(events, 'ActivityScheduled');
  const started = first(events, 'ActivityStarted');
  const timedOut = first(events, 'ActivityTimedOut');
  if (timedOut && (!started || (timedOut.id ?? 0) < (started.id ?? 0))) return ACTIVITY_CLOCK.atScheduling;
  if (attempt !== undefined && attempt > 1) return ACTIVITY_CLOCK.atScheduling;
  if (attempt !== 1) return 'the task input has no attempt';
  if (!scheduled || !started) return clip(`no ${scheduled ? 'ActivityStarted' : 'ActivityScheduled'} in the history`);
  const pickUp = secondsBetween(scheduled, started);
  // Only a pick-up later than the interval tells the two clocks apart.
  if (!(pickUp > intervalSeconds)) return `not settled: taken ${pickUp.toFixed(1)} s after scheduling, within the ${intervalSeconds} s`;
  return ACTIVITY_CLOCK.atPickUp;
}

/** Waits for the taken task's ActivityTimedOut and says how long after its ActivityStarted it came. */
async function watchOwnTimeout(sfn: SFNClient, executionArn: string, intervalSeconds: number, slackMs: number): Promise<string> {
  const deadline = Date.now() + intervalSeconds * 1000 + slackMs;
  for (;;) {
    const events = await historyOf(sfn, executionArn);
    const started = first(events, 'ActivityStarted');
    const timedOut = first(events, 'ActivityTimedOut');
    if (started && timedOut) {
      const after = secondsBetween(started, timedOut);
      if (after >= intervalSeconds - 1 && after <= intervalSeconds + ON_TIME_SECONDS) return OWN_TIMEOUT_AFTER_INTERVAL;
      return `${after.toFixed(1)} s after pick-up, interval ${intervalSeconds} s`;
    }
    if (Date.now() > deadline) return `none within ${intervalSeconds} s + ${slackMs / 1000} s of pick-up`;
    await sleep(1_000);
  }
}

/**
 * Settles when Step Functions starts an activity task's TimeoutSeconds clock (the approval's
 * reminderIntervalSeconds), on which the emails' "the link works until" rests: the "Troubleshooting
 * activities" page of the Step Functions Developer Guide says it starts when a worker takes the task
 * (ActivityStarted). With the worker held off, the probe starts a one-approver request, leaves its
 * task untaken for the interval plus `lateByMs`, then takes it and reads the history: the first
 * task, taken with no timeout before, means the clock starts at pick-up; a timeout before any
 * ActivityStarted (or a reminder handed out) means it starts at scheduling. Then it waits for the
 * taken task's own timeout, which must come about the interval after ActivityStarted, and stops
 * the request. About the interval twice plus `lateByMs` and a few seconds: 73 s for 30 s.
 */
export async function runClockScenario(deps: ClockDependencies): Promise<ClockSummary> {
  const { sfn, config } = deps;
  const interval = config.reminderIntervalSeconds;
  return withWorkerHeldOff(deps, CLOCK_NOT_RUN, async (started) => {
    const request = await startRequest(sfn, config.stateMachineArn, 'clock');
    started.push(request.executionArn);
    await sleep(interval * 1000 + (deps.lateByMs ?? 10_000));
    const task = await takeTask(sfn, config.activityArn, request.name);
    if (!task?.ownTask) return { ...CLOCK_NOT_RUN, activityClock: task ? "another request's task" : NO_TASK };

    const activityClock = judgeClock(await historyOf(sfn, request.executionArn), task.attempt, interval);
    const ownTimeout =
      activityClock === ACTIVITY_CLOCK.atPickUp
        ? await watchOwnTimeout(sfn, request.executionArn, interval, deps.timeoutSlackMs ?? 15_000)
        : NOT_REACHED;
    // The request would go on to its reminder: stopping it is the end of the scenario, not a failure.
    await stopIfRunning(sfn, request.executionArn);
    return { activityClock, ownTimeout };
  });
}
