import type { ApprovalExecutionView } from './approval-execution';
import { summarizeApprover } from './approver-text';
import { formatDate, formatDuration, printable, shorten } from './format-values';

/** Where `--wait` shows how the request stands while it waits. */
export interface ProgressReporter {
  update(view: ApprovalExecutionView, now: Date): void;
  /** Takes the live line away before anything else is printed. */
  clear(): void;
}

export interface ProgressTerminal {
  /** Writes to stdout as it is, without a line break. */
  readonly write: (text: string) => void;
  /** The terminal's width; the line is cut to fit, since a wrapped line cannot be rewritten in place. */
  readonly columns: () => number | undefined;
}

/**
 * When the request expires if nobody decides: under `any` when the last approver's reminders run
 * out, under `all` when the first undecided one's do. Known only for approvers already emailed.
 */
function expiresAt(view: ApprovalExecutionView): number | undefined {
  const times = (view.approvers ?? [])
    .filter((approver) => approver.state === 'emailed' && approver.expiresAt !== undefined)
    .map((approver) => Date.parse(approver.expiresAt ?? ''));
  if (times.length === 0) return undefined;
  return view.policy === 'all' ? Math.min(...times) : Math.max(...times);
}

/** "Waiting (all of 2): ana@example.com: approved; ben@example.com: emailed, reminder 1 of 3" */
export function progressText(view: ApprovalExecutionView): string {
  // Without the history (not allowed to read it) there is only the execution's status to go by.
  if (view.approvers === undefined) return 'Waiting for the decision';
  const approvers = view.approvers;
  const scope = approvers.length > 1 ? ` (${view.policy ?? 'any'} of ${approvers.length})` : '';
  const states = approvers.map((approver) => `${printable(approver.address)}: ${summarizeApprover(approver)}`).join('; ');
  return `Waiting${scope}: ${states || 'the request is being checked'}`;
}

/** The progress text with the time left, for the line a terminal shows. */
export function progressLine(view: ApprovalExecutionView, now: Date): string {
  const expiry = expiresAt(view);
  const left = expiry === undefined ? '' : `. Time left: ${formatDuration(expiry - now.getTime())}`;
  return `${progressText(view)}${left}`;
}

const CLEAR_LINE = '\r\u001b[2K';

/** A terminal: one line, rewritten in place at every poll (the time left moves). */
export function terminalProgress(terminal: ProgressTerminal): ProgressReporter {
  let shown = false;
  return {
    update(view, now) {
      const width = terminal.columns();
      // Written as it is, past the CLI's output guard: escaped here, and cut at whole characters.
      const line = printable(progressLine(view, now));
      const fitted = width !== undefined && width > 4 ? shorten(line, width - 1) : line;
      terminal.write(`${CLEAR_LINE}${fitted}`);
      shown = true;
    },
    clear() {
      if (shown) terminal.write(CLEAR_LINE);
      shown = false;
    },
  };
}

/**
 * Not a terminal (a CI log, a file): a line only when an approver's state changes, with the time,
 * and without the time left, which would change at every poll and fill the log.
 */
export function lineProgress(print: (line: string) => void): ProgressReporter {
  let last: string | undefined;
  return {
    update(view, now) {
      const text = progressText(view);
      if (text === last) return;
      last = text;
      print(`${formatDate(now.toISOString())}  ${text}`);
    },
    clear() {},
  };
}

/** `--json`: nothing but the final JSON on stdout. */
export const silentProgress: ProgressReporter = { update() {}, clear() {} };
