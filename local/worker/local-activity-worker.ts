import { type ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { WorkerInvokeError } from './worker-invoke-error';

export interface LocalActivityWorkerOptions {
  /** The worker's environment: the function's variables from the template plus the local endpoints. */
  readonly environment: Readonly<Record<string, string>>;
  /** The function's timeout, from the template. */
  readonly timeoutSeconds: number;
  /** How often the schedule starts the worker, from the template's rule. */
  readonly scheduleMs: number;
  readonly functionName?: string;
  /** Reserved concurrency from the template: most runs at once; undefined for no limit. */
  readonly maxConcurrency?: number;
  /** How long an asynchronous start waits for a free instance before it is dropped (the function's MaximumEventAge). */
  readonly maxEventAgeMs?: number;
  /** Receives the worker's log lines (its structured JSON logs) and run summaries. */
  readonly log?: (line: string) => void;
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
  /** The run ended without the handler answering (FunctionError "Unhandled"): it timed out, or the worker stopped or died. */
  readonly unhandled?: string;
}

interface ResultMessage {
  readonly type: string;
  readonly id?: number;
  readonly result?: unknown;
  readonly error?: WorkerFunctionError;
}

const WORKER_PROCESS = path.join(__dirname, 'worker-process.ts');

/**
 * Runs the real worker handler on a schedule, in a child process with the same environment
 * variables Lambda would give it. As on Lambda, a scheduled start does not wait for an earlier run
 * that is still holding a poll: runs overlap, and each takes whatever task reaches its poll.
 */
export class LocalActivityWorker {
  private child: ChildProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (result: WorkerRunResult) => void>();
  private closed = false;
  private running = 0;
  private slotsHeldElsewhere = false;
  private readonly waiting = new Set<NodeJS.Timeout>();

  constructor(private readonly options: LocalActivityWorkerOptions) {}

  /** Asynchronous starts running now, which the reserved-concurrency bound counts (synchronous invokes are not counted). */
  get busyInstances(): number {
    return this.running;
  }

  /** Starts the worker process and the schedule; resolves once the handler is loaded. Also restarts a closed worker. */
  async start(): Promise<void> {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) return;
    this.closed = false;
    const child = fork(WORKER_PROCESS, [], {
      execArgv: ['--require', 'tsx/cjs'],
      env: { ...this.options.environment, PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) readline.createInterface({ input: stream }).on('line', (line) => this.options.log?.(line));
    }
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`The worker process exited with code ${code} before it was ready.`));
      child.once('exit', onExit);
      child.on('message', (message: ResultMessage) => {
        if (message.type === 'ready') {
          child.off('exit', onExit);
          resolve();
        } else if (message.type === 'result' && message.id !== undefined) {
          this.pending.get(message.id)?.(message.error === undefined ? { result: message.result } : { error: message.error });
          this.pending.delete(message.id);
        }
      });
    });
    child.on('exit', () => {
      for (const settle of this.pending.values()) settle({ unhandled: 'The worker process exited.' });
      this.pending.clear();
    });
    const scheduled = { source: 'aws.events', 'detail-type': 'Scheduled Event' };
    this.timer = setInterval(() => this.invokeAsync(scheduled), this.options.scheduleMs);
    this.invokeAsync(scheduled);
  }

  /**
   * An asynchronous start, as EventBridge or a fire-and-forget invoke makes it: it runs when an
   * instance is free within the reserved concurrency, waits for one up to the maximum event age,
   * and is dropped after that.
   */
  invokeAsync(event: unknown, receivedAt = Date.now()): void {
    if (this.closed) return;
    // Every slot held by someone else: on AWS such a run starts, finds no free slot and stops at once.
    if (this.slotsHeldElsewhere) return;
    const max = this.options.maxConcurrency;
    if (max === undefined || this.running < max) {
      this.running++;
      void this.invoke(event).finally(() => {
        this.running--;
      });
      return;
    }
    if (Date.now() - receivedAt >= (this.options.maxEventAgeMs ?? 6 * 3_600_000)) {
      this.options.log?.(`an asynchronous start found all ${max} instances busy for its whole event age and was dropped`);
      return;
    }
    const retry = setTimeout(() => {
      this.waiting.delete(retry);
      this.invokeAsync(event, receivedAt);
    }, 1_000);
    this.waiting.add(retry);
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
    const timedOut = new Promise<WorkerRunResult>((resolve) => {
      timer = setTimeout(() => resolve({ unhandled: `Task timed out after ${timeoutSeconds.toFixed(2)} seconds` }), timeoutSeconds * 1000);
    });
    const outcome = await Promise.race([this.invoke(event), timedOut]).finally(() => clearTimeout(timer));
    if (outcome.error !== undefined) throw new WorkerInvokeError({ kind: 'handled', error: outcome.error });
    if (outcome.unhandled !== undefined) throw new WorkerInvokeError({ kind: 'unhandled', reason: outcome.unhandled });
    return outcome.result;
  }

  /** Starts one run of the handler now; resolves with what it returned, the error it threw, or why it ended unanswered. */
  invoke(event: unknown): Promise<WorkerRunResult> {
    const child = this.child;
    if (this.closed || !child?.connected) return Promise.resolve({ unhandled: 'The worker is stopped.' });
    const id = this.nextId++;
    return new Promise<WorkerRunResult>((resolve) => {
      this.pending.set(id, resolve);
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
    for (const retry of this.waiting) clearTimeout(retry);
    this.waiting.clear();
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}
