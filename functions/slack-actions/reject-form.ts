import { parseJsonText } from '../commons/json-text';
import type { ViewsOpenArguments } from '@slack/web-api';
import { MAX_SLACK_PRIVATE_METADATA_LENGTH, SLACK_REJECT_MODAL } from '../commons/slack-contract';

/** A view as views.open takes it. */
export type SlackView = ViewsOpenArguments['view'];

/**
 * Longest reason kept, in characters (code points): the email path's comment limit,
 * MAX_COMMENT_LENGTH in infra/approval-api-templates.ts, copied because Lambda code does not
 * import infra/ (tools/eslint-boundaries.mjs).
 */
export const MAX_REASON_LENGTH = 1000;

/**
 * What the reject modal carries from the click to its submission in its `private_metadata`, since
 * a `view_submission` has neither the button's value nor a `response_url`.
 */
export interface RejectFormState {
  readonly approverUserId: string;
  readonly taskToken: string;
  /** The click's response_url: a bearer URL, like the token. */
  readonly responseUrl: string;
  /** The request message's fallback text, kept only when it fits whole. */
  readonly requestText: string | undefined;
}

/**
 * The state as compact JSON, `{"u","t","r","q"}`, within Slack's limit for private_metadata;
 * the request text is dropped first. Undefined when even the rest does not fit.
 */
export function encodeRejectFormState(state: RejectFormState): string | undefined {
  const { approverUserId: u, taskToken: t, responseUrl: r, requestText: q } = state;
  const withText = JSON.stringify({ u, t, r, q });
  if (withText.length <= MAX_SLACK_PRIVATE_METADATA_LENGTH) return withText;
  const withoutText = JSON.stringify({ u, t, r });
  return withoutText.length <= MAX_SLACK_PRIVATE_METADATA_LENGTH ? withoutText : undefined;
}

/** The state back, or undefined for metadata this function did not write; other keys are ignored. */
export function decodeRejectFormState(raw: string): RejectFormState | undefined {
  const parsed = parseJsonText(raw);
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { u, t, r, q } = parsed as Record<string, unknown>;
  const optional = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
  if (typeof u !== 'string' || typeof t !== 'string' || typeof r !== 'string' || u === '' || t === '') return undefined;
  if (!/^https?:\/\/\S+$/.test(r)) return undefined;
  return { approverUserId: u, taskToken: t, responseUrl: r, requestText: optional(q) };
}

/**
 * The reject modal: one required multi-line reason (an input block is required unless `optional`;
 * Block Kit input block reference, https://docs.slack.dev/reference/block-kit/blocks/input-block),
 * and the state in `private_metadata` (view object reference, https://docs.slack.dev/reference/views).
 * Title and buttons stay within Slack's 24 characters.
 */
export function rejectFormView(privateMetadata: string): SlackView {
  return {
    type: 'modal',
    callback_id: SLACK_REJECT_MODAL.callbackId,
    title: { type: 'plain_text', text: 'Reject request' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    private_metadata: privateMetadata,
    blocks: [
      {
        type: 'input',
        block_id: SLACK_REJECT_MODAL.reasonBlockId,
        label: { type: 'plain_text', text: 'Reason' },
        hint: { type: 'plain_text', text: 'Recorded with your rejection, which stops the workflow.' },
        element: {
          type: 'plain_text_input',
          action_id: SLACK_REJECT_MODAL.reasonActionId,
          multiline: true,
          max_length: MAX_REASON_LENGTH,
        },
      },
    ],
  };
}

/** The reason as recorded: trimmed, and cut to MAX_REASON_LENGTH code points as the email path cuts its comment. */
export function recordedReason(typed: string | undefined): string {
  const trimmed = (typed ?? '').trim();
  const characters = Array.from(trimmed);
  return characters.length > MAX_REASON_LENGTH ? characters.slice(0, MAX_REASON_LENGTH).join('') : trimmed;
}
