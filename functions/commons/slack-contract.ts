/**
 * What the worker's Slack messages and the Slack actions function agree on: the ids of the buttons
 * and of the reject modal, what a button's value carries, the secret's fields and the environment
 * variables both functions read. The local Slack stand-in plays clicks against the same ids.
 */
import { parseJsonText } from './json-text';

/** The `action_id` of each button in an approval message. */
export const SLACK_ACTION_ID = { approve: 'approval_approve', reject: 'approval_reject' } as const;

export type SlackAction = keyof typeof SLACK_ACTION_ID;

/** The `block_id` of the actions block that holds the two buttons. */
export const SLACK_ACTIONS_BLOCK_ID = 'approval_decision';

/** The reject modal: its `callback_id`, and the block and action ids of its reason input. */
export const SLACK_REJECT_MODAL = {
  callbackId: 'approval_reject_reason',
  reasonBlockId: 'reason',
  reasonActionId: 'reason_input',
} as const;

/** Slack's limit for a button's `value` (Block Kit reference, button element). */
export const MAX_SLACK_BUTTON_VALUE_LENGTH = 2_000;

/** Slack's limit for a modal's `private_metadata` (Block Kit reference, view object). */
export const MAX_SLACK_PRIVATE_METADATA_LENGTH = 3_000;

/**
 * What a button's value carries: the task token, which never appears in visible text, and the
 * Slack user the message was sent to, the only one whose click decides.
 */
export interface SlackButtonValue {
  readonly approverUserId: string;
  readonly taskToken: string;
}

/** The value as Slack stores it: compact JSON, `{"u": "<user id>", "t": "<task token>"}`. */
export function encodeSlackButtonValue(value: SlackButtonValue): string {
  return JSON.stringify({ u: value.approverUserId, t: value.taskToken });
}

/** Whether a button value for this token and user fits Slack's limit. */
export function slackButtonValueFits(value: SlackButtonValue): boolean {
  return encodeSlackButtonValue(value).length <= MAX_SLACK_BUTTON_VALUE_LENGTH;
}

/** The value back, or undefined for anything this product did not write. */
export function decodeSlackButtonValue(raw: unknown): SlackButtonValue | undefined {
  if (typeof raw !== 'string' || raw.length > MAX_SLACK_BUTTON_VALUE_LENGTH) return undefined;
  const parsed = parseJsonText(raw);
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { u, t } = parsed as { u?: unknown; t?: unknown };
  if (typeof u !== 'string' || typeof t !== 'string' || u === '' || t === '') return undefined;
  return { approverUserId: u, taskToken: t };
}

/**
 * The Secrets Manager secret named by the `slackSecretName` setting: a JSON object with the app's
 * bot token (`xoxb-...`) and its signing secret.
 */
export interface SlackSecret {
  readonly botToken: string;
  readonly signingSecret: string;
}

/** Reads the secret's JSON text; throws an error naming what is missing, never the values. */
export function parseSlackSecret(secretString: string | undefined): SlackSecret {
  const parsed = parseJsonText(secretString ?? '');
  if (parsed === undefined) throw new Error('The Slack secret is not JSON: it must be {"botToken": "xoxb-...", "signingSecret": "..."}.');
  const { botToken, signingSecret } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const missing = [
    ...(typeof botToken === 'string' && botToken !== '' ? [] : ['botToken']),
    ...(typeof signingSecret === 'string' && signingSecret !== '' ? [] : ['signingSecret']),
  ];
  if (missing.length > 0)
    throw new Error(`The Slack secret has no ${missing.join(' and no ')}: it must be {"botToken": "xoxb-...", "signingSecret": "..."}.`);
  return { botToken: botToken as string, signingSecret: signingSecret as string };
}

/** Environment variables of both functions when Slack is configured. */
export const SLACK_ENV = {
  /**
   * The secret above, by name (GetSecretValue's SecretId takes a name or an ARN); unset when the
   * deployment has no Slack.
   */
  secretId: 'SLACK_SECRET_ID',
  /** Slack's Web API base URL, `https://slack.com/api/` unless set (the local stand-in sets its own). */
  apiUrl: 'SLACK_API_URL',
} as const;

export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

/**
 * The functions' Slack Web API base from SLACK_ENV.apiUrl (else Slack's own), ending in `/`: the
 * Web API client appends the method name to it. A value that is not an http(s) URL without a query
 * string is refused with the function's own error, naming the variable.
 */
export function readSlackApiUrl(env: Readonly<Record<string, string | undefined>>, refuse: (message: string) => Error): string {
  const apiUrl = env[SLACK_ENV.apiUrl]?.trim() || DEFAULT_SLACK_API_URL;
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(apiUrl)) {
    throw refuse(`${SLACK_ENV.apiUrl} ${JSON.stringify(apiUrl)} is not an http(s) URL without a query string.`);
  }
  return apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
}

/**
 * The decision record of a Slack decision: SendTaskSuccess's `output`, or the `cause` of
 * SendTaskFailure with error `Rejected`. The state machine adds `approver` from its own data.
 */
export interface SlackDecisionRecord {
  readonly decision: 'approved' | 'rejected';
  /** When the Slack actions function received the click (or the modal's submission), ISO 8601. */
  readonly decidedAt: string;
  readonly channel: 'slack';
  readonly slackUserId: string;
  readonly slackTeamId: string;
  /** The reason given in the reject modal. */
  readonly comment?: string;
}
