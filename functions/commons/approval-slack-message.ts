import type { ApprovalTask, NormalizedApprovalRequest } from './approval-request';
import { expiresAt, isLastAttempt, linksValidUntil, reminderLabel } from './reminders';
import { encodeSlackButtonValue, SLACK_ACTION_ID, SLACK_ACTIONS_BLOCK_ID } from './slack-contract';
import { withoutHiddenCharacters } from './text-checks';

/**
 * Block Kit limits the message keeps to (Block Kit reference:
 * https://docs.slack.dev/reference/block-kit/blocks/header-block — header text, plain_text, 150;
 * https://docs.slack.dev/reference/block-kit/blocks/section-block — section text 3000, at most 10
 * fields of 2000 each; https://docs.slack.dev/reference/block-kit/blocks/context-block — at most 10
 * elements). Lengths are counted in UTF-16 units, never fewer than the characters Slack counts.
 */
export const SLACK_LIMITS = {
  headerText: 150,
  sectionText: 3_000,
  sectionFields: 10,
  fieldText: 2_000,
  contextText: 3_000,
} as const;

export interface SlackPlainText {
  readonly type: 'plain_text';
  readonly text: string;
}

export interface SlackMrkdwnText {
  readonly type: 'mrkdwn';
  readonly text: string;
  /**
   * true: Slack turns no bare URL into a link, no channel name into a link and parses no mention in
   * the text; formatting and manual strings such as `<!date^...>` still work
   * (https://docs.slack.dev/reference/block-kit/composition-objects/text-object, `verbatim`).
   */
  readonly verbatim?: boolean;
}

/** mrkdwn carrying a request's own text (escaped already): shown as written, never auto-linked. */
function requestText(text: string): SlackMrkdwnText {
  return { type: 'mrkdwn', text, verbatim: true };
}

export interface SlackButton {
  readonly type: 'button';
  readonly text: SlackPlainText;
  readonly action_id: string;
  readonly value: string;
  readonly style: 'primary' | 'danger';
}

export type SlackBlock =
  | { readonly type: 'header'; readonly text: SlackPlainText }
  | { readonly type: 'section'; readonly text: SlackMrkdwnText }
  | { readonly type: 'section'; readonly fields: SlackMrkdwnText[] }
  | { readonly type: 'context'; readonly elements: SlackMrkdwnText[] }
  | { readonly type: 'actions'; readonly block_id: string; readonly elements: SlackButton[] };

/** What chat.postMessage gets beside the channel: `text` is the notification's and screen readers' fallback. */
export interface SlackApprovalMessage {
  readonly text: string;
  readonly blocks: SlackBlock[];
}

export interface SlackApprovalMessageInput {
  readonly task: ApprovalTask;
  /** The Slack user the message goes to: the only one whose click counts (the button value says so). */
  readonly approverUserId: string;
  readonly taskToken: string;
  /** When the worker took the task: the reminder clock starts then. */
  readonly now: Date;
}

/**
 * `&`, `<` and `>` are Slack's control characters in text: escaped, a request's text cannot make a
 * link, a mention (`<!channel>`) or a date (https://docs.slack.dev/messaging/formatting-message-text#escaping).
 */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const ELLIPSIS = '…';

/**
 * `text` escaped by `escape` and at most `limit` long once escaped: cut between characters (never
 * inside an escape or a surrogate pair), with an ellipsis to show it was cut.
 */
export function fitted(text: string, limit: number, escape: (text: string) => string = escapeSlackText): string {
  const whole = escape(text);
  if (whole.length <= limit) return whole;
  let result = '';
  for (const character of text) {
    const next = escape(character);
    if (result.length + next.length + ELLIPSIS.length > limit) break;
    result += next;
  }
  return `${result}${ELLIPSIS}`;
}

/** Whitespace of any kind, line breaks included, becomes one space: a header is one line. */
function oneLine(text: string): string {
  return text.replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
}

function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * A time each reader sees in their own time zone, with the UTC time as the fallback
 * (https://docs.slack.dev/messaging/formatting-message-text#date-formatting).
 */
export function slackTime(date: Date): string {
  return `<!date^${Math.floor(date.getTime() / 1_000)}^{date_short_pretty} at {time}|${formatUtc(date)}>`;
}

/** The policy in words, as the email says it. */
export function policyInWords(request: NormalizedApprovalRequest): string {
  const count = request.approvers.length;
  if (count < 2) return 'You are the only approver.';
  return request.policy === 'all'
    ? `All ${count} approvers must approve; one rejection decides.`
    : `Any one of ${count} approvers decides.`;
}

/** The email's reminder and validity lines, about buttons rather than links. */
function timingLines(task: ApprovalTask, now: Date): string[] {
  const label = reminderLabel(task.attempt, task.reminderCount);
  const validUntil = slackTime(linksValidUntil(now, task));
  return [
    ...(label === undefined ? [] : [`*This is ${label}.* Buttons in earlier messages no longer work; use the ones below.`]),
    isLastAttempt(task.attempt, task.reminderCount)
      ? `These buttons work until about ${validUntil}. After that the request expires and is not approved.`
      : `These buttons work until about ${validUntil}; if nobody answers by then, a reminder follows. The request expires at about ${slackTime(expiresAt(now, task))}.`,
  ];
}

/** The details as section fields: ten to a section, each `*key*` over its value. */
function detailSections(details: Readonly<Record<string, string>>): SlackBlock[] {
  const fields = Object.entries(details).map(([key, value]): SlackMrkdwnText => {
    const shownKey = withoutHiddenCharacters(key);
    const shownValue = withoutHiddenCharacters(value);
    // The key gets at most half a field; the value the rest, after "*key*\n".
    const keyText = fitted(shownKey, SLACK_LIMITS.fieldText / 2 - 3);
    const valueText = fitted(shownValue, SLACK_LIMITS.fieldText - keyText.length - 3);
    return requestText(`*${keyText}*\n${valueText === '' ? ' ' : valueText}`);
  });
  const sections: SlackBlock[] = [];
  for (let start = 0; start < fields.length; start += SLACK_LIMITS.sectionFields) {
    sections.push({ type: 'section', fields: fields.slice(start, start + SLACK_LIMITS.sectionFields) });
  }
  return sections;
}

/**
 * The Slack message an approver gets for one task: the subject as a header, the details as fields,
 * who asks, the policy, until when the buttons work and when the request expires, and Approve and
 * Reject buttons whose value carries the task token and the approver's Slack user. The token is
 * only ever in the buttons' values, never in any text. Every text from the request is escaped and
 * cut to Block Kit's limits.
 */
export function renderApprovalSlackMessage(input: SlackApprovalMessageInput): SlackApprovalMessage {
  const { task, now } = input;
  const { request } = task;
  const subject = oneLine(withoutHiddenCharacters(request.subject));
  const label = reminderLabel(task.attempt, task.reminderCount);
  const title = label === undefined ? subject : `${label.charAt(0).toUpperCase()}${label.slice(1)}: ${subject}`;
  const requester = request.requester === undefined ? undefined : withoutHiddenCharacters(request.requester);

  const intro = [
    requester === undefined ? 'Your approval is requested.' : `Your approval is requested by ${fitted(requester, 300)}.`,
    policyInWords(request),
  ].join('\n');
  const value = encodeSlackButtonValue({ approverUserId: input.approverUserId, taskToken: input.taskToken });

  const blocks: SlackBlock[] = [
    // plain_text: Slack parses no links or mentions in it, so it is not escaped, only cut.
    { type: 'header', text: { type: 'plain_text', text: fitted(title, SLACK_LIMITS.headerText, (text) => text) } },
    { type: 'section', text: requestText(intro) },
    ...detailSections(request.details),
    { type: 'context', elements: timingLines(task, now).map((line): SlackMrkdwnText => ({ type: 'mrkdwn', text: line })) },
    {
      type: 'context',
      elements: [
        requestText(`Only you can answer with these buttons. Request: ${fitted(withoutHiddenCharacters(task.executionName), 200)}`),
      ],
    },
    {
      type: 'actions',
      block_id: SLACK_ACTIONS_BLOCK_ID,
      elements: [
        { type: 'button', text: { type: 'plain_text', text: 'Approve' }, style: 'primary', action_id: SLACK_ACTION_ID.approve, value },
        { type: 'button', text: { type: 'plain_text', text: 'Reject' }, style: 'danger', action_id: SLACK_ACTION_ID.reject, value },
      ],
    },
  ];
  const text = `${label === undefined ? 'Approval requested' : `Approval ${label}`}: ${fitted(subject, SLACK_LIMITS.sectionText / 2)}`;
  return { text, blocks };
}
