import * as fs from 'node:fs';
import * as os from 'node:os';

/**
 * Every way a person or a supervisor stops `npm start`: Ctrl-C (SIGINT), a supervisor or `timeout`
 * (SIGTERM, which npm forwards to the script), closing the terminal (SIGHUP), and the process that
 * started this one going away without a word (npm killed with SIGKILL, or by a SIGHUP npm does not
 * forward).
 */
export type StopRequest = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'parent exited';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * npm forwards SIGINT and SIGTERM to its script, which also receives them straight from the terminal
 * (Ctrl-C reaches the whole foreground process group) or from a kill of the group: one request
 * arrives twice within milliseconds. A repeat this soon is that echo, not someone asking again.
 */
const ECHO_WINDOW_MS = 1_000;

/** How often the parent is checked: a stop within a second of it going away. */
const PARENT_CHECK_MS = 500;

/** The parent as the kernel sees it now; process.ppid is read once, at start. Linux only. */
function currentParentPid(): number | undefined {
  try {
    const stat = fs.readFileSync('/proc/self/stat', 'utf8');
    // "pid (command) state ppid ...": the command may hold spaces and parentheses, so read after its last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

function parentExited(startedBy: number): boolean {
  const now = currentParentPid();
  // An orphan is adopted by init or a subreaper, so its parent changes the moment the old one exits.
  if (now !== undefined) return now !== startedBy;
  try {
    process.kill(startedBy, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Calls `onStop` once for the first stop request, then with `repeat` true for each later signal
 * (someone asking again while the stop takes time), echoes of the first excepted. The parent going
 * away during a stop is expected (a supervisor stopping the whole group) and asks nothing more.
 */
export function onStopRequest(onStop: (request: StopRequest, repeat: boolean) => void): void {
  let firstAt: number | undefined;
  const request = (kind: StopRequest): void => {
    if (firstAt === undefined) {
      firstAt = Date.now();
      onStop(kind, false);
    } else if (kind !== 'parent exited' && Date.now() - firstAt >= ECHO_WINDOW_MS) {
      onStop(kind, true);
    }
  };
  for (const signal of STOP_SIGNALS) process.on(signal, () => request(signal));
  const startedBy = process.ppid;
  const check = setInterval(() => {
    if (!parentExited(startedBy)) return;
    clearInterval(check);
    request('parent exited');
  }, PARENT_CHECK_MS);
  // The servers keep this process alive; this check alone must not.
  check.unref();
}

/** The exit code of a process this request stopped, as shells report one ended by the signal: 128 + its number. */
export function stoppedExitCode(request: StopRequest): number {
  // A parent that went away is a hang-up: nobody is left to read the output.
  return 128 + os.constants.signals[request === 'parent exited' ? 'SIGHUP' : request];
}

export interface StopOnRequestOptions {
  /** What the first request starts, said after it: `stopping the benchmark` gives "SIGTERM: stopping the benchmark...". */
  readonly stopping: string;
  /** Closes what is open (servers, child processes, files); the process ends once it resolves. */
  readonly stop: () => Promise<void>;
  /** Said once stopped, if anything. */
  readonly stoppedLine?: string;
  /** Past this, a stop still waiting (on a stuck worker, say) ends the process anyway. @default 5000 */
  readonly deadlineMs?: number;
  /** What stops, as the line past the deadline names it: `The local stack` gives "The local stack did not stop within 5 s...". */
  readonly what?: string;
  /**
   * The exit code once stopped. A server asked to stop that stopped did what it was asked: 0. A
   * command that runs until done and was cut short reports the signal. @default 128 + the signal's number (stoppedExitCode)
   */
  readonly exitCode?: number;
}

/**
 * The one stop path of every long-running command (the local stack of `approval local`, a
 * benchmark, a wait), which must stop cleanly on every stop request: says what it stops, closes
 * what is open and exits (with `exitCode`); on a second request, or past the deadline, it ends at
 * once (130, or 1). Whatever the end, the process's 'exit' handlers run, which remove temporary
 * files and kill child processes.
 */
export function stopProcessOnRequest(options: StopOnRequestOptions): void {
  const deadlineMs = options.deadlineMs ?? 5_000;
  const say = (line: string, stream: NodeJS.WriteStream = process.stdout): void => void stream.write(`${line}\n`);
  // A closed terminal (SIGHUP) leaves what is written nowhere to go.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  onStopRequest((request, repeat) => {
    if (repeat) {
      say('Stopping immediately.');
      process.exit(130);
    }
    say(`\n${request === 'parent exited' ? 'Parent process exited' : request}: ${options.stopping}...`);
    const deadline = setTimeout(() => {
      const line = `did not stop within ${deadlineMs / 1000} s; stopping immediately.`;
      say(options.what === undefined ? `${line[0]?.toUpperCase()}${line.slice(1)}` : `${options.what} ${line}`, process.stderr);
      process.exit(1);
    }, deadlineMs);
    options.stop().then(
      () => {
        clearTimeout(deadline);
        if (options.stoppedLine !== undefined) say(options.stoppedLine);
        process.exit(options.exitCode ?? stoppedExitCode(request));
      },
      (error: Error) => {
        say(`Could not stop cleanly: ${error.message}`, process.stderr);
        process.exit(1);
      },
    );
  });
}
