import type { ApprovalExecutionView, ApprovalOutcome } from './approval-execution';

// Execution input is anyone's: control and bidi characters could move the cursor or recolour the
// terminal, so they are shown escaped.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function printable(value: string): string {
  return value.replace(UNPRINTABLE, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function shorten(value: string, width: number): string {
  return value.length > width ? `${value.slice(0, width - 3)}...` : value;
}

/** `2026-11-21 10:00:00 UTC` from an ISO date. */
function formatDate(iso: string | null | undefined): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC');
}

function shown(value: string | null): string {
  return value === null ? '(missing)' : printable(value);
}

const OUTCOME_NOTES: Record<ApprovalOutcome, string> = {
  pending: 'waiting for the manager to approve or reject',
  approved: 'approved',
  rejected: 'rejected',
  expired: 'expired: nobody answered in time',
  'invalid-request': 'the request was invalid',
  'not-delivered': 'the email could not be delivered',
  failed: 'failed',
  'timed-out': 'ran past its time limit',
  aborted: 'stopped before a decision',
};

const DECISION_LABELS: ReadonlyArray<readonly [string, string]> = [
  ['decision', 'Decision'],
  ['decidedAt', 'Decided at'],
  ['sourceIp', 'Source IP'],
  ['userAgent', 'User agent'],
  ['requestId', 'Request id'],
];

// Wide enough for every decision label, so output with and without a decision lines up alike.
const LABEL_WIDTH = Math.max(...DECISION_LABELS.map(([, label]) => label.length));

function labelled(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(LABEL_WIDTH, ...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`);
}

function decisionRows(decision: Readonly<Record<string, unknown>>): Array<readonly [string, string]> {
  const known = new Set(DECISION_LABELS.map(([field]) => field));
  const render = (value: unknown) => printable(typeof value === 'string' ? value : JSON.stringify(value));
  return [
    ...DECISION_LABELS.filter(([field]) => decision[field] !== undefined).map(
      ([field, label]) => [label, render(decision[field])] as const,
    ),
    // Fields added to the record later (a comment, say) still show.
    ...Object.entries(decision)
      .filter(([field]) => !known.has(field))
      .map(([field, value]) => [field, render(value)] as const),
  ];
}

/** `approval status`: the request, its state and, once ended, the decision record or the error. */
export function formatExecution(view: ApprovalExecutionView): string[] {
  const rows: Array<readonly [string, string]> = [
    ['Execution', view.executionArn],
    ['Status', `${view.status} (${OUTCOME_NOTES[view.outcome]})`],
    ['Manager', shown(view.request.managerEmailAddress)],
    ['Employee', shown(view.request.employeeName)],
    ['Started', formatDate(view.startDate)],
  ];
  if (view.stopDate) rows.push(['Stopped', formatDate(view.stopDate)]);
  if (view.decision) {
    rows.push(...decisionRows(view.decision));
  } else {
    if (view.error !== undefined) rows.push(['Error', printable(view.error)]);
    if (view.cause !== undefined) rows.push(['Cause', printable(view.cause)]);
  }
  return labelled(rows);
}

/** `approval list`: one row per request, newest first. */
export function formatExecutionTable(views: readonly ApprovalExecutionView[], withStatus: boolean): string[] {
  const header = ['STARTED', ...(withStatus ? ['STATUS'] : []), 'MANAGER', 'EMPLOYEE', 'EXECUTION ARN'];
  const rows = views.map((view) => [
    formatDate(view.startDate),
    // SUCCEEDED and FAILED alone do not say approved, rejected or expired.
    ...(withStatus ? [view.status === 'SUCCEEDED' || view.status === 'FAILED' ? `${view.status} (${view.outcome})` : view.status] : []),
    shorten(shown(view.request.managerEmailAddress), 40),
    shorten(shown(view.request.employeeName), 30),
    view.executionArn,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ');
  return [line(header), ...rows.map(line)];
}
