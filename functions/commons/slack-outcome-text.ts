/**
 * The words of a request's outcome in Slack mrkdwn: the Slack actions function writes them into the
 * message the decider clicked, the message closer into every approver's message when the request
 * ends.
 */

import { escapeSlackText as escapeMrkdwn, fitted, slackTime } from './approval-slack-message';
import { parseJsonText } from './json-text';

/** Slack's escaping of `&`, `<` and `>` in a person's text, and its reader-local times: one rule with the request message's. */
export { escapeSlackText as escapeMrkdwn, slackTime } from './approval-slack-message';

/** A mention of a user by id, which Slack shows as their name (same page, mentioning users). */
export function mention(userId: string): string {
  return `<@${userId}>`;
}

export function approvedText(userId: string, at: Date): string {
  return `Approved by ${mention(userId)} at ${slackTime(at)}`;
}

/**
 * Longest mrkdwn text of a section block ("Section block",
 * https://docs.slack.dev/reference/block-kit/blocks/section-block), in UTF-16 units, never fewer
 * than the characters Slack counts.
 */
export const MAX_SECTION_TEXT_LENGTH = 3_000;

/** The outcome of a rejection, with the reason escaped and cut so that it fits one section. */
export function rejectedText(userId: string, at: Date, reason: string): string {
  const prefix = `Rejected by ${mention(userId)} at ${slackTime(at)}: `;
  return `${prefix}${fitted(reason, MAX_SECTION_TEXT_LENGTH - prefix.length)}`;
}

/** What the message closer reads of an ended execution (Step Functions' status change event). */
export interface EndedRequest {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly stoppedAt: Date;
  /** The execution's output as JSON text; undefined when the event left it out. */
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

interface RecordFields {
  readonly channel?: unknown;
  readonly slackUserId?: unknown;
  readonly approver?: unknown;
  readonly comment?: unknown;
}

/** Who decided, as the record says: a Slack mention, else the approver's address, escaped. */
function decider(record: RecordFields): string | undefined {
  if (record.channel === 'slack' && typeof record.slackUserId === 'string' && /^[UW][A-Z0-9]+$/.test(record.slackUserId))
    return mention(record.slackUserId);
  return typeof record.approver === 'string' ? escapeMrkdwn(record.approver) : undefined;
}

function approvedBy(output: string | undefined): string[] {
  const approval = (parseJsonText(output) as { approval?: { decision?: unknown; decisions?: unknown } } | undefined)?.approval;
  const records = Array.isArray(approval?.decisions) ? approval.decisions : approval?.decision === undefined ? [] : [approval.decision];
  return records.flatMap((record) => {
    const who = typeof record === 'object' && record !== null ? decider(record as RecordFields) : undefined;
    return who === undefined ? [] : [who];
  });
}

/**
 * The line that closes every approver's message when the request ends: who approved or rejected
 * (and why), or that it expired, timed out or was stopped. Request text (addresses, the reason) is
 * escaped; error names are the approval's own.
 */
export function requestOutcomeText(end: EndedRequest): string {
  const at = slackTime(end.stoppedAt);
  if (end.status === 'SUCCEEDED') {
    const names = approvedBy(end.output);
    return names.length === 0 ? `This request was approved at ${at}.` : `Approved by ${names.join(', ')} at ${at}.`;
  }
  if (end.status === 'ABORTED') return `This request was stopped at ${at}; it can no longer be decided.`;
  if (end.status === 'TIMED_OUT') return `This request timed out at ${at} without a decision.`;
  if (end.error === 'Rejected') {
    const record = parseJsonText(end.cause);
    const fields = typeof record === 'object' && record !== null ? (record as RecordFields) : {};
    const who = decider(fields) ?? 'an approver';
    const prefix = `Rejected by ${who} at ${at}`;
    const reason = typeof fields.comment === 'string' && fields.comment !== '' ? fields.comment : undefined;
    return reason === undefined ? `${prefix}.` : `${prefix}: ${fitted(reason, MAX_SECTION_TEXT_LENGTH - prefix.length - 2)}`;
  }
  if (end.error === 'Expired') return `This request expired at ${at} without a decision.`;
  // The event carries the execution's error as DescribeExecution does; without one, no name is made up.
  return end.error === undefined || end.error === ''
    ? `This request ended at ${at} without a decision.`
    : `This request ended at ${at} without a decision (${escapeMrkdwn(end.error)}).`;
}
