import { type ChildProcess, fork } from 'node:child_process';
import * as readline from 'node:readline';
import { ownEntry } from '../own-entry';
import type { WorkerFunctionError } from './local-activity-worker';

/** The runtime file every function process runs (worker-process.ts): it loads the handler and answers invokes over IPC. */
const FUNCTION_PROCESS = ownEntry('worker-process');

export interface FunctionProcessOptions {
  /** The function's code folder (its asset in the assembly): the process's working folder. */
  readonly codeDir: string;
  /** `file.export`, as Lambda's Handler setting. */
  readonly handler: string;
  readonly environment: Readonly<Record<string, string>>;
  /** Each line the process prints. */
  readonly log?: (line: string) => void;
}

/**
 * Forks one process of a Lambda function, as the runtime would start it: Lambda's own variables
 * beside the function's, its output passed on line by line. However this process ends
 * (process.exit on a second Ctrl-C included), the child goes with it; a parent killed outright is
 * seen by the child itself, as its IPC channel closes.
 */
export function forkFunctionProcess(options: FunctionProcessOptions): ChildProcess {
  const child = fork(FUNCTION_PROCESS.file, [], {
    // The runtime file is TypeScript when run from the sources; resolved here, as the child's
    // working folder is the function's code, where tsx cannot be found.
    execArgv: [...FUNCTION_PROCESS.execArgv],
    cwd: options.codeDir,
    env: {
      ...options.environment,
      LAMBDA_TASK_ROOT: options.codeDir,
      _HANDLER: options.handler,
      PATH: process.env.PATH ?? '',
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) readline.createInterface({ input: stream }).on('line', (line) => options.log?.(line));
  }
  return child;
}

/** What a function process sends back over IPC (worker-process.ts). */
interface ProcessMessage {
  readonly type: string;
  readonly id?: number;
  readonly result?: unknown;
  readonly error?: WorkerFunctionError;
  /** Why the handler could not be loaded (an `init error` message). */
  readonly message?: string;
}

/** One invoke's answer: the handler's result, or the error it threw. */
export type InvokeOutcome = { readonly result: unknown } | { readonly error: WorkerFunctionError };

/**
 * Resolves once the process has loaded its handler (Lambda's init phase); rejects, with the
 * messages `describe` words, when the process ends first or the handler does not load. Every
 * invoke's answer, then and later, goes to `onResult`.
 */
export function untilHandlerLoaded(
  child: ChildProcess,
  describe: { readonly exitedEarly: (code: number | null) => string; readonly notLoaded: (reason: string) => string },
  onResult: (id: number, outcome: InvokeOutcome) => void,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(describe.exitedEarly(code)));
    child.once('exit', onExit);
    child.on('message', (message: ProcessMessage) => {
      if (message.type === 'ready') {
        child.off('exit', onExit);
        resolve();
      } else if (message.type === 'init error') {
        child.off('exit', onExit);
        reject(new Error(describe.notLoaded(message.message ?? 'no reason given')));
      } else if (message.type === 'result' && message.id !== undefined) {
        onResult(message.id, message.error === undefined ? { result: message.result } : { error: message.error });
      }
    });
  });
}
