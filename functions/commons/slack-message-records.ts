import { parseJsonText } from './json-text';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { SLACK_ACTIONS_BLOCK_ID } from './slack-contract';
import type { SlackBlock } from './approval-slack-message';

/**
 * Where each approver of a request was reached, kept in the deployment's DynamoDB table of Slack
 * messages (only with a Slack app): the worker writes one item per approver when it sends the
 * request or a reminder, so that
 * - a reminder can take the buttons off the approver's previous Slack message,
 * - the message closer (functions/slack-message-closer) can replace every message of a request
 *   with its outcome once the execution ends, and
 * - `approval status` can say which approvers got the email instead of a Slack message, and why.
 * An item never holds a task token: the stored blocks are the message without its buttons.
 */

/** The worker's and the closer's variable naming the table. */
export const SLACK_MESSAGES_TABLE_ENV = 'SLACK_MESSAGES_TABLE';

/** The table's key: the execution's name (partition), then the approver's address (sort). */
export const SLACK_MESSAGE_KEY = { partition: 'execution', sort: 'approver' } as const;

/** The attribute DynamoDB's time to live reads: items go a week after the request's last possible day. */
export const SLACK_MESSAGE_TTL_ATTRIBUTE = 'expiresAtSeconds';

/** How long an item outlives the request's own expiry, so that `approval status` can still say how an approver was reached. */
export const SLACK_MESSAGE_KEPT_AFTER_EXPIRY_SECONDS = 7 * 24 * 3_600;

/**
 * Why an approver who was to be reached in Slack got the email instead:
 * - `approver-not-found`: Slack knows no user with the address (users.lookupByEmail users_not_found);
 * - `token-too-long`: the task token does not fit a button's value;
 * - `message-refused`: Slack refused the message for this person;
 * - `slack-failed`: Slack failed for now or refused the app, and the request also asked for email.
 */
export type EmailInsteadReason = 'approver-not-found' | 'token-too-long' | 'message-refused' | 'slack-failed';

export const EMAIL_INSTEAD_REASONS: readonly EmailInsteadReason[] = [
  'approver-not-found',
  'token-too-long',
  'message-refused',
  'slack-failed',
];

/** The words `approval status` shows for each reason. */
export const EMAIL_INSTEAD_WORDS: Readonly<Record<EmailInsteadReason, string>> = {
  'approver-not-found': 'Slack knows no user with this address',
  'token-too-long': 'the task token does not fit a Slack button',
  'message-refused': 'Slack refused the message',
  'slack-failed': 'Slack failed; the email was sent alone',
};

interface SlackMessageRecordBase {
  /** The execution's name. */
  readonly execution: string;
  /** The approver's address, as the request names them. */
  readonly approver: string;
  /** 1 for the request, 2 for the first reminder, and so on. */
  readonly attempt: number;
  /** When the worker sent it, ISO 8601. */
  readonly sentAt: string;
  /** Seconds since the epoch when DynamoDB may delete the item. */
  readonly expiresAtSeconds: number;
}

/** A posted direct message, as chat.update needs it to replace the message later. */
export interface PostedSlackMessage {
  readonly slackUserId: string;
  /** The direct message's channel id (chat.postMessage's `channel`): chat.update takes a channel id, not a user id. */
  readonly channel: string;
  readonly ts: string;
  /** The message's notification text. */
  readonly text: string;
  /** The message's blocks without its buttons, as JSON; absent when too large to keep. */
  readonly blocks?: string;
}

/** The approver's latest message went to Slack. */
export interface SlackPostedRecord extends SlackMessageRecordBase, PostedSlackMessage {
  readonly delivery: 'slack';
}

/** The approver was emailed although the request asked for Slack. */
export interface EmailInsteadRecord extends SlackMessageRecordBase {
  readonly delivery: 'email';
  readonly reason: EmailInsteadReason;
  /** An earlier Slack message to this approver (a reminder went by email instead): still closed at the request's end. */
  readonly lastSlackMessage?: PostedSlackMessage;
}

export type SlackMessageRecord = SlackPostedRecord | EmailInsteadRecord;

/**
 * The sort key of the item the message closer writes first when a request ends, with the outcome:
 * a worker that records a message after the closer read the table sees it and closes that message
 * itself (no address starts with `#`).
 */
export const REQUEST_ENDED_KEY = '#ended';

/** Most of an item the blocks may take: well inside DynamoDB's 400 KB per item. */
export const MAX_STORED_BLOCKS_LENGTH = 100_000;

/** The Slack message an item can still close: the approver's latest, or the one before an email instead. */
export function closableMessage(record: SlackMessageRecord): PostedSlackMessage | undefined {
  return record.delivery === 'slack' ? record : record.lastSlackMessage;
}

/**
 * A message's blocks without the actions block (whose buttons carry the task token) and without its
 * context lines (until when the buttons work, who may answer with them), which say nothing once
 * the message is closed; as JSON, or undefined when they would not fit an item.
 */
export function blocksWithoutButtons(blocks: ReadonlyArray<{ readonly type: string; readonly block_id?: string }>): string | undefined {
  const kept = blocks.filter((block) => block.type !== 'actions' && block.type !== 'context' && block.block_id !== SLACK_ACTIONS_BLOCK_ID);
  const json = JSON.stringify(kept);
  return json.length <= MAX_STORED_BLOCKS_LENGTH ? json : undefined;
}

const s = (value: string): AttributeValue => ({ S: value });
const n = (value: number): AttributeValue => ({ N: String(value) });

/** The record as a DynamoDB item. */
export function toItem(record: SlackMessageRecord): Record<string, AttributeValue> {
  const base: Record<string, AttributeValue> = {
    [SLACK_MESSAGE_KEY.partition]: s(record.execution),
    [SLACK_MESSAGE_KEY.sort]: s(record.approver),
    delivery: s(record.delivery),
    attempt: n(record.attempt),
    sentAt: s(record.sentAt),
    [SLACK_MESSAGE_TTL_ATTRIBUTE]: n(record.expiresAtSeconds),
  };
  const message = closableMessage(record);
  const messageAttributes =
    message === undefined
      ? {}
      : {
          slackUserId: s(message.slackUserId),
          channel: s(message.channel),
          ts: s(message.ts),
          text: s(message.text),
          ...(message.blocks === undefined ? {} : { blocks: s(message.blocks) }),
        };
  return { ...base, ...(record.delivery === 'email' ? { reason: s(record.reason) } : {}), ...messageAttributes };
}

const text = (item: Record<string, AttributeValue>, name: string): string | undefined => {
  const value = item[name];
  return value !== undefined && 'S' in value && typeof value.S === 'string' ? value.S : undefined;
};
const number = (item: Record<string, AttributeValue>, name: string): number | undefined => {
  const value = item[name];
  const parsed = value !== undefined && 'N' in value ? Number(value.N) : Number.NaN;
  return Number.isFinite(parsed) ? parsed : undefined;
};

/** An item back as a record, or undefined for an item this code did not write. */
export function fromItem(item: Record<string, AttributeValue>): SlackMessageRecord | undefined {
  const execution = text(item, SLACK_MESSAGE_KEY.partition);
  const approver = text(item, SLACK_MESSAGE_KEY.sort);
  const attempt = number(item, 'attempt');
  const sentAt = text(item, 'sentAt');
  const expiresAtSeconds = number(item, SLACK_MESSAGE_TTL_ATTRIBUTE);
  if (execution === undefined || approver === undefined || attempt === undefined || sentAt === undefined || expiresAtSeconds === undefined)
    return undefined;
  const base = { execution, approver, attempt, sentAt, expiresAtSeconds };
  const slackUserId = text(item, 'slackUserId');
  const channel = text(item, 'channel');
  const ts = text(item, 'ts');
  const messageText = text(item, 'text');
  const blocks = text(item, 'blocks');
  const message: PostedSlackMessage | undefined =
    slackUserId === undefined || channel === undefined || ts === undefined || messageText === undefined
      ? undefined
      : { slackUserId, channel, ts, text: messageText, ...(blocks === undefined ? {} : { blocks }) };
  const delivery = text(item, 'delivery');
  if (delivery === 'email') {
    const reason = text(item, 'reason') as EmailInsteadReason | undefined;
    if (reason === undefined || !EMAIL_INSTEAD_REASONS.includes(reason)) return undefined;
    return { ...base, delivery, reason, ...(message === undefined ? {} : { lastSlackMessage: message }) };
  }
  return delivery === 'slack' && message !== undefined ? { ...base, delivery, ...message } : undefined;
}

/**
 * The content that replaces a posted message once its buttons no longer decide: the message as it
 * was (its stored blocks, or its text when they were too large to keep), then `note` in mrkdwn.
 */
export function messageClosedWith(record: PostedSlackMessage, note: string): { text: string; blocks: SlackBlock[] } {
  // A damaged item (not a JSON array) keeps only the text: the note still closes the message.
  const parsed = parseJsonText(record.blocks);
  const kept: SlackBlock[] = Array.isArray(parsed) ? (parsed as SlackBlock[]) : [];
  const blocks: SlackBlock[] = kept.length > 0 ? kept : [{ type: 'section', text: { type: 'mrkdwn', text: record.text, verbatim: true } }];
  // verbatim: the note may carry a person's reason, which Slack must not auto-link; the mentions and
  // dates it writes itself (<@U...>, <!date^...>) still render
  // (https://docs.slack.dev/reference/block-kit/composition-objects/text-object, `verbatim`).
  return { text: note, blocks: [...blocks, { type: 'section', text: { type: 'mrkdwn', text: note, verbatim: true } }] };
}
