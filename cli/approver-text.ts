import { reminderLabel } from '../functions/commons/reminders';
import { EMAIL_INSTEAD_WORDS } from '../functions/commons/slack-message-records';
import type { ApprovalOutcome } from './approval-execution';
import type { ApproverView, ReachedBy } from './approver-states';
import { formatDate, printable } from './format-values';

/** "reminder 2 of 3" for attempt 3; the first email is no reminder. */
function reminderOf(attempt: number | undefined, reminderCount: number | undefined): string | undefined {
  return attempt === undefined ? undefined : reminderLabel(attempt, reminderCount);
}

function decisionText(approver: ApproverView): string {
  const record = approver.decision ?? {};
  const at = typeof record.decidedAt === 'string' ? ` at ${printable(record.decidedAt)}` : '';
  const comment = typeof record.comment === 'string' && record.comment !== '' ? `, comment "${printable(record.comment)}"` : '';
  return `${approver.state}${at}${comment}`;
}

/** One approver's state in words, for `approval status`: with times, reminders and the decision's time and comment. */
export function describeApprover(approver: ApproverView, outcome: ApprovalOutcome): string {
  const reminder = reminderOf(approver.attempt, approver.reminderCount);
  switch (approver.state) {
    case 'waiting':
      return reminder === undefined ? 'waiting: the email is not sent yet' : `waiting: ${reminder} is not sent yet`;
    case 'emailed': {
      const what = reminder === undefined ? 'emailed' : `emailed ${reminder}`;
      const when = approver.emailedAt === undefined ? '' : ` at ${formatDate(approver.emailedAt)}`;
      const until = approver.validUntil === undefined ? '' : `, links valid until ${formatDate(approver.validUntil)}`;
      let next = '';
      if (reminder === undefined && approver.reminderCount !== undefined) {
        next = approver.reminderCount === 0 ? ' (no reminders)' : ` (then ${reminderLabel(2, approver.reminderCount) ?? ''})`;
      }
      return `${what}${when}${until}${next}`;
    }
    case 'approved':
    case 'rejected':
      return decisionText(approver);
    case 'expired':
      return 'expired: no answer before the last reminder ran out';
    case 'not-delivered':
      return `not delivered${approver.error === undefined ? '' : `: ${printable(approver.error)}`}`;
    case 'closed':
      return outcome === 'approved' || outcome === 'rejected'
        ? 'closed: the request was decided by someone else'
        : 'closed: the request ended without their decision';
  }
}

/** How the worker reached an approver of a request that asked for Slack: `in Slack as U07ANA4242`. */
export function describeReachedBy(reachedBy: ReachedBy): string {
  return reachedBy.channel === 'slack'
    ? `in Slack as ${printable(reachedBy.slackUserId)}`
    : `emailed instead of Slack: ${printable(EMAIL_INSTEAD_WORDS[reachedBy.reason])}`;
}

/** One approver's state in a few words, for the progress line of `--wait`. */
export function summarizeApprover(approver: ApproverView): string {
  const reminder = reminderOf(approver.attempt, approver.reminderCount);
  switch (approver.state) {
    case 'waiting':
      return reminder === undefined ? 'not emailed yet' : `${reminder} not sent yet`;
    case 'emailed':
      return reminder === undefined ? 'emailed' : `emailed, ${reminder}`;
    case 'expired':
      return 'no answer, reminders ran out';
    default:
      return approver.state;
  }
}
