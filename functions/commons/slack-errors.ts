import type { SlackBlock } from './approval-slack-message';

/** What chat.update is given: the message's channel id (not a user id) and ts, and its new content. */
export interface SlackUpdateMessageArguments {
  channel: string;
  ts: string;
  text: string;
  blocks: SlackBlock[];
}

/**
 * How a failed Slack Web API call is sorted, for every function that calls Slack (the worker, the
 * message closer).
 *
 * What a Slack failure means, kept small on purpose:
 * - `transient`: a retry may work (rate limited, HTTP 429 or 5xx, Slack's own internal errors, the
 *   network).
 * - `account-problem`: the app's token or its setup is refused (invalid_auth, token_revoked,
 *   account_inactive, missing_scope, ...), or its secret cannot be used; every call would fail
 *   until a person acts (the worker then drops its kept client and reads the secret again).
 * - `approver-not-found`: users.lookupByEmail knows no one with the approver's address
 *   (users_not_found): the worker emails the approver instead.
 * - `message-refused`: anything else Slack answers concerns this person or this message
 *   (channel_not_found, not_in_channel, user_disabled, messages_tab_disabled, invalid_blocks, ...):
 *   the worker emails the approver instead.
 * Error names: the reference page of each Web API method called (chat.postMessage, chat.update,
 * users.lookupByEmail), and https://docs.slack.dev/apis/web-api/rate-limits (HTTP 429).
 */
export type SlackErrorKind = 'transient' | 'account-problem' | 'approver-not-found' | 'message-refused';

const TRANSIENT_ERRORS = new Set([
  'ratelimited',
  'rate_limited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);
const ACCOUNT_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'missing_scope',
  'no_permission',
  'not_allowed_token_type',
  'team_access_not_granted',
  'access_denied',
  'accesslimited',
  'ekm_access_denied',
  'org_login_required',
  'enterprise_is_restricted',
]);
const APPROVER_NOT_FOUND = new Set(['users_not_found', 'user_not_found']);

/** The fields of @slack/web-api's errors the classification reads (its ErrorCode values). */
interface WebApiErrorFields {
  readonly code?: unknown;
  readonly data?: { readonly error?: unknown };
  readonly statusCode?: unknown;
}

/** Sorts a failed Web API call; `slackError` names it (Slack's error, or the HTTP status) for causes and logs. */
export function classifySlackError(error: unknown): { readonly kind: SlackErrorKind; readonly slackError: string } {
  const { code, data, statusCode } = (error ?? {}) as WebApiErrorFields;
  if (code === 'slack_webapi_rate_limited_error') return { kind: 'transient', slackError: 'ratelimited' };
  if (code === 'slack_webapi_request_error') return { kind: 'transient', slackError: 'request_error' };
  if (code === 'slack_webapi_http_error') {
    const status = typeof statusCode === 'number' ? statusCode : 0;
    const slackError = `http_${status}`;
    // A 4xx other than 429 is the worker's setup (a wrong SLACK_API_URL, say), not one message's.
    return { kind: status === 429 || status >= 500 || status === 0 ? 'transient' : 'account-problem', slackError };
  }
  if (code === 'slack_webapi_platform_error' && typeof data?.error === 'string') {
    const slackError = data.error;
    if (TRANSIENT_ERRORS.has(slackError)) return { kind: 'transient', slackError };
    if (ACCOUNT_ERRORS.has(slackError)) return { kind: 'account-problem', slackError };
    if (APPROVER_NOT_FOUND.has(slackError)) return { kind: 'approver-not-found', slackError };
    return { kind: 'message-refused', slackError };
  }
  return { kind: 'transient', slackError: 'unexpected_error' };
}
