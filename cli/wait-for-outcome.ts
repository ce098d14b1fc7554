import { DescribeExecutionCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { toApprovalExecutionView, type ApprovalExecutionView } from './approval-execution';
import { describeApprover } from './approver-text';
import type { CliOutput } from './output';
import { EXIT_INTERRUPTED, exitCodeOfOutcome } from './exit-codes';
import { readExecutionHistory } from './execution-history';
import { formatExecution } from './format';
import { formatJson, printable } from './format-values';
import { lineProgress, silentProgress, terminalProgress, type ProgressReporter } from './progress';

/** What waiting needs from the process; tests pass a clock, a sleep that returns at once, and a fake terminal. */
export interface WaitDependencies {
  readonly now: () => Date;
  /** Resolves after `milliseconds`, or as soon as `signal` aborts. */
  readonly sleep: (milliseconds: number, signal: AbortSignal) => Promise<void>;
  /** Calls `listener` on Ctrl-C (SIGINT) until the returned function is called. */
  readonly onInterrupt: (listener: () => void) => () => void;
  /** Whether stdout is a terminal: only there is the progress line rewritten in place. */
  readonly stdoutIsTTY: () => boolean;
  readonly stdoutColumns: () => number | undefined;
  /** Writes to stdout as it is, without a line break. */
  readonly writeStdout: (text: string) => void;
}

function abortableSleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, milliseconds);
    signal.addEventListener('abort', done, { once: true });
  });
}

export const processWaitDependencies: WaitDependencies = {
  now: () => new Date(),
  sleep: abortableSleep,
  onInterrupt: (listener) => {
    // While someone listens, Ctrl-C no longer ends the process at once: the wait says what is left open.
    process.on('SIGINT', listener);
    return () => process.off('SIGINT', listener);
  },
  stdoutIsTTY: () => process.stdout.isTTY === true,
  stdoutColumns: () => process.stdout.columns,
  writeStdout: (text) => process.stdout.write(text),
};

/**
 * A decision comes from a click, often within minutes, sometimes days later: poll often at first,
 * then less, so a wait over days stays far inside the API's request rate.
 */
export function pollInterval(elapsedMilliseconds: number): number {
  if (elapsedMilliseconds < 2 * 60_000) return 2_000;
  if (elapsedMilliseconds < 30 * 60_000) return 10_000;
  return 30_000;
}

// The history is several calls for a long request, and its rate limit is the tighter one: read it
// at every poll while the emails go out, then at most this often.
const HISTORY_INTERVAL = 10_000;
const LONGEST_BACKOFF = 60_000;
// A wait over days should survive a short outage; one that keeps failing should say so.
const MOST_FAILURES_IN_A_ROW = 5;

const NETWORK_ERRORS = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH']);

/** Throttling, a server error or a dropped connection: worth another try after a pause. */
function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, $fault, $retryable } = error as { name?: unknown; code?: unknown; $fault?: unknown; $retryable?: unknown };
  if (name === 'ThrottlingException' || name === 'TooManyRequestsException' || $retryable !== undefined) return true;
  if ($fault === 'server') return true;
  return typeof code === 'string' && NETWORK_ERRORS.has(code);
}

export interface WaitRequest {
  readonly sfn: SFNClient;
  readonly executionArn: string;
  readonly json: boolean;
  /** ` --local` or nothing: for the command a message suggests. */
  readonly targetFlag: string;
  readonly output: CliOutput;
  readonly waiting: WaitDependencies;
}

function reporterFor(request: WaitRequest): ProgressReporter {
  if (request.json) return silentProgress;
  const { waiting, output } = request;
  if (waiting.stdoutIsTTY()) return terminalProgress({ write: waiting.writeStdout, columns: waiting.stdoutColumns });
  return lineProgress((line) => output.stdout(line));
}

/** Who decided, with when and their comment; from the records alone when the history could not be read. */
function deciders(view: ApprovalExecutionView, state: 'approved' | 'rejected'): string {
  if (view.approvers === undefined) {
    const records = view.decision ? [view.decision] : (view.decisions ?? []);
    return records
      .map((record) => record.approver)
      .filter((approver): approver is string => typeof approver === 'string')
      .map(printable)
      .join(', ');
  }
  return view.approvers
    .filter((approver) => approver.state === state)
    .map((approver) => `${printable(approver.address)} (${describeApprover(approver, view.outcome)})`)
    .join(', ');
}

/** The first line of the final output: the outcome and who decided. */
export function outcomeHeadline(view: ApprovalExecutionView): string {
  switch (view.outcome) {
    case 'approved':
      return `Approved by ${deciders(view, 'approved') || 'the approver'}.`;
    case 'rejected':
      return `Rejected by ${deciders(view, 'rejected') || 'an approver'}.`;
    case 'expired':
      return `Expired: ${printable(view.cause ?? 'nobody decided before the last reminder ran out.')}`;
    default:
      return `Not approved (${view.outcome}): ${printable([view.error, view.cause].filter((part) => part !== undefined).join(': ') || view.status)}`;
  }
}

class Interrupted extends Error {}

/**
 * Polls DescribeExecution (and the history, for each approver's progress) until the execution
 * closes, shows the progress, prints the outcome and returns the exit code: 0 approved,
 * 3 rejected, 4 expired, 1 any other end, 130 on Ctrl-C (the request stays open).
 */
export async function waitForOutcome(request: WaitRequest): Promise<number> {
  const { sfn, executionArn, waiting, output } = request;
  const controller = new AbortController();
  const { signal } = controller;
  const stopListening = waiting.onInterrupt(() => controller.abort());
  const progress = reporterFor(request);
  const began = waiting.now().getTime();
  let history: HistoryEvent[] | undefined;
  let historyReadAt = -Infinity;
  let historyDenied = false;
  let failures = 0;

  const checkInterrupted = () => {
    if (signal.aborted) throw new Interrupted();
  };

  try {
    for (;;) {
      const elapsed = waiting.now().getTime() - began;
      let delay = pollInterval(elapsed);
      try {
        const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }), { abortSignal: signal });
        const closed = execution.status !== 'RUNNING';
        const now = waiting.now();
        if (!historyDenied && (closed || elapsed < HISTORY_INTERVAL || now.getTime() - historyReadAt >= HISTORY_INTERVAL)) {
          try {
            history = await readExecutionHistory(sfn, executionArn, signal);
            historyReadAt = now.getTime();
          } catch (error) {
            // The outcome needs DescribeExecution only: a role without GetExecutionHistory still gets its gate.
            if ((error as { name?: unknown }).name !== 'AccessDeniedException') throw error;
            historyDenied = true;
            history = undefined;
            output.stderr(
              `Cannot read the execution history (${printable(String((error as { message?: unknown }).message))}); ` +
                "waiting without each approver's progress. Allow states:GetExecutionHistory to see it.",
            );
          }
        }
        const view = toApprovalExecutionView(execution, history);
        failures = 0;
        if (closed) {
          progress.clear();
          if (request.json) {
            output.stdout(formatJson(view));
          } else {
            output.stdout(outcomeHeadline(view));
            output.stdout('');
            output.stdout(formatExecution(view).join('\n'));
          }
          return exitCodeOfOutcome(view.outcome);
        }
        progress.update(view, now);
      } catch (error) {
        checkInterrupted();
        failures += 1;
        if (!isTransient(error) || failures > MOST_FAILURES_IN_A_ROW) throw error;
        delay = Math.min(LONGEST_BACKOFF, delay * 2 ** failures);
      }
      await waiting.sleep(delay, signal);
      checkInterrupted();
    }
  } catch (error) {
    progress.clear();
    if (!(error instanceof Interrupted)) throw error;
    output.stderr(
      `Stopped waiting; the request is still open and its emails stay valid. ` +
        `Wait again with: approval wait ${printable(executionArn)}${request.targetFlag}`,
    );
    return EXIT_INTERRUPTED;
  } finally {
    stopListening();
  }
}
