import { ApprovalError } from '../commons/approval-errors';
import type { ApprovalTask } from '../commons/approval-request';
import { renderApprovalSlackMessage, type SlackBlock } from '../commons/approval-slack-message';
import { slackButtonValueFits } from '../commons/slack-contract';
import { classifySlackError, type SlackUpdateMessageArguments } from '../commons/slack-errors';

/** What chat.postMessage is given: a direct message to `channel`, a user id. */
export interface SlackPostMessageArguments {
  channel: string;
  text: string;
  blocks: SlackBlock[];
}

/**
 * The Web API methods the worker calls; @slack/web-api's WebClient has them, tests pass fakes.
 * https://docs.slack.dev/reference/methods/users.lookupByEmail (scope users:read.email),
 * https://docs.slack.dev/reference/methods/chat.postMessage (scope chat:write; a user id as the
 * channel posts to that user's direct message with the app, and the answer's `channel` is that
 * conversation's id) and https://docs.slack.dev/reference/methods/chat.update (scope chat:write;
 * `channel` must be the conversation's id, with the `ts` of a message the app posted).
 */
export interface SlackMessagingApi {
  readonly users: { lookupByEmail(args: { email: string }): Promise<{ user?: { id?: string } }> };
  readonly chat: {
    postMessage(args: SlackPostMessageArguments): Promise<{ ts?: string; channel?: string }>;
    update(args: SlackUpdateMessageArguments): Promise<unknown>;
  };
}

/**
 * A Slack send that failed for now or for the app itself (SlackErrorKind, commons/slack-errors.ts);
 * `errorName` is what Step Functions gets when the task fails. The worker's policy for the two
 * channels (drain-activity-tasks.ts), so that a task fails only when the approver has no way to answer:
 * - `via` ["slack"]: a transient or account problem fails the task with EmailDeliveryFailed, which
 *   the state machine redelivers after a backoff; an account problem also stops the run from taking
 *   more tasks (they would all fail), as an SES account problem does.
 * - `via` ["slack", "email"], Slack fails (transient or account problem): the approver is emailed
 *   instead, the Slack failure logged and counted (SlackMessagesFailed, SlackAccountProblems). The
 *   task fails only if the email fails too, and the run stops only for what failed a task: a Slack
 *   account problem the email made up for does not stop it (each such task reads the secret again,
 *   so a fixed token is used at once; the email-only requests of the run were never at risk).
 * - `via` ["slack", "email"], Slack posted, the email fails (transient, refused, or SES refusing the
 *   account): the task stays open, since the approver's buttons still decide; the failure is logged
 *   as a warning and counted (EmailsFailed, EmailsRefused or SesAccountProblems, and
 *   EmailFailedAfterSlack). Failing it would end the request, or send a reminder DM on top of a
 *   working one. It does not count towards the run's SES failures in a row either.
 */
export class SlackDeliveryError extends Error {
  override readonly name = 'SlackDeliveryError';
  readonly errorName = ApprovalError.EmailDeliveryFailed;
  constructor(
    message: string,
    readonly kind: 'transient' | 'account-problem',
    /** Slack's error name, e.g. `ratelimited`, `invalid_auth`, `http_503`. */
    readonly slackError: string,
  ) {
    super(message);
  }
}

/** Why the approver is emailed instead. */
export type SlackFallbackReason = 'approver-not-found' | 'token-too-long' | 'message-refused';

export type SlackDelivery =
  | {
      readonly posted: true;
      readonly slackUserId: string;
      /** The direct message's conversation id and the message's ts; Slack always answers both. */
      readonly channel: string | undefined;
      readonly ts: string | undefined;
      /** The message as posted, buttons included: never logged or stored as it is. */
      readonly message: { readonly text: string; readonly blocks: SlackBlock[] };
    }
  | { readonly posted: false; readonly fallback: SlackFallbackReason; readonly slackError?: string };

export interface SlackApprovalInput {
  readonly task: ApprovalTask;
  readonly taskToken: string;
  /** When the worker took the task. */
  readonly now: Date;
}

async function call<T>(method: string, request: () => Promise<T>): Promise<T | { readonly fallback: SlackDelivery }> {
  try {
    return await request();
  } catch (error) {
    const { kind, slackError } = classifySlackError(error);
    if (kind === 'approver-not-found' || kind === 'message-refused') return { fallback: { posted: false, fallback: kind, slackError } };
    // Slack's error name only: a message of the SDK could quote a request, and the token must never show.
    throw new SlackDeliveryError(
      kind === 'account-problem'
        ? `Slack refused the app (${slackError} from ${method}): check the bot token and scopes in the slackSecretName secret`
        : `Slack did not take the approval message (${slackError} from ${method}); it is sent again after a backoff`,
      kind,
      slackError,
    );
  }
}

function isFallback<T>(value: T | { readonly fallback: SlackDelivery }): value is { readonly fallback: SlackDelivery } {
  return typeof value === 'object' && value !== null && 'fallback' in value;
}

/**
 * Sends one task's approval message to its approver as a Slack direct message: finds the approver's
 * Slack user by email address (kept a while by the client, slack-user-lookup-cache.ts), then posts
 * the message with the buttons. Says when the approver must be emailed instead; throws
 * SlackDeliveryError for a transient or account problem (see above for what follows). No retry
 * here: a transient failure goes round the state machine's redeliveries, as an email's does.
 */
export async function sendApprovalSlack(input: SlackApprovalInput, slack: SlackMessagingApi): Promise<SlackDelivery> {
  const found = await call('users.lookupByEmail', () => slack.users.lookupByEmail({ email: input.task.approver }));
  if (isFallback(found)) return found.fallback;
  const slackUserId = found.user?.id;
  if (slackUserId === undefined || slackUserId === '') return { posted: false, fallback: 'approver-not-found', slackError: 'no_user_id' };
  if (!slackButtonValueFits({ approverUserId: slackUserId, taskToken: input.taskToken })) {
    return { posted: false, fallback: 'token-too-long' };
  }
  const message = renderApprovalSlackMessage({ task: input.task, approverUserId: slackUserId, taskToken: input.taskToken, now: input.now });
  const posted = await call('chat.postMessage', () => slack.chat.postMessage({ channel: slackUserId, ...message }));
  if (isFallback(posted)) return posted.fallback;
  return { posted: true, slackUserId, channel: posted.channel, ts: posted.ts, message };
}
