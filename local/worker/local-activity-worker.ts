import { type ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';

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

export interface WorkerRunResult {
  readonly result?: unknown;
  readonly error?: string;
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
  private readonly waiting = new Set<NodeJS.Timeout>();

  constructor(private readonly options: LocalActivityWorkerOptions) {}

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
      child.on('message', (message: { type: string; id?: number; result?: unknown; error?: string }) => {
        if (message.type === 'ready') {
          child.off('exit', onExit);
          resolve();
        } else if (message.type === 'result' && message.id !== undefined) {
          this.pending.get(message.id)?.({ result: message.result, error: message.error });
          this.pending.delete(message.id);
        }
      });
    });
    child.on('exit', () => {
      for (const settle of this.pending.values()) settle({ error: 'The worker process exited.' });
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

  /** Starts one run of the handler now; resolves with what it returned or the error it threw. */
  invoke(event: unknown): Promise<WorkerRunResult> {
    const child = this.child;
    if (this.closed || !child?.connected) return Promise.resolve({ error: 'The worker is stopped.' });
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
