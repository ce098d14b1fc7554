import type { ApprovalExecutionView, ApprovalOutcome } from './approval-execution';
import type { DecisionRecord } from './approver-states';
import { describeApprover, describeReachedBy } from './approver-text';
import { formatDate, printable, shorten } from './format-values';

export { printable } from './format-values';

function shown(value: string | null | undefined): string {
  return value === null || value === undefined ? '(missing)' : printable(value);
}

/** The seed form keeps its own words: it has one manager. */
function isSeedForm(view: ApprovalExecutionView): boolean {
  return view.request.approvers === undefined;
}

function outcomeNote(view: ApprovalExecutionView): string {
  const notes: Record<ApprovalOutcome, string> = {
    pending: isSeedForm(view)
      ? 'waiting for the manager to approve or reject'
      : view.policy === 'all'
        ? 'waiting for every approver to approve'
        : 'waiting for an approver to decide',
    approved: 'approved',
    rejected: 'rejected',
    expired: 'expired: nobody answered in time',
    'invalid-request': 'the request was invalid',
    'not-delivered': 'the email could not be delivered',
    failed: 'failed',
    'timed-out': 'ran past its time limit',
    aborted: 'stopped before a decision',
  };
  return notes[view.outcome];
}

const POLICY_NOTES = {
  any: 'any: the first decision of any approver decides',
  all: 'all: every approver must approve; the first rejection decides',
} as const;

const DECISION_LABELS: ReadonlyArray<readonly [string, string]> = [
  ['approver', 'Approver'],
  ['decision', 'Decision'],
  ['decidedAt', 'Decided at'],
  ['sourceIp', 'Source IP'],
  ['userAgent', 'User agent'],
  ['requestId', 'Request id'],
  ['channel', 'Channel'],
  ['slackUserId', 'Slack user'],
  ['slackTeamId', 'Slack team'],
  ['comment', 'Comment'],
];

// Wide enough for every decision label, so output with and without a decision lines up alike.
const LABEL_WIDTH = Math.max(...DECISION_LABELS.map(([, label]) => label.length));

type Row = readonly [string, string];

function labelled(rows: readonly Row[]): string[] {
  const width = Math.max(LABEL_WIDTH, ...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}`.trimEnd());
}

function render(value: unknown): string {
  return printable(typeof value === 'string' ? value : JSON.stringify(value));
}

function decisionRows(decision: DecisionRecord): Row[] {
  const known = new Set(DECISION_LABELS.map(([field]) => field));
  return [
    ...DECISION_LABELS.filter(([field]) => decision[field] !== undefined).map(
      ([field, label]) => [label, render(decision[field])] as const,
    ),
    // Fields added to the record later still show.
    ...Object.entries(decision)
      .filter(([field]) => !known.has(field))
      .map(([field, value]) => [printable(field), render(value)] as const),
  ];
}

/** Rows under one label: the label on the first only. */
function block(label: string, lines: readonly string[]): Row[] {
  return lines.map((line, index) => [index === 0 ? label : '', line] as const);
}

function requestRows(view: ApprovalExecutionView): Row[] {
  const { request } = view;
  const rows: Row[] = [];
  if (request.approvers !== undefined) rows.push(['Subject', shown(request.subject)]);
  if (request.managerEmailAddress !== undefined) rows.push(['Manager', shown(request.managerEmailAddress)]);
  if (request.employeeName !== undefined) rows.push(['Employee', shown(request.employeeName)]);
  if (request.requester !== undefined) rows.push(['Requester', shown(request.requester)]);
  if (request.approvers !== undefined)
    rows.push(['Policy', view.policy === null ? `${shown(request.policy)} (not a policy)` : POLICY_NOTES[view.policy]]);
  if (request.via !== undefined)
    rows.push(['Via', request.via === null ? '(not a list of channels)' : request.via.map(printable).join(', ')]);
  if (request.details !== undefined) {
    const details = Object.entries(request.details ?? {});
    rows.push(
      ...block(
        'Details',
        request.details === null ? ['(not a set of texts)'] : details.map(([name, value]) => `${printable(name)}: ${printable(value)}`),
      ),
    );
  }
  return rows;
}

function approverRows(view: ApprovalExecutionView): Row[] {
  const approvers = view.approvers ?? [];
  const width = Math.max(0, ...approvers.map((approver) => printable(approver.address).length));
  return block(
    approvers.length === 1 ? 'Approver' : 'Approvers',
    approvers.map((approver) => {
      const reached = approver.reachedBy === undefined ? '' : ` [${describeReachedBy(approver.reachedBy)}]`;
      return `${printable(approver.address).padEnd(width)}  ${describeApprover(approver, view.outcome)}${reached}`;
    }),
  );
}

/**
 * `approval status`: the request, each approver's state (and, when the request asked for Slack, how
 * they were reached) and, once ended, the decision record(s) or the error.
 */
export function formatExecution(view: ApprovalExecutionView): string[] {
  // The ARN ends with the execution name, which whoever started it chose: it may hold bidirectional controls.
  const rows: Row[] = [
    ['Execution', printable(view.executionArn)],
    ['Status', `${printable(view.status)} (${outcomeNote(view)})`],
    ...requestRows(view),
  ];
  rows.push(['Started', formatDate(view.startDate)]);
  if (view.stopDate) rows.push(['Stopped', formatDate(view.stopDate)]);
  rows.push(...approverRows(view));
  const records = view.decision ? [view.decision] : (view.decisions ?? []);
  if (records.length > 0) {
    rows.push(...records.flatMap(decisionRows));
  } else {
    if (view.error !== undefined) rows.push(['Error', printable(view.error)]);
    if (view.cause !== undefined) rows.push(['Cause', printable(view.cause)]);
  }
  const note = view.slackDeliveryNote === undefined ? [] : [`Slack delivery not shown: ${printable(view.slackDeliveryNote)}`];
  return [...labelled(rows), ...note];
}

function approversCell(view: ApprovalExecutionView): string {
  const { approvers, managerEmailAddress } = view.request;
  const addresses =
    approvers !== undefined ? approvers : managerEmailAddress === undefined || managerEmailAddress === null ? null : [managerEmailAddress];
  if (addresses === null || addresses.length === 0) return '(missing)';
  return addresses.map(printable).join(', ');
}

/** `approval list`: one row per request, newest first. */
export function formatExecutionTable(views: readonly ApprovalExecutionView[], withStatus: boolean): string[] {
  const header = ['STARTED', ...(withStatus ? ['STATUS'] : []), 'APPROVERS', 'SUBJECT', 'EXECUTION ARN'];
  const rows = views.map((view) => [
    formatDate(view.startDate),
    // SUCCEEDED and FAILED alone do not say approved, rejected or expired.
    ...(withStatus
      ? [view.status === 'SUCCEEDED' || view.status === 'FAILED' ? `${view.status} (${view.outcome})` : printable(view.status)]
      : []),
    shorten(approversCell(view), 40),
    shorten(shown(view.subject), 50),
    printable(view.executionArn),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ');
  return [line(header), ...rows.map(line)];
}
