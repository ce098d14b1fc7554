import type { ApprovalTask } from '../commons/approval-request';
import { expiresAt } from '../commons/reminders';
import {
  blocksWithoutButtons,
  closableMessage,
  type EmailInsteadReason,
  messageClosedWith,
  type PostedSlackMessage,
  SLACK_MESSAGE_KEPT_AFTER_EXPIRY_SECONDS,
  type SlackMessageRecord,
} from '../commons/slack-message-records';
import type { SlackMessageStore } from '../commons/slack-message-store';
import { WORKER_SLACK_METRICS, type WorkerMetricName } from '../commons/worker-metrics';
import { classifySlackError } from '../commons/slack-errors';
import type { SlackDelivery, SlackMessagingApi } from './send-approval-slack';

/** What the trail needs of the worker's dependencies. */
export interface SlackTrailDependencies {
  /** The deployment's table of Slack messages; undefined without one (no Slack app, or an older stack). */
  readonly slackMessages?: SlackMessageStore;
  readonly logger: {
    info(message: string, ...extra: Array<Record<string, unknown>>): void;
    warn(message: string, ...extra: Array<Record<string, unknown>>): void;
  };
  readonly metrics?: { count(name: WorkerMetricName, value?: number): void };
}

type LogContext = Readonly<Record<string, unknown>>;

/** What replaces the previous message's buttons when a reminder goes out. */
export const REMINDER_NOTES = {
  slack: 'A reminder about this request was sent in a newer message: decide there.',
  email: 'A reminder about this request was sent by email: decide with its links.',
} as const;

/**
 * After a task's Slack message or its email instead went out: records where the approver was
 * reached (slack-message-records.ts) and, for a reminder, takes the buttons off the approver's
 * previous Slack message, which would only answer "no longer open" now. Never throws: the approver
 * has been reached, so a failure here is logged and counted, and costs only the tidy-up (the old
 * buttons still answer "no longer open" privately).
 *
 * The request may end while this runs. The message closer marks the table first and reads it
 * after, so a message recorded too late for the closer is closed here: once recorded, the mark is
 * read back, and a request marked ended gets its outcome on the new message at once (and no
 * reminder note on the old one, which the closer then already saw).
 */
export async function recordDelivery(
  deps: SlackTrailDependencies,
  task: ApprovalTask,
  reached: Reached,
  now: Date,
  slack: SlackMessagingApi | undefined,
  logContext: LogContext,
): Promise<void> {
  const store = deps.slackMessages;
  if (store === undefined) return;
  const failed = (what: string, error: unknown): void => {
    deps.metrics?.count(WORKER_SLACK_METRICS.SlackRecordsFailed);
    // The table's error name only: a message could quote the item.
    deps.logger.warn(what, { ...logContext, error: (error as Error).name });
  };
  let previous: SlackMessageRecord | undefined;
  if (task.attempt > 1) {
    try {
      previous = await store.find(task.executionName, task.approver);
    } catch (error) {
      // The new message is recorded all the same; only the old one keeps its buttons.
      failed("Could not read the approver's previous message; its buttons stay", error);
    }
  }
  const record = recordOf(task, reached, now, previous);
  if (record === undefined) return;
  let endedWith: string | undefined;
  try {
    await store.record(record);
    endedWith = await store.endedWith(task.executionName);
  } catch (error) {
    failed("Could not record where the approver was reached; the message will not be closed at the request's end", error);
    return;
  }
  if (slack === undefined) return;
  if (endedWith !== undefined) {
    // Ended while this message went out: the closer may not have seen it.
    if (record.delivery === 'slack') await replaceMessage(deps, slack, record, endedWith, 'closed', logContext);
    return;
  }
  const old = previous === undefined ? undefined : closableMessage(previous);
  // An email record keeps an older Slack message that already carries a reminder note.
  if (old === undefined || previous?.delivery !== 'slack') return;
  if (record.delivery === 'slack' && record.channel === old.channel && record.ts === old.ts) return;
  await replaceMessage(deps, slack, old, record.delivery === 'slack' ? REMINDER_NOTES.slack : REMINDER_NOTES.email, 'reminded', logContext);
}

type Reached = { readonly delivery: Extract<SlackDelivery, { posted: true }> } | { readonly emailInstead: EmailInsteadReason };

function recordOf(
  task: ApprovalTask,
  reached: Reached,
  now: Date,
  previous: SlackMessageRecord | undefined,
): SlackMessageRecord | undefined {
  const base = {
    execution: task.executionName,
    approver: task.approver,
    attempt: task.attempt,
    sentAt: now.toISOString(),
    expiresAtSeconds: Math.ceil(expiresAt(now, task).getTime() / 1_000) + SLACK_MESSAGE_KEPT_AFTER_EXPIRY_SECONDS,
  };
  if ('emailInstead' in reached) {
    const lastSlackMessage = previous === undefined ? undefined : closableMessage(previous);
    return { ...base, delivery: 'email', reason: reached.emailInstead, ...(lastSlackMessage === undefined ? {} : { lastSlackMessage }) };
  }
  const { delivery } = reached;
  // Slack answers chat.postMessage with both; without them the message could not be updated anyway.
  if (delivery.channel === undefined || delivery.ts === undefined) return undefined;
  const blocks = blocksWithoutButtons(delivery.message.blocks);
  return {
    ...base,
    delivery: 'slack',
    slackUserId: delivery.slackUserId,
    channel: delivery.channel,
    ts: delivery.ts,
    text: delivery.message.text,
    ...(blocks === undefined ? {} : { blocks }),
  };
}

async function replaceMessage(
  deps: SlackTrailDependencies,
  slack: SlackMessagingApi,
  message: PostedSlackMessage,
  note: string,
  why: 'reminded' | 'closed',
  logContext: LogContext,
): Promise<void> {
  try {
    await slack.chat.update({ channel: message.channel, ts: message.ts, ...messageClosedWith(message, note) });
    deps.metrics?.count(WORKER_SLACK_METRICS.SlackMessagesReplaced);
    deps.logger.info(
      why === 'reminded'
        ? "Took the buttons off the approver's previous Slack message"
        : 'The request ended meanwhile: closed the new Slack message',
      { ...logContext, slackMessageTs: message.ts },
    );
  } catch (error) {
    deps.metrics?.count(WORKER_SLACK_METRICS.SlackUpdatesFailed);
    deps.logger.warn("Could not take the buttons off a Slack message; they answer 'no longer open'", {
      ...logContext,
      slackMessageTs: message.ts,
      slackError: classifySlackError(error).slackError,
    });
  }
}
