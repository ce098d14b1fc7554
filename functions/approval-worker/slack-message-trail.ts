import type { ApprovalTask } from '../commons/approval-request';
import { expiresAt } from '../commons/reminders';
import {
  blocksWithoutButtons,
  type EmailInsteadReason,
  messageClosedWith,
  SLACK_MESSAGE_KEPT_AFTER_EXPIRY_SECONDS,
  type SlackMessageRecord,
  type SlackPostedRecord,
} from '../commons/slack-message-records';
import type { SlackMessageStore } from '../commons/slack-message-store';
import { WORKER_SLACK_METRICS, type WorkerMetricName } from '../commons/worker-metrics';
import { classifySlackError, type SlackDelivery, type SlackMessagingApi } from './send-approval-slack';

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
 */
export async function recordDelivery(
  deps: SlackTrailDependencies,
  task: ApprovalTask,
  reached: { readonly delivery: Extract<SlackDelivery, { posted: true }> } | { readonly emailInstead: EmailInsteadReason },
  now: Date,
  slack: SlackMessagingApi | undefined,
  logContext: LogContext,
): Promise<void> {
  const store = deps.slackMessages;
  if (store === undefined) return;
  const record = recordOf(task, reached, now);
  if (record === undefined) return;
  let previous: SlackMessageRecord | undefined;
  try {
    if (task.attempt > 1) previous = await store.find(task.executionName, task.approver);
    await store.record(record);
  } catch (error) {
    deps.metrics?.count(WORKER_SLACK_METRICS.SlackRecordsFailed);
    // The table's error name only: a message could quote the item.
    deps.logger.warn("Could not record where the approver was reached; the message will not be closed at the request's end", {
      ...logContext,
      error: (error as Error).name,
    });
    return;
  }
  if (previous?.delivery !== 'slack' || slack === undefined) return;
  if (record.delivery === 'slack' && record.channel === previous.channel && record.ts === previous.ts) return;
  await replacePrevious(deps, slack, previous, record.delivery === 'slack' ? REMINDER_NOTES.slack : REMINDER_NOTES.email, logContext);
}

function recordOf(
  task: ApprovalTask,
  reached: { readonly delivery: Extract<SlackDelivery, { posted: true }> } | { readonly emailInstead: EmailInsteadReason },
  now: Date,
): SlackMessageRecord | undefined {
  const base = {
    execution: task.executionName,
    approver: task.approver,
    attempt: task.attempt,
    sentAt: now.toISOString(),
    expiresAtSeconds: Math.ceil(expiresAt(now, task).getTime() / 1_000) + SLACK_MESSAGE_KEPT_AFTER_EXPIRY_SECONDS,
  };
  if ('emailInstead' in reached) return { ...base, delivery: 'email', reason: reached.emailInstead };
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

async function replacePrevious(
  deps: SlackTrailDependencies,
  slack: SlackMessagingApi,
  previous: SlackPostedRecord,
  note: string,
  logContext: LogContext,
): Promise<void> {
  try {
    await slack.chat.update({ channel: previous.channel, ts: previous.ts, ...messageClosedWith(previous, note) });
    deps.metrics?.count(WORKER_SLACK_METRICS.SlackMessagesReplaced);
    deps.logger.info("Took the buttons off the approver's previous Slack message", { ...logContext, slackMessageTs: previous.ts });
  } catch (error) {
    deps.metrics?.count(WORKER_SLACK_METRICS.SlackUpdatesFailed);
    deps.logger.warn("Could not take the buttons off the approver's previous Slack message; they answer 'no longer open'", {
      ...logContext,
      slackMessageTs: previous.ts,
      slackError: classifySlackError(error).slackError,
    });
  }
}
