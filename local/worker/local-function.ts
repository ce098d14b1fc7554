import type { ChildProcess } from 'node:child_process';
import { forkFunctionProcess, untilHandlerLoaded } from './function-process';
import { runtimeExitError, type WorkerFunctionError } from './local-activity-worker';
import { WorkerInvokeError } from './worker-invoke-error';

export interface LocalFunctionOptions {
  /** The logical id the function goes by (its context's functionName). */
  readonly functionName: string;
  /** The function's code: the folder of its asset in the cloud assembly (Lambda's task root). */
  readonly codeDir: string;
  /** The template's Handler, e.g. `index.handler`. */
  readonly handler: string;
  /** The function's variables from the template, resolved for this machine, plus the local endpoints. */
  readonly environment: Readonly<Record<string, string>>;
  /** The function's Timeout from the template. */
  readonly timeoutSeconds: number;
  /** Receives the function's log lines. */
  readonly log?: (line: string) => void;
}

/**
 * A Lambda function that is only invoked synchronously (an API's proxy integration): its handler
 * runs in a child process of its own, as a warm Lambda instance would, with the environment Lambda
 * would give it. The process is the worker's runtime (worker-process.ts); a process that died is
 * replaced at the next invoke, as Lambda starts a new instance.
 */
export class LocalFunction {
  private child: ChildProcess | undefined;
  private starting: Promise<void> | undefined;
  private nextId = 1;
  private closed = false;
  private readonly pending = new Map<number, { readonly child: ChildProcess; readonly settle: (outcome: Outcome) => void }>();

  constructor(private readonly options: LocalFunctionOptions) {}

  get functionName(): string {
    return this.options.functionName;
  }

  /** The folder the function's code is loaded from. */
  get codeDir(): string {
    return this.options.codeDir;
  }

  /** The variables the function's process runs with. */
  get environment(): Readonly<Record<string, string>> {
    return this.options.environment;
  }

  /** Starts the function's process; resolves once the handler is loaded (Lambda's init phase), rejects when it cannot be. */
  async start(): Promise<void> {
    this.closed = false;
    if (this.child?.connected) return;
    this.starting ??= this.forkProcess().finally(() => {
      this.starting = undefined;
    });
    await this.starting;
  }

  private async forkProcess(): Promise<void> {
    const child = forkFunctionProcess(this.options);
    this.child = child;
    child.once('exit', (code, signal) => {
      for (const [id, run] of this.pending) {
        if (run.child !== child) continue;
        this.pending.delete(id);
        run.settle({ runtimeExit: runtimeExitError(`local-${child.pid}-${id}`, code, signal) });
      }
    });
    await untilHandlerLoaded(
      child,
      {
        exitedEarly: (code) => `The process of the function ${this.options.functionName} exited with code ${code} before it was ready.`,
        notLoaded: (reason) => `The handler of the function ${this.options.functionName} did not load: ${reason}`,
      },
      (id, outcome) => {
        this.pending.get(id)?.settle(outcome);
        this.pending.delete(id);
      },
    );
  }

  /**
   * A RequestResponse invoke: the handler's result, or a WorkerInvokeError when it threw, did not
   * answer within the function's timeout, or its process died, as Lambda reports each.
   */
  async invokeSync(event: unknown): Promise<unknown> {
    if (this.closed) throw new WorkerInvokeError({ kind: 'throttled' });
    if (!this.child?.connected) await this.start();
    const child = this.child;
    if (this.closed || !child?.connected) throw new WorkerInvokeError({ kind: 'unhandled', reason: 'The function is stopped.' });
    const id = this.nextId++;
    const { timeoutSeconds } = this.options;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await new Promise<Outcome>((resolve) => {
      this.pending.set(id, { child, settle: resolve });
      timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ unhandled: `Task timed out after ${timeoutSeconds.toFixed(2)} seconds` });
      }, timeoutSeconds * 1000);
      child.send({ type: 'invoke', id, event, timeoutMs: timeoutSeconds * 1000, functionName: this.options.functionName });
    }).finally(() => clearTimeout(timer));
    if (outcome.error !== undefined) throw new WorkerInvokeError({ kind: 'handled', error: outcome.error });
    if (outcome.runtimeExit !== undefined) throw new WorkerInvokeError({ kind: 'runtime exit', error: outcome.runtimeExit });
    if (outcome.unhandled !== undefined) throw new WorkerInvokeError({ kind: 'unhandled', reason: outcome.unhandled });
    return outcome.result;
  }

  /** Ends the function's process at once. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

interface Outcome {
  readonly result?: unknown;
  readonly error?: WorkerFunctionError;
  readonly unhandled?: string;
  readonly runtimeExit?: WorkerFunctionError;
}
