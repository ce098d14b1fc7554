import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { ApprovalError } from '../commons/approval-errors';
import type { ApprovalEmail } from '../commons/approval-email';
import type { SendRateLimiter } from './send-rate-limiter';

export interface OutgoingEmail extends ApprovalEmail {
  readonly from: string;
  readonly to: string;
}

export interface SendRetryPolicy {
  /** Tries in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** About 2 s of waiting at most, well inside the worker's per-task time budget. */
export const DEFAULT_SEND_RETRY_POLICY: SendRetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 1_000 };

export type SesErrorKind = 'throttled' | 'transient' | 'quota' | 'permanent';

const PERMANENT = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'SendingPausedException',
  'AccountSuspendedException',
  'NotFoundException',
  'BadRequestException',
]);
const THROTTLED = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling']);

/**
 * Which SES failures are worth retrying now (throttling, network, 5xx), later (daily quota), or
 * never (the message or the sender is refused).
 */
export function classifySesError(error: unknown): SesErrorKind {
  const { name, message, $retryable } = (error ?? {}) as { name?: string; message?: string; $retryable?: { throttling?: boolean } };
  if (name !== undefined && PERMANENT.has(name)) return 'permanent';
  if ((name !== undefined && THROTTLED.has(name)) || $retryable?.throttling || /maximum sending rate exceeded/i.test(message ?? '')) {
    return 'throttled';
  }
  if (name === 'LimitExceededException') return 'quota';
  return 'transient';
}

/** A send that did not happen; `errorName` is what the worker reports to Step Functions. */
export class EmailDeliveryError extends Error {
  override readonly name = 'EmailDeliveryError';
  constructor(
    readonly errorName: typeof ApprovalError.EmailDeliveryFailed | typeof ApprovalError.EmailDeliveryRefused,
    message: string,
    readonly attempts: number,
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
export async function sendApprovalEmail(email: OutgoingEmail, deps: SendDependencies): Promise<{ messageId: string | undefined; attempts: number }> {
  const policy = deps.policy ?? DEFAULT_SEND_RETRY_POLICY;
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  const command = new SendEmailCommand({
    FromEmailAddress: email.from,
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
      const kind = classifySesError(error);
      if (kind === 'throttled') deps.limiter?.throttled();
      if (kind === 'permanent') {
        throw new EmailDeliveryError(ApprovalError.EmailDeliveryRefused, `SES refused the email: ${describe(error)}`, attempt);
      }
      if (kind === 'quota' || attempt >= policy.maxAttempts) {
        throw new EmailDeliveryError(
          ApprovalError.EmailDeliveryFailed,
          `SES did not send the email after ${attempt} attempt(s): ${describe(error)}`,
          attempt,
        );
      }
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.round(ceiling / 2 + (random() * ceiling) / 2));
    }
  }
}
