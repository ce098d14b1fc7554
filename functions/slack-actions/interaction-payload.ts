import { parseJsonText } from '../commons/json-text';
import { SLACK_REJECT_MODAL } from '../commons/slack-contract';

/** One Block Kit block as Slack returns it in a payload: JSON this function passes on untouched. */
export type SlackBlock = Readonly<Record<string, unknown>>;

/**
 * A click on a button of a message (`block_actions`): the fields this function uses
 * (block_actions payload reference, https://docs.slack.dev/reference/interaction-payloads/block_actions-payload).
 */
export interface ButtonClick {
  readonly type: 'block_actions';
  readonly actionId: string;
  readonly blockId: string;
  /** The button's `value`, as the message's author wrote it. */
  readonly value: unknown;
  readonly userId: string;
  readonly teamId: string;
  /** Opens a modal for this click, within 3 seconds (views.open, https://docs.slack.dev/reference/methods/views.open). */
  readonly triggerId: string;
  /** Where answers to this click go: a bearer URL, never logged (https://docs.slack.dev/interactivity/handling-user-interaction#message_responses). */
  readonly responseUrl: string;
  readonly messageBlocks: readonly SlackBlock[];
  /** The message's top-level `text`, its notification fallback. */
  readonly messageText: string | undefined;
}

/**
 * A modal's submission (`view_submission`; view interaction payloads reference,
 * https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload).
 */
export interface ViewSubmission {
  readonly type: 'view_submission';
  readonly callbackId: string;
  readonly privateMetadata: string;
  readonly userId: string;
  readonly teamId: string;
  /** What was typed into the reject modal's reason input, as typed; undefined when absent. */
  readonly reason: string | undefined;
}

/** Any other interaction: only its type is kept, for the log. */
export interface OtherInteraction {
  readonly type: 'other';
  readonly payloadType: string;
}

export type Interaction = ButtonClick | ViewSubmission | OtherInteraction;

type Json = Readonly<Record<string, unknown>>;

const record = (value: unknown): Json | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** A workspace-installed app gets `team`; an org-wide one gets `team: null` and the user's `team_id`. */
function teamOf(payload: Json, user: Json): string | undefined {
  return text(record(payload.team)?.id) ?? text(user.team_id);
}

function readButtonClick(payload: Json): ButtonClick | OtherInteraction {
  const other: OtherInteraction = { type: 'other', payloadType: 'block_actions' };
  const user = record(payload.user);
  const action = Array.isArray(payload.actions) ? record(payload.actions[0]) : undefined;
  const userId = text(user?.id);
  const teamId = user ? teamOf(payload, user) : undefined;
  const actionId = text(action?.action_id);
  const triggerId = text(payload.trigger_id);
  const responseUrl = text(payload.response_url);
  if (!action || !userId || !teamId || !actionId || !triggerId || !responseUrl) return other;
  const message = record(payload.message);
  const blocks = Array.isArray(message?.blocks)
    ? message.blocks.flatMap((block: unknown): Json[] => {
        const item = record(block);
        return item ? [item] : [];
      })
    : [];
  return {
    type: 'block_actions',
    actionId,
    blockId: text(action.block_id) ?? '',
    value: action.value,
    userId,
    teamId,
    triggerId,
    responseUrl,
    messageBlocks: blocks,
    messageText: text(message?.text),
  };
}

function readViewSubmission(payload: Json): ViewSubmission | OtherInteraction {
  const user = record(payload.user);
  const view = record(payload.view);
  const userId = text(user?.id);
  const teamId = user ? teamOf(payload, user) : undefined;
  const callbackId = text(view?.callback_id);
  if (!view || !userId || !teamId || !callbackId) return { type: 'other', payloadType: 'view_submission' };
  // state.values[block_id][action_id].value holds a plain_text_input's text (view payload reference).
  const values = record(record(view.state)?.values);
  const reason = record(record(values?.[SLACK_REJECT_MODAL.reasonBlockId])?.[SLACK_REJECT_MODAL.reasonActionId])?.value;
  return {
    type: 'view_submission',
    callbackId,
    privateMetadata: typeof view.private_metadata === 'string' ? view.private_metadata : '',
    userId,
    teamId,
    reason: typeof reason === 'string' ? reason : undefined,
  };
}

/**
 * The interaction in a request body: `application/x-www-form-urlencoded` with one field, `payload`,
 * holding JSON ("Handling user interaction in your Slack apps",
 * https://docs.slack.dev/interactivity/handling-user-interaction). Undefined when the body holds no
 * such JSON object.
 */
export function readInteraction(rawBody: string): Interaction | undefined {
  const field = new URLSearchParams(rawBody).get('payload');
  if (field === null) return undefined;
  const payload = record(parseJsonText(field));
  if (!payload) return undefined;
  const type = typeof payload.type === 'string' ? payload.type : '';
  if (type === 'block_actions') return readButtonClick(payload);
  if (type === 'view_submission') return readViewSubmission(payload);
  // Only a short, plain type name goes to the log.
  return { type: 'other', payloadType: /^[a-z_]{1,40}$/.test(type) ? type : 'unrecognized' };
}
