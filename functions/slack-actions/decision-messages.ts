import { SLACK_ACTIONS_BLOCK_ID } from '../commons/slack-contract';
import type { SlackBlock } from './interaction-payload';

export { approvedText, escapeMrkdwn, mention, rejectedText, slackTime } from '../commons/slack-outcome-text';

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

// verbatim: the reason or request text is shown as written, never auto-linked; our own mentions and dates still render.
const section = (mrkdwn: string): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text: mrkdwn, verbatim: true } });

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
