import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { ApprovalError } from '../commons/approval-errors';
import type { ApprovalEmail } from '../commons/approval-email';
import type { SendRateLimiter } from './send-rate-limiter';

export interface OutgoingEmail extends ApprovalEmail {
  readonly from: string;
  readonly to: string;
  /** SES configuration set to send with, if the stack names one. */
  readonly configurationSet?: string;
}

export interface SendRetryPolicy {
  /** Tries in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** About 2 s of waiting at most, well inside the worker's per-task time budget. */
export const DEFAULT_SEND_RETRY_POLICY: SendRetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 1_000 };

/**
 * What an SES failure means for the work:
 * - `throttled` / `transient`: this send may work in a moment (rate exceeded, network, 5xx): retry.
 * - `message-refused`: SES refuses this one message (bad recipient, content); retrying cannot help,
 *   and other messages are unaffected.
 * - `account-problem`: SES will refuse every message until a person acts (sending paused, account
 *   suspended, access denied, sender not verified, configuration set missing, daily quota used up).
 *   The run stops and leaves the other tasks queued; the failed one goes round the redeliveries.
 */
export type SesErrorKind = 'throttled' | 'transient' | 'message-refused' | 'account-problem';

/** SES v2 SendEmail errors (API reference, SendEmail, Errors) that concern every message of the account. */
const ACCOUNT_PROBLEMS = new Set([
  'SendingPausedException',
  'AccountSuspendedException',
  'AccessDeniedException',
  'MailFromDomainNotVerifiedException',
  // SendEmail answers NotFoundException when the configuration set it names does not exist.
  'NotFoundException',
  // The 24-hour sending quota is used up: nothing goes out until it refills.
  'LimitExceededException',
]);
const MESSAGE_REFUSED = new Set(['MessageRejected', 'BadRequestException']);
const THROTTLED = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling']);

/**
 * SES names the identities that failed verification in a MessageRejected message ("Email address is
 * not verified. The following identities failed the check in region ...: a@x, b@y"). When the sender
 * is one of them every message fails; a recipient alone (SES sandbox) concerns only this message.
 */
function senderNotVerified(message: string, sender: string | undefined): boolean {
  if (sender === undefined || !/not verified/i.test(message)) return false;
  const listed = (message.split(':').pop() ?? '').split(',').map((identity) => identity.trim().toLowerCase());
  const address = sender.toLowerCase();
  return listed.includes(address) || listed.includes(address.slice(address.lastIndexOf('@') + 1));
}

/** Sorts an SES failure into one of the kinds above; `sender` is the From address of the send. */
export function classifySesError(error: unknown, sender?: string): SesErrorKind {
  const { name, message, $retryable } = (error ?? {}) as { name?: string; message?: string; $retryable?: { throttling?: boolean } };
  if (name !== undefined && ACCOUNT_PROBLEMS.has(name)) return 'account-problem';
  if (name === 'MessageRejected' && senderNotVerified(message ?? '', sender)) return 'account-problem';
  if (name !== undefined && MESSAGE_REFUSED.has(name)) return 'message-refused';
  if ((name !== undefined && THROTTLED.has(name)) || $retryable?.throttling || /maximum sending rate exceeded/i.test(message ?? '')) {
    return 'throttled';
  }
  return 'transient';
}

/** A send that did not happen; `errorName` is what the worker reports to Step Functions. */
export class EmailDeliveryError extends Error {
  override readonly name = 'EmailDeliveryError';
  constructor(
    readonly errorName: typeof ApprovalError.EmailDeliveryFailed | typeof ApprovalError.EmailDeliveryRefused,
    message: string,
    readonly attempts: number,
    /** Why: decides whether the run goes on with the next task. */
    readonly kind: SesErrorKind,
  ) {
    super(message);
  }
}

export interface SendDependencies {
  readonly ses: SESv2Client;
  /** Keeps the run within its send rate; told about throttling and successes. */
  readonly limiter?: SendRateLimiter;
  readonly policy?: SendRetryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Told about every failed try, e.g. to count throttling answers. */
  readonly onFailure?: (kind: SesErrorKind) => void;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function describe(error: unknown): string {
  const { name, message } = (error ?? {}) as { name?: string; message?: string };
  return `${name ?? 'Error'}: ${message ?? String(error)}`;
}

/**
 * Sends one email through SES v2, retrying throttling and transient failures with bounded,
 * jittered exponential backoff. Throws EmailDeliveryError when it gives up.
 */
export async function sendApprovalEmail(
  email: OutgoingEmail,
  deps: SendDependencies,
): Promise<{ messageId: string | undefined; attempts: number }> {
  const policy = deps.policy ?? DEFAULT_SEND_RETRY_POLICY;
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  const command = new SendEmailCommand({
    FromEmailAddress: email.from,
    ConfigurationSetName: email.configurationSet,
    Destination: { ToAddresses: [email.to] },
    Content: {
      Simple: {
        Subject: { Data: email.subject, Charset: 'UTF-8' },
        Body: { Html: { Data: email.html, Charset: 'UTF-8' }, Text: { Data: email.text, Charset: 'UTF-8' } },
      },
    },
  });

  for (let attempt = 1; ; attempt++) {
    await deps.limiter?.acquire();
    try {
      const output = await deps.ses.send(command);
      deps.limiter?.succeeded();
      return { messageId: output.MessageId, attempts: attempt };
    } catch (error) {
      const kind = classifySesError(error, email.from);
      if (kind === 'throttled') deps.limiter?.throttled();
      deps.onFailure?.(kind);
      if (kind === 'message-refused') {
        throw new EmailDeliveryError(ApprovalError.EmailDeliveryRefused, `SES refused the email: ${describe(error)}`, attempt, kind);
      }
      if (kind === 'account-problem') {
        // Not this message's fault: the request goes round the redeliveries and gets a new email later.
        throw new EmailDeliveryError(
          ApprovalError.EmailDeliveryFailed,
          `SES refused to send for this account: ${describe(error)}`,
          attempt,
          kind,
        );
      }
      if (attempt >= policy.maxAttempts) {
        throw new EmailDeliveryError(
          ApprovalError.EmailDeliveryFailed,
          `SES did not send the email after ${attempt} attempt(s): ${describe(error)}`,
          attempt,
          kind,
        );
      }
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.round(ceiling / 2 + (random() * ceiling) / 2));
    }
  }
}
