import { SLACK_ACTIONS_BLOCK_ID } from '../commons/slack-contract';
import type { SlackBlock } from './interaction-payload';

/**
 * A message sent to an interaction's `response_url`: either replaces the message the buttons were
 * on, or shows only to the person who clicked (`response_type: 'ephemeral'`, `replace_original:
 * false`) ("Handling user interaction in your Slack apps", message responses,
 * https://docs.slack.dev/interactivity/handling-user-interaction#message_responses).
 */
export interface SlackResponseMessage {
  readonly replace_original: boolean;
  readonly response_type?: 'ephemeral';
  readonly text: string;
  readonly blocks?: readonly SlackBlock[];
}

/** What the person who clicked reads when the request is decided, closed, or not theirs. */
export const DecisionNotice = {
  noLongerOpen: 'This request is no longer open.',
  notValid: 'This approval is not valid.',
  failed: 'Could not record your decision; try again.',
  reasonRequired: 'Give a reason for rejecting this request.',
  formNotOpened: 'Could not open the reject form; try again.',
  formDamaged: 'This form can no longer decide the request. Close it and click Reject on the message again.',
  notTheApprover: 'Only the person this request was sent to can decide it.',
} as const;

/**
 * Slack mrkdwn reads `&`, `<` and `>` as control characters, so text from a person is escaped
 * ("Formatting text for app surfaces", escaping, https://docs.slack.dev/messaging/formatting-message-text#escaping).
 */
export function escapeMrkdwn(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A mention of a user by id, which Slack shows as their name (same page, mentioning users). */
export function mention(userId: string): string {
  return `<@${userId}>`;
}

/**
 * A time that each reader sees in their own time zone, with a UTC fallback for clients that cannot
 * format it (same page, date formatting).
 */
export function slackTime(at: Date): string {
  const seconds = Math.floor(at.getTime() / 1000);
  const fallback = `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<!date^${seconds}^{date_short_pretty} at {time}|${fallback}>`;
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

const ELLIPSIS = '…';

/** The text escaped, then cut to `limit` with an ellipsis, between characters so that no escape is split. */
function escapedWithin(text: string, limit: number): string {
  const whole = escapeMrkdwn(text);
  if (whole.length <= limit) return whole;
  let result = '';
  for (const character of text) {
    const next = escapeMrkdwn(character);
    if (result.length + next.length + ELLIPSIS.length > limit) break;
    result += next;
  }
  return `${result}${ELLIPSIS}`;
}

/** The outcome of a rejection, with the reason escaped and cut so that it fits one section. */
export function rejectedText(userId: string, at: Date, reason: string): string {
  const prefix = `Rejected by ${mention(userId)} at ${slackTime(at)}: `;
  return `${prefix}${escapedWithin(reason, MAX_SECTION_TEXT_LENGTH - prefix.length)}`;
}

const section = (mrkdwn: string): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text: mrkdwn } });

/** A note only the person who clicked sees; the message itself stays as it is. */
export function ephemeral(text: string): SlackResponseMessage {
  return { response_type: 'ephemeral', replace_original: false, text };
}

/**
 * The request's message once it cannot be decided any more: its own blocks without the buttons,
 * then the outcome.
 */
export function closedMessage(requestBlocks: readonly SlackBlock[], outcome: string): SlackResponseMessage {
  const kept = requestBlocks.filter((block) => block.block_id !== SLACK_ACTIONS_BLOCK_ID && block.type !== 'actions');
  return { replace_original: true, text: outcome, blocks: [...kept, section(outcome)] };
}

/**
 * The same, from the reject modal, which no longer has the message's blocks: the request's
 * fallback text when the modal carried it, then the outcome.
 */
export function closedMessageFromText(requestText: string | undefined, outcome: string): SlackResponseMessage {
  return { replace_original: true, text: outcome, blocks: [...(requestText ? [section(requestText)] : []), section(outcome)] };
}
