import type { ChildProcess } from 'node:child_process';
import { addedLatency, checkedLatencyMs } from '../added-latency';
import { forkFunctionProcess, untilHandlerLoaded } from './function-process';
import { WarmInstances } from './warm-instances';
import { WorkerInvokeError } from './worker-invoke-error';

export interface LocalActivityWorkerOptions {
  /** The function's code: the folder of its asset in the cloud assembly (Lambda's task root). */
  readonly codeDir: string;
  /** The template's Handler, e.g. `index.handler`. */
  readonly handler: string;
  /** The worker's environment: the function's variables from the template plus the local endpoints. */
  readonly environment: Readonly<Record<string, string>>;
  /** The function's timeout, from the template (or shortened for a benchmark). */
  readonly timeoutSeconds: number;
  /**
   * Added before a run that finds no warm idle instance, to model a Lambda cold start (the init
   * phase; like Lambda, it does not count toward the function's timeout). @default 0
   */
  readonly coldStartMs?: number;
  /** How long an instance stays warm with no run. @default 300000 (5 minutes) */
  readonly warmIdleMs?: number;
  /** How often the schedule starts the worker, from the template's rule; undefined when no rule starts it. */
  readonly scheduleMs?: number;
  readonly functionName?: string;
  /**
   * Reserved concurrency from the template; undefined for none. Lambda throttles an asynchronous
   * start beyond it, keeps the event and retries it: here it waits for the next free instance.
   */
  readonly reservedConcurrency?: number;
  /**
   * The worker's slot count. There is no slot table locally, so the runner plays it: a run started
   * while every slot is in use stops at once on AWS, and is not started here. A hand-over is the
   * exception: its run gave its slot back before it invoked, so its successor waits for it to end.
   */
  readonly slotCount?: number;
  /** How long a throttled asynchronous start is kept before it is dropped (the function's MaximumEventAge). */
  readonly maxEventAgeMs?: number;
  /** Receives the worker's log lines (its structured JSON logs) and run summaries. */
  readonly log?: (line: string) => void;
  /**
   * How long a dead worker process must have run for its replacement to start a run at once (a test
   * shortens it to see both sides in seconds). @default MIN_LIFETIME_FOR_CATCH_UP_RUN_MS
   */
  readonly minLifetimeForCatchUpRunMs?: number;
}

/** An error the handler threw, as the Node.js Lambda runtime reports it (FunctionError "Handled"). */
export interface WorkerFunctionError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

export interface WorkerRunResult {
  /** What the handler returned. */
  readonly result?: unknown;
  /** The handler threw. */
  readonly error?: WorkerFunctionError;
  /** The run ended without the handler answering (FunctionError "Unhandled"): it timed out, or the worker was stopped. */
  readonly unhandled?: string;
  /** The worker process died during the run: Lambda's answer for a runtime that exited (FunctionError "Unhandled", `Runtime.ExitError`). */
  readonly runtimeExit?: WorkerFunctionError;
}

/** An asynchronous start, and who made it. */
export interface AsyncStartOptions {
  /**
   * The function started this run itself (through the Lambda Invoke endpoint, which only the
   * function is given): a run handing over to its successor, which gave its slot back before it
   * invoked and is about to end, so the successor waits for it instead of being skipped.
   */
  readonly fromItself?: boolean;
  readonly receivedAt?: number;
}

/** What EventBridge's schedule sends the worker. */
const SCHEDULED_EVENT = { source: 'aws.events', 'detail-type': 'Scheduled Event' };

/**
 * How long a worker process must have run, since it was ready or since the last run reached it,
 * whichever is later, before it died for its replacement to start a run at once. One that dies
 * sooner most likely died of what a run was doing (a task that crashes the worker every time): a
 * run started at once would take that task again and die again, forking and crashing with no
 * pause. Its replacement waits for the next wake-up or scheduled run, as on AWS, where nothing else
 * starts one.
 */
export const MIN_LIFETIME_FOR_CATCH_UP_RUN_MS = 5_000;

/** How Go, in which Lambda's runtime supervisor is written, names the signals that end a process. */
const SIGNAL_WORDS: Readonly<Partial<Record<NodeJS.Signals, string>>> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGSEGV: 'segmentation fault',
  SIGABRT: 'aborted',
  SIGINT: 'interrupt',
  SIGHUP: 'hangup',
  SIGBUS: 'bus error',
};

/**
 * What Lambda answers for an invocation whose runtime process ended under it: `Runtime.ExitError`,
 * "RequestId: ... Error: Runtime exited with error: signal: killed" (or "exit status 1"), as the AWS
 * re:Post Knowledge Center article "How do I troubleshoot Lambda 'Runtime exited' errors?" quotes it.
 */
export function runtimeExitError(requestId: string, code: number | null, signal: NodeJS.Signals | null): WorkerFunctionError {
  const how = signal !== null ? `signal: ${SIGNAL_WORDS[signal] ?? signal}` : `exit status ${code ?? 0}`;
  return { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: ${how}` };
}

/**
 * What becomes of an asynchronous start (a wake-up, the schedule, a hand-over) with `running` runs
 * under way:
 * - `start`: within reserved concurrency and a slot is free;
 * - `wait` for the next run to end: Lambda throttled it (beyond reserved concurrency it keeps the
 *   event and retries it), or it is a hand-over, whose run has already given its slot back and is
 *   about to end (waiting for that, not for a fixed retry delay, adds no gap Lambda does not have);
 * - `skip`: every slot is in use, so on AWS the run starts, finds no free slot and stops at once
 *   (the runs holding the slots drain the same activity). Without this, the thousands of wake-ups
 *   of a backlog would queue up here and keep the worker going without any hand-over.
 */
export function asyncStartAdmission(options: {
  readonly running: number;
  readonly reservedConcurrency?: number | undefined;
  readonly slotCount?: number | undefined;
  readonly handOver: boolean;
}): 'start' | 'wait' | 'skip' {
  const { running, reservedConcurrency, slotCount, handOver } = options;
  const throttled = reservedConcurrency !== undefined && running >= reservedConcurrency;
  const slotsInUse = slotCount !== undefined && running >= slotCount;
  if (!throttled && !slotsInUse) return 'start';
  return throttled || handOver ? 'wait' : 'skip';
}

/**
 * Runs the real worker handler on a schedule, in a child process with the same environment
 * variables Lambda would give it. As on Lambda, a scheduled start does not wait for an earlier run
 * that is still holding a poll: runs overlap, and each takes whatever task reaches its poll.
 */
export class LocalActivityWorker {
  private child: ChildProcess | undefined;
  /** A worker process being started (at start, or after one died): runs wait for it. */
  private starting: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nextId = 1;
  /** Runs handed to a worker process and not answered yet, by invocation id, with the process running each. */
  private readonly pending = new Map<number, { readonly child: ChildProcess; readonly settle: (result: WorkerRunResult) => void }>();
  /** When each worker process was ready, or last given a run, whichever is later. */
  private readonly lastRunAt = new WeakMap<ChildProcess, number>();
  private closed = false;
  private running = 0;
  private slotsHeldElsewhere = false;
  /** Asynchronous starts waiting for a free instance, oldest first. */
  private readonly queued: Array<{ readonly event: unknown; readonly receivedAt: number; readonly fromItself: boolean }> = [];
  private readonly instances: WarmInstances;
  private readonly coldStartMs: number;

  constructor(private readonly options: LocalActivityWorkerOptions) {
    this.coldStartMs = checkedLatencyMs('coldStartMs', options.coldStartMs);
    this.instances = new WarmInstances(checkedLatencyMs('warmIdleMs', options.warmIdleMs ?? 5 * 60_000));
  }

  /** The folder the function's code is loaded from. */
  get codeDir(): string {
    return this.options.codeDir;
  }

  /** The variables the worker process runs with: the template's, plus the local endpoints. */
  get environment(): Readonly<Record<string, string>> {
    return this.options.environment;
  }

  /** The time limit of each run, which the handler's getRemainingTimeInMillis counts down from. */
  get timeoutSeconds(): number {
    return this.options.timeoutSeconds;
  }

  /** Warm instances waiting idle: the next run that finds one starts without a cold start. */
  get warmIdleInstances(): number {
    return this.instances.idle;
  }

  /** Asynchronous starts running now, which the reserved-concurrency bound counts (synchronous invokes are not counted). */
  get busyInstances(): number {
    return this.running;
  }

  /** Starts the worker process and the schedule; resolves once the handler is loaded. Also restarts a closed worker. */
  async start(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return;
    this.closed = false;
    // A new process has no warm instance, whatever answered from the old one after close().
    this.instances.clear();
    await this.startProcess();
    if (this.options.scheduleMs === undefined) return;
    this.timer = setInterval(() => this.invokeAsync(SCHEDULED_EVENT), this.options.scheduleMs);
    this.invokeAsync(SCHEDULED_EVENT);
  }

  /** Forks a worker process; resolves once its handler is loaded. */
  private startProcess(): Promise<void> {
    this.starting ??= this.forkProcess().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async forkProcess(): Promise<void> {
    const child = forkFunctionProcess(this.options);
    this.child = child;
    await untilHandlerLoaded(
      child,
      {
        exitedEarly: (code) => `The worker process exited with code ${code} before it was ready.`,
        notLoaded: (reason) => `The worker's handler did not load: ${reason}`,
      },
      (id, outcome) => {
        this.pending.get(id)?.settle(outcome);
        this.pending.delete(id);
      },
    );
    this.lastRunAt.set(child, Date.now());
    child.on('exit', (code, signal) => this.processExited(child, code, signal, Date.now() - (this.lastRunAt.get(child) ?? 0)));
  }

  /**
   * The worker process ended. On close() that was asked for; otherwise it died (killed, out of
   * memory, a crash): the runs it had fail as Lambda fails them, and a new process starts, as
   * Lambda starts a new instance. When the process had lived MIN_LIFETIME_FOR_CATCH_UP_RUN_MS or
   * more since it was ready and since the last run reached it, a run then starts in it as the schedule would start one, to take the tasks the runs that
   * died would have taken: without it they would wait for the next tick. When it died sooner, no
   * run starts: the next wake-up or scheduled run starts one, so that a crash loop goes at that pace.
   */
  private processExited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, sinceLastRunMs: number): void {
    let inFlight = 0;
    for (const [id, run] of this.pending) {
      if (run.child !== child) continue;
      inFlight++;
      this.pending.delete(id);
      run.settle({ runtimeExit: runtimeExitError(`local-${child.pid}-${id}`, code, signal) });
    }
    if (this.closed) return;
    this.instances.clear();
    const how = signal !== null ? `signal ${signal}` : `code ${code}`;
    this.options.log?.(
      `The worker process exited unexpectedly (${how}); ${inFlight} run${inFlight === 1 ? '' : 's'} in flight failed with Runtime.ExitError. Starting a new worker process, as Lambda starts a new instance.`,
    );
    // A run may have found the process gone first and started the new one already.
    const replacement = this.child === child ? this.startProcess() : (this.starting ?? Promise.resolve());
    replacement.then(
      () => {
        if (this.closed) return;
        if (sinceLastRunMs < (this.options.minLifetimeForCatchUpRunMs ?? MIN_LIFETIME_FOR_CATCH_UP_RUN_MS)) {
          this.options.log?.(
            `A new worker process is ready. The one before died ${(sinceLastRunMs / 1000).toFixed(1)} s after it started or a run reached it, so no run starts in it now: the next wake-up or scheduled run starts one.`,
          );
          return;
        }
        this.options.log?.('A new worker process is ready; a run starts in it, as the schedule would start one.');
        this.invokeAsync(SCHEDULED_EVENT);
      },
      (error: Error) => {
        if (!this.closed) this.options.log?.(`The new worker process did not start (${error.message}); the next run tries again.`);
      },
    );
  }

  /**
   * An asynchronous start, as EventBridge or a fire-and-forget invoke makes it: it runs at once, or
   * waits for a run to end (up to the maximum event age), or is skipped; see {@link asyncStartAdmission}.
   */
  invokeAsync(event: unknown, start: AsyncStartOptions = {}): void {
    if (this.closed) return;
    // Every slot held by someone else: on AWS such a run starts, finds no free slot and stops at once.
    if (this.slotsHeldElsewhere) return;
    const receivedAt = start.receivedAt ?? Date.now();
    const admission = asyncStartAdmission({ ...this.options, running: this.running, handOver: start.fromItself === true });
    if (admission === 'start') {
      this.running++;
      void this.invoke(event).finally(() => {
        this.running--;
        this.startQueued();
      });
    } else if (admission === 'wait') {
      this.queued.push({ event, receivedAt, fromItself: start.fromItself === true });
    }
  }

  /** Starts the oldest queued asynchronous start that is still within its event age, if an instance is free. */
  private startQueued(): void {
    const maxAgeMs = this.options.maxEventAgeMs ?? 6 * 3_600_000;
    for (let next = this.queued.shift(); next !== undefined && !this.closed; next = this.queued.shift()) {
      if (Date.now() - next.receivedAt >= maxAgeMs) {
        this.options.log?.(`an asynchronous start found every instance busy for its whole event age and was dropped`);
        continue;
      }
      this.invokeAsync(next.event, next);
      return;
    }
  }

  /**
   * Plays every worker slot being held by someone else (the integ probe holds them on AWS so that it
   * takes the approval tasks itself): asynchronous and scheduled starts then do nothing, as runs
   * that find no free slot stop before polling; a synchronous invoke (CheckRequest) still answers.
   */
  holdSlots(held: boolean): void {
    this.slotsHeldElsewhere = held;
  }

  /**
   * A synchronous (RequestResponse) invoke, as a Task state's `lambda:invoke` makes it: runs the
   * handler now, outside the bound on asynchronous starts (that bound stands for the worker's
   * slots and reserved concurrency against long polls; this is an ordinary call that answers at
   * once), and resolves with what the handler returned. Rejects with a WorkerInvokeError when the
   * worker is stopped (throttled, as reserved concurrency 0 is), the handler threw, or it did not
   * answer within the function's timeout (Lambda would end that run; here it goes on in the worker
   * process, its answer unused).
   */
  async invokeSync(event: unknown): Promise<unknown> {
    if (this.closed) throw new WorkerInvokeError({ kind: 'throttled' });
    const timeoutSeconds = this.options.timeoutSeconds;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await new Promise<WorkerRunResult>((resolve) => {
      // The clock starts when the handler does, after any cold start, as Lambda's timeout does.
      void this.run(event, () => {
        timer = setTimeout(
          () => resolve({ unhandled: `Task timed out after ${timeoutSeconds.toFixed(2)} seconds` }),
          timeoutSeconds * 1000,
        );
      }).then(resolve);
    }).finally(() => clearTimeout(timer));
    if (outcome.error !== undefined) throw new WorkerInvokeError({ kind: 'handled', error: outcome.error });
    if (outcome.runtimeExit !== undefined) throw new WorkerInvokeError({ kind: 'runtime exit', error: outcome.runtimeExit });
    if (outcome.unhandled !== undefined) throw new WorkerInvokeError({ kind: 'unhandled', reason: outcome.unhandled });
    return outcome.result;
  }

  /**
   * Starts one run of the handler now (after a cold start when no warm instance is idle); resolves
   * with what it returned, the error it threw, or why it ended unanswered.
   */
  invoke(event: unknown): Promise<WorkerRunResult> {
    return this.run(event);
  }

  private async run(event: unknown, onHandlerStart?: () => void): Promise<WorkerRunResult> {
    if (this.closed) return { unhandled: 'The worker is stopped.' };
    // The process died (a new one is starting, or could not start last time): the run waits for a new one.
    if (!this.child?.connected) await this.startProcess().catch(() => undefined);
    // Without a cold start to model, no wait at all: the run starts in this very turn, as before.
    if (!this.instances.take() && this.coldStartMs > 0) await addedLatency(this.coldStartMs);
    const child = this.child;
    // The worker may have stopped during the cold start.
    if (this.closed || !child?.connected) return { unhandled: 'The worker is stopped.' };
    const id = this.nextId++;
    onHandlerStart?.();
    // The instance is busy until the handler answers, even when a synchronous caller stopped
    // waiting at the timeout; a run the process never answers (it died) leaves no warm instance.
    return new Promise<WorkerRunResult>((resolve) => {
      this.pending.set(id, {
        child,
        settle: (result) => {
          if (result.unhandled === undefined && result.runtimeExit === undefined) this.instances.release();
          resolve(result);
        },
      });
      this.lastRunAt.set(child, Date.now());
      child.send({
        type: 'invoke',
        id,
        event,
        timeoutMs: this.options.timeoutSeconds * 1000,
        functionName: this.options.functionName ?? 'approval-worker',
      });
    });
  }

  /**
   * Stops the schedule and ends the process at once, as a Lambda that dies or times out would: a
   * task it had taken is neither emailed nor answered.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.queued.length = 0;
    // The process ends below, and every instance with it: the next start is cold.
    this.instances.clear();
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}
