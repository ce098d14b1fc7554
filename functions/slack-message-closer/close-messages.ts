import { parseJsonText } from '../commons/json-text';
import { classifySlackError, type SlackUpdateMessageArguments } from '../commons/slack-errors';
import { closableMessage, messageClosedWith } from '../commons/slack-message-records';
import type { SlackMessageStore } from '../commons/slack-message-store';
import { type EndedRequest, requestOutcomeText } from '../commons/slack-outcome-text';

/**
 * The event Step Functions sends to the account's default bus when an execution changes status,
 * as far as the closer reads it ("Step Functions events", execution status change:
 * https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html). `output` is
 * null unless the execution succeeded, and left out (null, `outputDetails.included` false) when
 * too large for the event; of `input` (likewise left out when too large) only the request's `via`
 * is read, never logged (the input may hold a parent's task token).
 */
export interface ExecutionStatusChange {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: string;
  /** Milliseconds since the epoch; null while running. */
  readonly stopDate?: number | null;
  readonly input?: string | null;
  readonly output?: string | null;
  readonly error?: string | null;
  readonly cause?: string | null;
}

/**
 * Whether the request may have Slack messages: its input asks for Slack in `via`, or the event
 * left the input out. A request for email alone costs the closer nothing more.
 */
export function mayHaveSlackMessages(detail: ExecutionStatusChange): boolean {
  const input = typeof detail.input === 'string' ? parseJsonText(detail.input) : undefined;
  if (input === undefined) return true;
  const via = typeof input === 'object' && input !== null ? (input as { via?: unknown }).via : undefined;
  return Array.isArray(via) && via.includes('slack');
}

export interface CloseMessagesDependencies {
  readonly store: SlackMessageStore;
  readonly updateMessage: (args: SlackUpdateMessageArguments) => Promise<unknown>;
  readonly logger: {
    info(message: string, ...extra: Array<Record<string, unknown>>): void;
    warn(message: string, ...extra: Array<Record<string, unknown>>): void;
  };
  readonly now: () => Date;
}

export interface ClosedMessages {
  /** Messages replaced with the outcome. */
  readonly closed: number;
  /** Messages Slack no longer has or will not let the app change (deleted, channel archived). */
  readonly gone: number;
  /** Approvers whose latest message was the email instead (an earlier Slack message of theirs is closed too). */
  readonly emailed: number;
}

/** Some messages could not be closed for now; the invocation fails so that Lambda tries again (closing twice is harmless). */
export class MessagesNotClosedError extends Error {
  override readonly name = 'MessagesNotClosedError';
}

const ENDED = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

/** Slack's answers that no later try can change: the message or its conversation is gone, or not the app's to edit. */
const GONE_ERRORS = new Set(['message_not_found', 'channel_not_found', 'cant_update_message', 'edit_window_closed', 'is_archived']);

/** The ended request's outcome as the closer words it; undefined for a status that is not an end. */
export function endedRequest(detail: ExecutionStatusChange, now: Date): EndedRequest | undefined {
  if (!ENDED.has(detail.status)) return undefined;
  return {
    status: detail.status as EndedRequest['status'],
    stoppedAt: typeof detail.stopDate === 'number' ? new Date(detail.stopDate) : now,
    ...(typeof detail.output === 'string' ? { output: detail.output } : {}),
    ...(typeof detail.error === 'string' ? { error: detail.error } : {}),
    ...(typeof detail.cause === 'string' ? { cause: detail.cause } : {}),
  };
}

/**
 * Replaces every approver's Slack message of an ended request with the message as it was, without
 * its buttons, and the outcome, so that no message is left with buttons that only answer "no
 * longer open". Approvers are closed one after another (a request has few); a transient failure
 * is retried by failing the invocation once all were tried.
 */
export async function closeRequestMessages(detail: ExecutionStatusChange, deps: CloseMessagesDependencies): Promise<ClosedMessages> {
  const ended = endedRequest(detail, deps.now());
  if (ended === undefined || !mayHaveSlackMessages(detail)) return { closed: 0, gone: 0, emailed: 0 };
  const outcome = requestOutcomeText(ended);
  // Marked before it is read: a worker that records a message after the read below sees the mark
  // and closes that message itself (functions/approval-worker/slack-message-trail.ts).
  await deps.store.markEnded(detail.name, outcome, deps.now());
  const records = await deps.store.ofExecution(detail.name);
  let closed = 0;
  let gone = 0;
  let emailed = 0;
  const failures: string[] = [];
  for (const record of records) {
    if (record.delivery === 'email') emailed += 1;
    // An approver emailed instead may still have an earlier Slack message to close.
    const message = closableMessage(record);
    if (message === undefined) continue;
    try {
      await deps.updateMessage({ channel: message.channel, ts: message.ts, ...messageClosedWith(message, outcome) });
      closed += 1;
    } catch (error) {
      const { kind, slackError } = classifySlackError(error);
      if (GONE_ERRORS.has(slackError)) {
        gone += 1;
        continue;
      }
      failures.push(slackError);
      deps.logger.warn('Could not close a Slack message of the ended request', {
        slackMessageTs: message.ts,
        slackError,
        slackErrorKind: kind,
      });
    }
  }
  deps.logger.info('Closed the Slack messages of an ended request', {
    status: detail.status,
    closed,
    gone,
    emailed,
    failed: failures.length,
  });
  if (failures.length > 0)
    throw new MessagesNotClosedError(
      `${failures.length} Slack message(s) could not be closed (${[...new Set(failures)].join(', ')}); trying again.`,
    );
  return { closed, gone, emailed };
}
