import { type ChildProcess, fork } from 'node:child_process';
import * as readline from 'node:readline';
import { ownEntry } from '../own-entry';

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
