/**
 * The worker's concurrent loops and its hand-over, checked for correctness on a virtual clock:
 * every delay (a poll's answer, a send, the pace's waits, retry backoffs) is a timer of the clock
 * below, which only moves when nothing else can run. No test here depends on real time.
 */
import { DeleteItemCommand, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SendEmailCommand, SendingPausedException, type SESv2Client, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { GetActivityTaskCommand, SendTaskFailureCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { WorkerConfig } from '../../functions/approval-worker/config';
import {
  drainActivityTasks,
  MAX_CONSECUTIVE_DELIVERY_FAILURES,
  MAX_POLL_LOOPS,
  MIN_REMAINING_MS_TO_POLL,
  minRemainingMsToPoll,
  pollLoopCount,
  runWorker,
  shouldHandOver,
  type DrainSummary,
  type WorkerLogger,
  type WorkerRunDependencies,
} from '../../functions/approval-worker/drain-activity-tasks';
import { handOverHop, MAX_HAND_OVER_HOPS, type HandOverEvent } from '../../functions/approval-worker/hand-over-event';
import { SendRateLimiter } from '../../functions/approval-worker/send-rate-limiter';
import { validateApprovalRequest } from '../../functions/commons/approval-request';
import type { WorkerMetricName } from '../../functions/commons/worker-metrics';
import { WORKER_TIMEOUT_SECONDS } from '../../infra/approval-config';

/** A clock whose time moves only when every pending piece of work waits on one of its timers. */
class VirtualClock {
  now = 0;
  private timers: Array<{ at: number; order: number; resolve: () => void }> = [];
  private order = 0;

  readonly sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      this.timers.push({ at: this.now + Math.max(0, ms), order: this.order++, resolve });
    });

  /** Runs `work` to the end, moving the clock to the next timer whenever nothing else can run. */
  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    const watched = work.finally(() => {
      settled = true;
    });
    watched.catch(() => undefined);
    for (;;) {
      // Nothing here does real I/O: two turns of the event loop drain every promise chain.
      for (let turn = 0; turn < 2; turn++) await new Promise((resolve) => setImmediate(resolve));
      if (settled) return watched;
      this.timers.sort((a, b) => a.at - b.at || a.order - b.order);
      const next = this.timers.shift();
      if (!next) throw new Error('Nothing left to wait for, yet the work has not finished');
      this.now = Math.max(this.now, next.at);
      next.resolve();
    }
  }
}

/** Deterministic pseudo-random numbers, so that any failure can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const ACTIVITY_ARN = 'arn:aws:states:us-east-1:123456789012:activity:approval';
const API_URL = 'https://abc123.execute-api.us-east-1.amazonaws.com/respond/';

const REQUEST = (() => {
  const result = validateApprovalRequest({ managerEmailAddress: 'boss@example.com', employeeName: 'Jim' });
  if (!result.valid) throw new Error(result.problems.map((problem) => problem.message).join('; '));
  return result.request;
})();

const TASK_INPUT = JSON.stringify({
  request: REQUEST,
  approver: 'boss@example.com',
  attempt: 1,
  reminderCount: 2,
  reminderIntervalSeconds: 3600,
  executionName: 'exec-1',
});

const config = (maxSendRate: number): WorkerConfig => ({
  activityArn: ACTIVITY_ARN,
  approvalApiUrl: API_URL,
  senderEmail: undefined,
  maxSendRate,
  sesConfigurationSet: undefined,
  slots: undefined,
  metricsNamespace: 'HumanApproval',
});

interface LogLine {
  level: string;
  message: string;
  extra: unknown[];
}

/** AWS-like latencies: Step Functions calls about 25 ms, an SES SendEmail about 60 ms. */
const AWS_LIKE = { pollMs: () => 25, sendMs: () => 60, failMs: () => 25 };

/**
 * The activity, Step Functions and SES, faked on the virtual clock. The activity hands each queued
 * task to exactly one poll, as Step Functions does; `deadline` is when the Lambda would time out.
 */
function fakeWorld(options: {
  tasks: number;
  deadline: number;
  latency?: { pollMs: () => number; sendMs: () => number; failMs: () => number };
  /** Decides each SendEmail: undefined sends it, an error rejects it. */
  sesAnswer?: (sendNumber: number) => Error | undefined;
}) {
  const clock = new VirtualClock();
  const latency = options.latency ?? AWS_LIKE;
  const queue = Array.from({ length: options.tasks }, (_, i) => `task-${String(i).padStart(5, '0')}`);
  const handed = new Map<string, number>();
  const emailed = new Map<string, number>();
  const failed = new Map<string, string>();
  /** Time left (deadline - now) when each poll started. */
  const pollStarts: number[] = [];
  /** What happened, in order: `poll`, `handed <token>`, `empty`, `send <token>`, `failed <token>`. */
  const events: string[] = [];
  const sendTimes: number[] = [];
  let pollsInFlight = 0;
  let mostPollsInFlight = 0;
  let sendsInFlight = 0;
  let mostSendsInFlight = 0;
  let sendNumber = 0;

  const sfn = {
    send: async (command: unknown) => {
      if (command instanceof GetActivityTaskCommand) {
        pollStarts.push(options.deadline - clock.now);
        events.push('poll');
        pollsInFlight++;
        mostPollsInFlight = Math.max(mostPollsInFlight, pollsInFlight);
        await clock.sleep(latency.pollMs());
        pollsInFlight--;
        const taskToken = queue.shift();
        if (!taskToken) {
          events.push('empty');
          return {};
        }
        handed.set(taskToken, (handed.get(taskToken) ?? 0) + 1);
        events.push(`handed ${taskToken}`);
        return { taskToken, input: TASK_INPUT };
      }
      if (command instanceof SendTaskFailureCommand) {
        await clock.sleep(latency.failMs());
        failed.set(command.input.taskToken ?? '', command.input.error ?? '');
        events.push(`failed ${command.input.taskToken}`);
        return {};
      }
      throw new Error(`Unexpected Step Functions call ${String(command)}`);
    },
  } as unknown as SFNClient;

  const ses = {
    send: async (command: unknown) => {
      if (!(command instanceof SendEmailCommand)) throw new Error('Unexpected SES call');
      const token = /taskToken=([^"&\s]+)/.exec(command.input.Content?.Simple?.Body?.Text?.Data ?? '')?.[1] ?? '';
      sendTimes.push(clock.now);
      sendsInFlight++;
      mostSendsInFlight = Math.max(mostSendsInFlight, sendsInFlight);
      await clock.sleep(latency.sendMs());
      sendsInFlight--;
      const answer = options.sesAnswer?.(++sendNumber);
      if (answer) throw answer;
      emailed.set(token, (emailed.get(token) ?? 0) + 1);
      events.push(`send ${token}`);
      return { MessageId: `m-${token}` };
    },
  } as unknown as SESv2Client;

  return {
    clock,
    sfn,
    ses,
    queue,
    handed,
    emailed,
    failed,
    pollStarts,
    events,
    sendTimes,
    remainingTimeMs: () => options.deadline - clock.now,
    get mostPollsInFlight() {
      return mostPollsInFlight;
    },
    get mostSendsInFlight() {
      return mostSendsInFlight;
    },
  };
}

type World = ReturnType<typeof fakeWorld>;

function depsFor(world: World, maxSendRate: number, logs: LogLine[] = [], counted: WorkerMetricName[] = []): WorkerRunDependencies {
  const at =
    (level: string) =>
    (message: string, ...extra: unknown[]) =>
      logs.push({ level, message, extra });
  const logger: WorkerLogger = { info: at('info'), warn: at('warn'), error: at('error') };
  return {
    sfn: world.sfn,
    ses: world.ses,
    config: config(maxSendRate),
    logger,
    remainingTimeMs: world.remainingTimeMs,
    now: () => new Date('2026-11-21T10:00:00Z'),
    sleep: world.clock.sleep,
    limiter: new SendRateLimiter({ maxPerSecond: maxSendRate, now: () => world.clock.now, sleep: world.clock.sleep }),
    metrics: { count: (name) => counted.push(name) },
  };
}

/** Every task handed out was dealt with exactly once: emailed, or reported failed to Step Functions. */
function expectEveryHandedTaskDealtWithOnce(world: World): void {
  for (const [token, times] of world.handed) {
    expect([token, times]).toEqual([token, 1]);
    const outcomes = (world.emailed.get(token) ?? 0) + (world.failed.has(token) ? 1 : 0);
    expect([token, outcomes]).toEqual([token, 1]);
  }
  for (const token of [...world.emailed.keys(), ...world.failed.keys()]) expect(world.handed.has(token)).toBe(true);
}

const PLENTY_OF_TIME = 290_000;

describe('how many loops a run keeps', () => {
  it('is ceil(share x 0.25 s), at least 1, at most MAX_POLL_LOOPS', () => {
    expect([0.1, 1, 4, 5, 10, 50, 100, 128, 1000].map(pollLoopCount)).toEqual([1, 1, 1, 2, 3, 13, 25, 32, MAX_POLL_LOOPS]);
  });

  it('needs more time left to poll as loops grow, at most a few seconds more, and nothing more for one loop', () => {
    expect(minRemainingMsToPoll(1, 1)).toBe(MIN_REMAINING_MS_TO_POLL);
    for (const rate of [1, 5, 10, 50, 100, 300, 1000]) {
      const extra = minRemainingMsToPoll(rate, pollLoopCount(rate)) - MIN_REMAINING_MS_TO_POLL;
      expect(extra).toBeGreaterThanOrEqual(0);
      expect(extra).toBeLessThanOrEqual(4_000);
    }
  });
});

describe('several loops in one run', () => {
  it('hands every one of 200 tasks to exactly one poll and emails each exactly once', async () => {
    const random = seededRandom(11);
    const world = fakeWorld({
      tasks: 200,
      deadline: PLENTY_OF_TIME,
      // Answers come back in a different order than the calls went out.
      latency: { pollMs: () => 5 + random() * 60, sendMs: () => 20 + random() * 120, failMs: () => 25 },
    });
    const rate = 32;

    const summary = await world.clock.run(drainActivityTasks(depsFor(world, rate)));

    expect(summary).toEqual({
      tasksTaken: 200,
      emailsSent: 200,
      invalidRequests: 0,
      deliveryFailures: 0,
      stoppedBecause: 'no-task-waiting',
    });
    expect(world.handed.size).toBe(200);
    expect(world.emailed.size).toBe(200);
    expectEveryHandedTaskDealtWithOnce(world);
    // The loops really overlap, and never beyond the run's share.
    expect(world.mostPollsInFlight).toBeGreaterThan(1);
    expect(world.mostPollsInFlight).toBeLessThanOrEqual(pollLoopCount(rate));
    expect(world.mostSendsInFlight).toBeLessThanOrEqual(pollLoopCount(rate));
    // Each loop ends at its own first empty poll: one empty poll per loop, and no poll after it.
    const polls = world.events.filter((event) => event === 'poll').length;
    const empties = world.events.filter((event) => event === 'empty').length;
    expect(polls).toBe(200 + empties);
    expect(empties).toBe(pollLoopCount(rate));
  });

  it('makes a single poll when nothing is waiting: extra loops start only once tasks come', async () => {
    const world = fakeWorld({ tasks: 0, deadline: PLENTY_OF_TIME });

    const summary = await world.clock.run(drainActivityTasks(depsFor(world, 100)));

    expect(summary.stoppedBecause).toBe('no-task-waiting');
    expect(world.events).toEqual(['poll', 'empty']);
  });

  it('ends a run with one task after two empty polls at most', async () => {
    const world = fakeWorld({ tasks: 1, deadline: PLENTY_OF_TIME });

    await world.clock.run(drainActivityTasks(depsFor(world, 100)));

    expect(world.events.filter((event) => event === 'empty')).toHaveLength(2);
  });

  it('keeps its share of the send rate busy with AWS-like latencies, and never goes above it', async () => {
    // 50/s: the default stack's 100/s over 2 slots. One loop alone would reach 1000 / (25 + 60) = 11.8/s.
    const rate = 50;
    const world = fakeWorld({ tasks: 1_000, deadline: PLENTY_OF_TIME });

    const summary = await world.clock.run(drainActivityTasks(depsFor(world, rate)));

    expect(summary.emailsSent).toBe(1_000);
    const seconds = (world.sendTimes.at(-1)! - world.sendTimes[0]!) / 1000;
    const achieved = (world.sendTimes.length - 1) / seconds;
    expect(achieved).toBeGreaterThanOrEqual(0.95 * rate);
    expect(achieved).toBeLessThanOrEqual(rate * 1.001);
    // Over any second, never more than the share (plus the one send that opens the window).
    for (let i = 0; i + rate < world.sendTimes.length; i++) {
      expect(world.sendTimes[i + rate]! - world.sendTimes[i]!).toBeGreaterThanOrEqual(1000 - 1e-6);
    }
  });

  it('starts no poll once the time left is below the rule, and finishes every task already taken', async () => {
    const rate = 40;
    const cutoff = minRemainingMsToPoll(rate, pollLoopCount(rate));
    const deadline = cutoff + 20_000;
    // Slow polls: some start above the cutoff and bring their task when the time left is below it.
    const world = fakeWorld({ tasks: 10_000, deadline, latency: { pollMs: () => 400, sendMs: () => 60, failMs: () => 25 } });

    const summary = await world.clock.run(drainActivityTasks(depsFor(world, rate)));

    expect(summary.stoppedBecause).toBe('time-running-out');
    expect(Math.min(...world.pollStarts)).toBeGreaterThanOrEqual(cutoff);
    expect(world.queue.length).toBeGreaterThan(0);
    expect(summary.tasksTaken).toBe(world.handed.size);
    expect(summary.emailsSent).toBe(world.handed.size);
    expectEveryHandedTaskDealtWithOnce(world);
    // Tasks were in flight when the cutoff passed, and they still went out.
    expect(world.sendTimes.filter((time) => deadline - time < cutoff).length).toBeGreaterThan(1);
    // The run ends soon after its last poll: the time a whole poll and a task's budget need is kept.
    expect(deadline - world.clock.now).toBeGreaterThan(cutoff - 1_000);
  });

  it('slows the shared pace of every loop when SES answers with throttling', async () => {
    const rate = 40;
    const throttledSends = new Set([6, 7, 8, 9]);
    const drainWith = async (throttle: boolean) => {
      const world = fakeWorld({
        tasks: 120,
        deadline: PLENTY_OF_TIME,
        sesAnswer: (send) =>
          throttle && throttledSends.has(send)
            ? new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', $metadata: {} })
            : undefined,
      });
      const deps = depsFor(world, rate);
      const summary = await world.clock.run(drainActivityTasks(deps));
      return { world, summary };
    };

    const steady = await drainWith(false);
    const throttled = await drainWith(true);

    expect(throttled.summary).toMatchObject({ tasksTaken: 120, emailsSent: 120, deliveryFailures: 0 });
    expectEveryHandedTaskDealtWithOnce(throttled.world);
    const span = (times: number[]) => times.at(-1)! - times[0]!;
    // 120 emails at 40/s take about 3 s. The 4 retried sends alone would add 4 slots (100 ms); the
    // pace, down to 10/s and climbing back 4/s per email, adds some 350 ms more, whichever loop sends.
    expect(span(steady.world.sendTimes)).toBeLessThan(3_100);
    expect(span(throttled.world.sendTimes)).toBeGreaterThan(span(steady.world.sendTimes) + 300);
    // The pace never goes above the share, throttled or not.
    for (const { world } of [steady, throttled]) {
      for (let i = 1; i < world.sendTimes.length; i++) {
        expect(world.sendTimes[i]! - world.sendTimes[i - 1]!).toBeGreaterThanOrEqual(1000 / rate - 1e-6);
      }
    }
  });

  it.each([
    ['an account problem', 'ses-account-problem', () => new SendingPausedException({ message: 'Sending is paused.', $metadata: {} })],
    [
      `${MAX_CONSECUTIVE_DELIVERY_FAILURES} failures in a row`,
      'email-delivery-failing',
      () => Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }),
    ],
  ] as Array<[string, DrainSummary['stoppedBecause'], () => Error]>)(
    'stops every loop on %s: no poll starts after it, and tasks already taken are finished',
    async (_label, reason, failure) => {
      // SES works for the first 20 emails (the loops grow), then fails every one.
      const world = fakeWorld({ tasks: 500, deadline: PLENTY_OF_TIME, sesAnswer: (send) => (send > 20 ? failure() : undefined) });
      const logs: LogLine[] = [];

      const summary = await world.clock.run(drainActivityTasks(depsFor(world, 40, logs)));

      expect(summary.stoppedBecause).toBe(reason);
      expectEveryHandedTaskDealtWithOnce(world);
      expect(world.failed.size).toBeGreaterThan(0);
      expect(summary.tasksTaken).toBe(world.handed.size);
      expect(world.queue.length).toBeGreaterThan(400);
      // The run decided to stop at the failure that made it stop; no poll started after that.
      const stopAt = world.events.findIndex((event) => event.startsWith('failed '));
      const failuresToStop = reason === 'ses-account-problem' ? 1 : MAX_CONSECUTIVE_DELIVERY_FAILURES;
      const decisive = world.events.map((event, index) => [event, index] as const).filter(([event]) => event.startsWith('failed '))[
        failuresToStop - 1
      ]?.[1];
      expect(stopAt).toBeGreaterThan(0);
      expect(world.events.slice((decisive ?? 0) + 1)).not.toContain('poll');
      // The stop is logged once, however many loops saw SES fail.
      const stopLines = logs.filter((line) => /leaving the other tasks queued/.test(line.message));
      expect(stopLines).toHaveLength(1);
    },
  );
});

describe('the hand-over', () => {
  /** A slot table that records when the run takes and releases its slot. */
  function fakeSlots(events: string[]) {
    const dynamodb = {
      send: async (command: unknown) => {
        await Promise.resolve();
        if (command instanceof PutItemCommand) events.push('slot taken');
        else if (command instanceof DeleteItemCommand) events.push('slot released');
        return {};
      },
    } as unknown as DynamoDBClient;
    return { dynamodb, tableName: 'slots', count: 2, holder: 'request-1', now: () => 1_000_000, random: () => 0 };
  }

  it('starts the next run when time runs out while tasks are still arriving, after releasing the slot', async () => {
    const rate = 10;
    const world = fakeWorld({ tasks: 5_000, deadline: minRemainingMsToPoll(rate, pollLoopCount(rate)) + 30_000 });
    const logs: LogLine[] = [];
    const counted: WorkerMetricName[] = [];
    const slotEvents: string[] = [];
    const handOver = jest.fn(() => {
      slotEvents.push('hand-over');
      return Promise.resolve();
    });

    const summary = await world.clock.run(runWorker({ ...depsFor(world, rate, logs, counted), handOver }, fakeSlots(slotEvents)));

    expect(summary).toMatchObject({ stoppedBecause: 'time-running-out', handOver: 'invoked' });
    expect(summary.emailsSent).toBeGreaterThan(0);
    expect(handOver).toHaveBeenCalledTimes(1);
    expect(slotEvents).toEqual(['slot taken', 'slot released', 'hand-over']);
    expect(counted.filter((name) => name === 'HandOvers')).toHaveLength(1);
    expect(logs.filter((line) => line.message.startsWith('Handed over to a new run'))).toHaveLength(1);
    expectEveryHandedTaskDealtWithOnce(world);
  });

  it('does not hand over when the activity drained (the last poll came back empty)', async () => {
    const world = fakeWorld({ tasks: 30, deadline: PLENTY_OF_TIME });
    const handOver = jest.fn(() => Promise.resolve());

    const summary = await world.clock.run(runWorker({ ...depsFor(world, 10), handOver }));

    expect(summary).toMatchObject({ stoppedBecause: 'no-task-waiting', emailsSent: 30 });
    expect(summary.handOver).toBeUndefined();
    expect(handOver).not.toHaveBeenCalled();
  });

  it('does not hand over when no task was received', async () => {
    const handOver = jest.fn(() => Promise.resolve());
    const idle = fakeWorld({ tasks: 0, deadline: PLENTY_OF_TIME });
    const late = fakeWorld({ tasks: 10, deadline: MIN_REMAINING_MS_TO_POLL - 1 });

    const idleSummary = await idle.clock.run(runWorker({ ...depsFor(idle, 10), handOver }));
    const lateSummary = await late.clock.run(runWorker({ ...depsFor(late, 10), handOver }));

    expect(idleSummary.stoppedBecause).toBe('no-task-waiting');
    expect(lateSummary).toMatchObject({ stoppedBecause: 'time-running-out', tasksTaken: 0 });
    expect(late.events).toEqual([]);
    expect(handOver).not.toHaveBeenCalled();
  });

  it('does not hand over when a loop stopped for time but a later poll found the activity empty', async () => {
    const world = fakeWorld({ tasks: 1, deadline: PLENTY_OF_TIME });
    const handOver = jest.fn(() => Promise.resolve());
    // First loop: plenty of time, takes the task; the loop it starts then finds too little time;
    // the first loop, asking again, still has time and finds the activity empty.
    const remaining = [PLENTY_OF_TIME, MIN_REMAINING_MS_TO_POLL - 1, PLENTY_OF_TIME];
    const deps = { ...depsFor(world, 10), handOver, remainingTimeMs: () => remaining.shift() ?? 0 };

    const summary = await world.clock.run(runWorker(deps));

    expect(world.events).toEqual(['poll', 'handed task-00000', 'send task-00000', 'poll', 'empty']);
    expect(summary.stoppedBecause).toBe('no-task-waiting');
    expect(handOver).not.toHaveBeenCalled();
  });

  it('does not hand over when SES stopped the run, nor when every slot was held', async () => {
    const handOver = jest.fn(() => Promise.resolve());
    const failing = fakeWorld({
      tasks: 50,
      deadline: PLENTY_OF_TIME,
      sesAnswer: () => new SendingPausedException({ message: 'Sending is paused.', $metadata: {} }),
    });
    await failing.clock.run(runWorker({ ...depsFor(failing, 10), handOver }));
    const busy = {
      ...fakeSlots([]),
      dynamodb: {
        send: () => Promise.reject(Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' })),
      } as unknown as DynamoDBClient,
    };
    const world = fakeWorld({ tasks: 50, deadline: PLENTY_OF_TIME });
    const summary = await world.clock.run(runWorker({ ...depsFor(world, 10), handOver }, busy));

    expect(summary.stoppedBecause).toBe('all-slots-busy');
    expect(handOver).not.toHaveBeenCalled();
  });

  it('logs a failed hand-over and still ends the run normally: the schedule remains the safety net', async () => {
    const rate = 10;
    const world = fakeWorld({ tasks: 5_000, deadline: minRemainingMsToPoll(rate, pollLoopCount(rate)) + 5_000 });
    const logs: LogLine[] = [];
    const counted: WorkerMetricName[] = [];
    const handOver = jest.fn(() =>
      Promise.reject(
        Object.assign(new Error('User is not authorized to perform: lambda:InvokeFunction'), { name: 'AccessDeniedException' }),
      ),
    );

    const summary = await world.clock.run(runWorker({ ...depsFor(world, rate, logs, counted), handOver }));

    expect(summary).toMatchObject({ stoppedBecause: 'time-running-out', handOver: 'invoke-failed' });
    expect(counted).not.toContain('HandOvers');
    const [line] = logs.filter((entry) => entry.level === 'error');
    expect(line?.message).toMatch(/^Could not hand over to a new run/);
    expect(line?.extra[0]).toMatchObject({ handOverError: 'AccessDeniedException' });
  });

  it('counts the hops of a chain: each run hands its successor the next hop, and the chain stops at the limit', async () => {
    // Prepare: a backlog no chain of runs can drain, each run out of time after a few tasks.
    const rate = 10;
    const world = fakeWorld({ tasks: 1_000_000, deadline: Number.MAX_SAFE_INTEGER });
    const logs: LogLine[] = [];
    const counted: WorkerMetricName[] = [];
    const started: HandOverEvent[] = [];
    const minRemaining = minRemainingMsToPoll(rate, pollLoopCount(rate));
    let event: unknown = { source: 'aws.events' };
    const outcomes: Array<string | undefined> = [];

    // Act: play Lambda, starting each run with the event its predecessor handed over, until one does not.
    for (let run = 0; run <= MAX_HAND_OVER_HOPS + 1; run++) {
      // Time for two polls, then too little: every run stops for time with tasks still arriving.
      const remaining = [PLENTY_OF_TIME, PLENTY_OF_TIME];
      const handOver = (next: HandOverEvent): Promise<void> => {
        started.push(next);
        return Promise.resolve();
      };
      const deps = {
        ...depsFor(world, rate, logs, counted),
        remainingTimeMs: () => remaining.shift() ?? minRemaining - 1,
        handOver,
        handOverHop: handOverHop(event),
      };
      const summary = await world.clock.run(runWorker(deps));
      outcomes.push(summary.handOver);
      if (summary.handOver !== 'invoked') break;
      event = JSON.parse(JSON.stringify(started.at(-1)));
    }

    // Assess: hops 1, 2, ... up to the limit, then one run that stops the chain, says so and counts it.
    expect(started.map((next) => next.hop)).toEqual(Array.from({ length: MAX_HAND_OVER_HOPS }, (_, i) => i + 1));
    expect(started.every((next) => next.reason === 'handOver')).toBe(true);
    expect(outcomes).toHaveLength(MAX_HAND_OVER_HOPS + 1);
    expect(outcomes.at(-1)).toBe('limit-reached');
    expect(counted.filter((name) => name === 'HandOvers')).toHaveLength(MAX_HAND_OVER_HOPS);
    expect(counted.filter((name) => name === 'HandOverLimitReached')).toHaveLength(1);
    const warnings = logs.filter((line) => line.level === 'warn' && line.message.startsWith('Not handing over'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain(`handed over ${MAX_HAND_OVER_HOPS} times`);
    expect(warnings[0]?.extra[0]).toMatchObject({ hop: MAX_HAND_OVER_HOPS, maxHandOverHops: MAX_HAND_OVER_HOPS });
    expectEveryHandedTaskDealtWithOnce(world);
  });

  it('hands over from the last hop below the limit, and not from the limit itself', async () => {
    const rate = 10;
    const run = async (hop: number) => {
      const world = fakeWorld({ tasks: 5_000, deadline: minRemainingMsToPoll(rate, pollLoopCount(rate)) + 30_000 });
      const counted: WorkerMetricName[] = [];
      const handOver = jest.fn((_next: HandOverEvent) => Promise.resolve());
      const summary = await world.clock.run(runWorker({ ...depsFor(world, rate, [], counted), handOver, handOverHop: hop }));
      return { summary, handOver, counted };
    };

    const below = await run(MAX_HAND_OVER_HOPS - 1);
    const at = await run(MAX_HAND_OVER_HOPS);

    expect(below.summary.handOver).toBe('invoked');
    expect(below.handOver).toHaveBeenCalledWith({ reason: 'handOver', hop: MAX_HAND_OVER_HOPS });
    expect(at.summary).toMatchObject({ stoppedBecause: 'time-running-out', handOver: 'limit-reached' });
    expect(at.handOver).not.toHaveBeenCalled();
    expect(at.counted).toContain('HandOverLimitReached');
    expect(at.counted).not.toContain('HandOvers');
  });

  it.each([
    ['a hand-over from an older run, without a hop', { reason: 'handOver' }, 0],
    ['a hop that is not a number', { reason: 'handOver', hop: '95' }, 0],
    ['a negative hop', { reason: 'handOver', hop: -3 }, 0],
    ['a fractional hop', { reason: 'handOver', hop: 2.5 }, 0],
    ['an infinite hop', { reason: 'handOver', hop: Infinity }, 0],
    ['a wake-up', { reason: 'activityScheduled' }, 0],
    ['the schedule', { source: 'aws.events', 'detail-type': 'Scheduled Event' }, 0],
    ['no event at all', null, 0],
    ['a hand-over with its hop', { reason: 'handOver', hop: 7 }, 7],
  ])('reads %s as hop %d', (_label, event, hop) => {
    expect(handOverHop(event)).toBe(hop);
  });

  it('bounds a chain to a few hours of runs, long enough for a large backlog', () => {
    // The limit's comment promises "a little over 8 hours" at most.
    const longestChainSeconds = (MAX_HAND_OVER_HOPS + 1) * WORKER_TIMEOUT_SECONDS;
    expect(longestChainSeconds).toBe(29_100);
    // Far beyond Lambda's own stop at about 16 invocations in one chain.
    expect(MAX_HAND_OVER_HOPS).toBeGreaterThan(16);
  });

  it('is due exactly for a run that took tasks and stopped for time', () => {
    const ran = { tasksTaken: 3, emailsSent: 3, invalidRequests: 0, deliveryFailures: 0 };
    expect(shouldHandOver({ ...ran, stoppedBecause: 'time-running-out' })).toBe(true);
    expect(shouldHandOver({ ...ran, tasksTaken: 0, emailsSent: 0, stoppedBecause: 'time-running-out' })).toBe(false);
    for (const reason of ['no-task-waiting', 'email-delivery-failing', 'ses-account-problem', 'all-slots-busy'] as const) {
      expect(shouldHandOver({ ...ran, stoppedBecause: reason })).toBe(false);
    }
  });
});
