import { parseJsonText } from '../commons/json-text';
import { createHash } from 'node:crypto';
import { GetActivityTaskCommand, SendTaskFailureCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { ApprovalError, type ApprovalErrorName } from '../commons/approval-errors';
import { renderApprovalEmail } from '../commons/approval-email';
import { type ApprovalTask, invalidRequestCause, validateApprovalTask } from '../commons/approval-request';
import { buildDecisionLinks } from '../commons/decision-links';
import { escapeUnsafeCharacters } from '../commons/text-checks';
import { WORKER_METRICS, WORKER_RUN_METRICS, WORKER_SLACK_METRICS, type WorkerMetricName } from '../commons/worker-metrics';
import { truncateCause } from '../../statemachine/step-functions-limits';
import type { WorkerConfig } from './config';
import { handOverEvent, MAX_HAND_OVER_HOPS, type HandOverEvent } from './hand-over-event';
import { DEFAULT_SEND_RETRY_POLICY, EmailDeliveryError, sendApprovalEmail, type SendRetryPolicy } from './send-approval-email';
import { SlackDeliveryError, sendApprovalSlack, type SlackFallbackReason, type SlackMessagingApi } from './send-approval-slack';
import { SlackSecretError } from './slack-client';
import { recordDelivery } from './slack-message-trail';
import type { SlackMessageStore } from '../commons/slack-message-store';
import { SendRateLimiter, slowestSendRate } from './send-rate-limiter';
import { acquireWorkerSlot, type WorkerSlotsOptions } from './worker-slots';

/** GetActivityTask holds a request for up to 60 s. */
export const POLL_HOLD_MS = 60_000;
/** Time one task may take once taken: SES send with its retries, then SendTaskFailure if needed. */
export const TASK_BUDGET_MS = 15_000;
/**
 * A poll is only started when a whole poll plus one task fits in the time left: an aborted poll
 * could have been handed a task that is then never delivered.
 */
export const MIN_REMAINING_MS_TO_POLL = POLL_HOLD_MS + 5_000 + TASK_BUDGET_MS;
/**
 * After this many tasks in a row could not be emailed, SES is taken to be down and the run stops
 * taking tasks: the rest stay queued, untouched, and the state machine's redeliveries of the failed
 * ones wake the worker again after their backoff.
 */
export const MAX_CONSECUTIVE_DELIVERY_FAILURES = 3;

/**
 * Time one task takes a loop, allowed for when sizing the run's loops: on AWS a GetActivityTask
 * answers a waiting task in about 25 ms and an SES SendEmail takes about 60 ms, some 85 ms a task;
 * 250 ms leaves room for slower calls, new connections and the occasional SendTaskFailure.
 */
export const TASK_CYCLE_ALLOWANCE_MS = 250;
/**
 * The most "poll then send" loops one run keeps: each holds one connection for its poll, and the
 * SDK's clients open at most 50 sockets each; Step Functions' GetActivityTask quota is per account.
 */
export const MAX_POLL_LOOPS = 32;

/**
 * How many loops a run keeps at most so that, with each task taking up to TASK_CYCLE_ALLOWANCE_MS,
 * its share of the send rate stays busy (Little's law: tasks in flight = rate x time per task):
 * ceil(maxSendRate x 0.25 s), at least 1, at most MAX_POLL_LOOPS. E.g. 1/s -> 1, 5/s -> 2, 50/s -> 13,
 * 100/s -> 25. The SendRateLimiter, shared by the loops, still holds the run to its share.
 */
export function pollLoopCount(maxSendRate: number): number {
  return Math.min(MAX_POLL_LOOPS, Math.max(1, Math.ceil((maxSendRate * TASK_CYCLE_ALLOWANCE_MS) / 1000)));
}

/**
 * The time left a loop needs to start a poll: MIN_REMAINING_MS_TO_POLL (a whole poll and one task),
 * plus the wait behind the other loops' tasks in flight, which share the pace: each may hold one send
 * slot ahead of every try of this task, at the slowest pace throttling can bring. At most about 4 s
 * (the loops are sized to the rate); 0 for a run of one loop.
 */
export function minRemainingMsToPoll(maxSendRate: number, loops: number, sendAttempts = DEFAULT_SEND_RETRY_POLICY.maxAttempts): number {
  const otherTasksInFlight = Math.max(0, loops - 1);
  return MIN_REMAINING_MS_TO_POLL + Math.ceil((otherTasksInFlight * sendAttempts * 1000) / slowestSendRate(maxSendRate));
}

/** The slice of a structured logger the worker uses (Powertools Logger fits). */
export interface WorkerLogger {
  info(message: string, ...extra: Array<Record<string, unknown>>): void;
  warn(message: string, ...extra: Array<Record<string, unknown>>): void;
  error(message: string, ...extra: Array<Record<string, unknown>>): void;
}

/** Counts the run's events; the handler publishes them as CloudWatch metrics (EMF) at the end. */
export interface WorkerMetrics {
  count(name: WorkerMetricName, value?: number): void;
}

export interface DrainDependencies {
  readonly sfn: SFNClient;
  readonly ses: SESv2Client;
  readonly config: WorkerConfig;
  readonly logger: WorkerLogger;
  /** Milliseconds left before the Lambda times out. */
  readonly remainingTimeMs: () => number;
  readonly workerName?: string;
  readonly now?: () => Date;
  readonly sendRetryPolicy?: SendRetryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly metrics?: WorkerMetrics;
  /** The run's pace, shared by all its loops; by default a new one at config.maxSendRate. */
  readonly limiter?: SendRateLimiter;
  /**
   * The deployment's Slack client, for tasks whose request has `slack` in `via`: made on first use
   * and kept (slack-client.ts). Undefined: no Slack app; such tasks are emailed instead.
   */
  readonly slack?: () => Promise<SlackMessagingApi>;
  /**
   * The deployment's table of Slack messages (slack-message-trail.ts): where each approver was
   * reached, so that a reminder can close the previous message and the request's end every one.
   */
  readonly slackMessages?: SlackMessageStore;
}

export interface WorkerRunDependencies extends DrainDependencies {
  /**
   * Starts a new run of this worker with `event`: an asynchronous invoke of its own function.
   * Called by a run that stopped for time while tasks were still arriving, after it released its
   * slot. Undefined: no hand-over (the schedule and the wake-ups pick up the rest).
   */
  readonly handOver?: (event: HandOverEvent) => Promise<void>;
  /**
   * How many hand-overs led to this run (handOverHop of its event): 0 for a run started by a
   * wake-up or the schedule. A run at MAX_HAND_OVER_HOPS does not hand over. @default 0
   */
  readonly handOverHop?: number;
}

export type TaskOutcome =
  | 'emailed'
  | 'sent-to-slack'
  | 'sent-to-slack-and-emailed'
  /** The Slack message went out and the email did not: the task stays open for the buttons. */
  | 'sent-to-slack-not-emailed'
  | 'invalid-request'
  | 'delivery-failed'
  | 'delivery-refused'
  | 'ses-account-problem'
  | 'slack-account-problem';

export interface DrainSummary {
  readonly tasksTaken: number;
  readonly emailsSent: number;
  /** Slack messages posted; only there when the run posted any. */
  readonly slackMessagesSent?: number;
  readonly invalidRequests: number;
  readonly deliveryFailures: number;
  readonly stoppedBecause:
    'no-task-waiting' | 'time-running-out' | 'email-delivery-failing' | 'ses-account-problem' | 'slack-account-problem' | 'all-slots-busy';
}

export interface WorkerRunSummary extends DrainSummary {
  /**
   * Only when the run was due to hand over: whether starting the new run worked, or whether the
   * chain had reached MAX_HAND_OVER_HOPS, so that no new run was started.
   */
  readonly handOver?: 'invoked' | 'invoke-failed' | 'limit-reached';
}

/**
 * A stable, non-reversible name for a task token, so log lines about one task can be matched
 * without the token (a bearer credential) ever being written.
 */
export function taskReference(taskToken: string): string {
  return createHash('sha256').update(taskToken).digest('hex').slice(0, 16);
}

async function failTask(
  deps: DrainDependencies,
  taskToken: string,
  error: ApprovalErrorName,
  cause: string,
  logContext: Record<string, unknown>,
): Promise<void> {
  try {
    await deps.sfn.send(new SendTaskFailureCommand({ taskToken, error, cause: truncateCause(cause) }));
  } catch (sendError) {
    // The task is not lost: its TimeoutSeconds sends it round the reminder loop.
    deps.logger.error('Could not report the task failure to Step Functions; the task will time out and be retried', {
      ...logContext,
      reportedError: error,
      sfnError: (sendError as Error).name,
      sfnMessage: (sendError as Error).message,
    });
  }
}

/** Handles one task: validate, send (Slack, email or both, as the request says), or report why not. Never throws. */
export async function handleActivityTask(
  deps: DrainDependencies,
  taskToken: string,
  input: string | undefined,
  /** The run's limiter: every send of a run, in any of its loops, shares one pace. */
  limiter: SendRateLimiter,
): Promise<TaskOutcome> {
  const taskRef = taskReference(taskToken);
  const validation = validateApprovalTask(parseJsonText(input));
  if (!validation.valid) {
    const cause = invalidRequestCause(validation.problems);
    deps.logger.warn('Rejected an invalid approval request', { taskRef, problems: validation.problems.map((problem) => problem.message) });
    deps.metrics?.count(WORKER_METRICS.InvalidRequests);
    await failTask(deps, taskToken, ApprovalError.InvalidRequest, cause, { taskRef });
    return 'invalid-request';
  }

  const { task } = validation;
  // The execution name is the StartExecution caller's choice and may hold bidirectional controls,
  // which a log line shows escaped rather than obeys.
  const logContext = { taskRef, executionName: escapeUnsafeCharacters(task.executionName), attempt: task.attempt };
  const now = (deps.now ?? (() => new Date()))();
  const { via } = task.request;
  let emailToo = via.includes('email');
  let postedToSlack = false;
  // Slack first: a Slack-only task that fails for now fails before anything went out; with email
  // in `via`, a Slack failure leaves the email to reach the approver (send-approval-slack.ts).
  if (via.includes('slack')) {
    const slack = await deliverBySlack(deps, task, taskToken, now, logContext);
    if (slack === 'posted') postedToSlack = true;
    else if (slack === 'email-instead') emailToo = true;
    else return slack;
  }
  if (!emailToo) return 'sent-to-slack';
  const emailed = await emailApprover(deps, task, taskToken, now, limiter, logContext, postedToSlack);
  if (!postedToSlack) return emailed;
  return emailed === 'emailed' ? 'sent-to-slack-and-emailed' : 'sent-to-slack-not-emailed';
}

type LogContext = Readonly<Record<string, unknown>>;

/** The metric of each reason to email an approver rather than message them on Slack. */
const FALLBACK_METRICS: Record<SlackFallbackReason, WorkerMetricName> = {
  'approver-not-found': WORKER_SLACK_METRICS.SlackApproverNotFound,
  'token-too-long': WORKER_SLACK_METRICS.SlackTokenTooLong,
  'message-refused': WORKER_SLACK_METRICS.SlackMessagesRefused,
};

const FALLBACK_LOG_MESSAGES: Record<SlackFallbackReason, string> = {
  'approver-not-found': "Slack knows no user with the approver's email address",
  'token-too-long': 'The task token is too long for a Slack button',
  'message-refused': 'Slack refused the message for this approver',
};

/**
 * The task's Slack message: `posted`, `email-instead` (the approver gets the email, see
 * SlackErrorKind), or the outcome of a task that failed (reported to Step Functions here).
 */
async function deliverBySlack(
  deps: DrainDependencies,
  task: ApprovalTask,
  taskToken: string,
  now: Date,
  logContext: LogContext,
): Promise<'posted' | 'email-instead' | 'delivery-failed' | 'slack-account-problem'> {
  const emailAnyway = task.request.via.includes('email');
  if (!deps.slack) {
    // A request checked while the deployment had Slack, reminded after it was removed.
    deps.logger.warn('The request asks for Slack, but this deployment has no Slack app; emailing the approver instead', logContext);
    return 'email-instead';
  }
  let api: SlackMessagingApi | undefined;
  try {
    api = await deps.slack();
    const delivery = await sendApprovalSlack({ task, taskToken, now }, api);
    if (delivery.posted) {
      deps.logger.info(task.attempt > 1 ? 'Sent an approval reminder to Slack' : 'Sent an approval request to Slack', {
        ...logContext,
        slackUserId: delivery.slackUserId,
        slackMessageTs: delivery.ts,
      });
      deps.metrics?.count(WORKER_SLACK_METRICS.SlackMessagesSent);
      await recordDelivery(deps, task, { delivery }, now, api, logContext);
      return 'posted';
    }
    deps.logger.warn(
      `${FALLBACK_LOG_MESSAGES[delivery.fallback]}; ${emailAnyway ? 'the approver gets the email only' : 'emailing the approver instead'}`,
      {
        ...logContext,
        approver: escapeUnsafeCharacters(task.approver),
        ...(delivery.slackError === undefined ? {} : { slackError: delivery.slackError }),
      },
    );
    deps.metrics?.count(FALLBACK_METRICS[delivery.fallback]);
    await recordDelivery(deps, task, { emailInstead: delivery.fallback }, now, api, logContext);
    return 'email-instead';
  } catch (error) {
    const failure = slackFailure(error);
    const failureMetric =
      failure.kind === 'account-problem' ? WORKER_SLACK_METRICS.SlackAccountProblems : WORKER_SLACK_METRICS.SlackMessagesFailed;
    deps.metrics?.count(failureMetric);
    const failureContext = {
      ...logContext,
      error: failure.errorName,
      cause: failure.message,
      slackError: failure.slackError,
      slackErrorKind: failure.kind,
    };
    if (emailAnyway) {
      // The email alone still lets the approver decide; failing the task would delay or end the
      // request for a Slack outage or a bad token. The run goes on: nothing was failed.
      deps.logger.error('Could not send the approval message to Slack; the approver gets the email only', failureContext);
      await recordDelivery(deps, task, { emailInstead: 'slack-failed' }, now, api, logContext);
      return 'email-instead';
    }
    deps.logger.error('Could not send the approval message to Slack', failureContext);
    await failTask(deps, taskToken, failure.errorName, failure.message, logContext);
    return failure.kind === 'account-problem' ? 'slack-account-problem' : 'delivery-failed';
  }
}

/** Any failure of the Slack send as the task's failure; only names and Slack's error names, never a token. */
function slackFailure(error: unknown): SlackDeliveryError {
  if (error instanceof SlackDeliveryError) return error;
  if (error instanceof SlackSecretError) return new SlackDeliveryError(`Slack: ${error.message}`, 'account-problem', 'secret_unusable');
  return new SlackDeliveryError(
    `Slack: unexpected ${(error as Error | undefined)?.name ?? 'error'} while sending the approval message`,
    'transient',
    'unexpected_error',
  );
}

type EmailFailure = 'delivery-failed' | 'delivery-refused' | 'ses-account-problem';

/** The outcome of each kind of SES failure (send-approval-email.ts sorts them). */
const EMAIL_FAILURE_OUTCOMES: Record<EmailDeliveryError['kind'], EmailFailure> = {
  'account-problem': 'ses-account-problem',
  'message-refused': 'delivery-refused',
  transient: 'delivery-failed',
  throttled: 'delivery-failed',
};

const EMAIL_FAILURE_METRICS: Record<EmailFailure, WorkerMetricName> = {
  'ses-account-problem': WORKER_METRICS.SesAccountProblems,
  'delivery-refused': WORKER_METRICS.EmailsRefused,
  'delivery-failed': WORKER_METRICS.EmailsFailed,
};

/**
 * The task's email, through SES with its retries. When it cannot go out, the task fails here,
 * unless the approver already has the Slack message (`postedToSlack`): its buttons still decide,
 * so the task stays open and the failure is only logged and counted (EmailFailedAfterSlack).
 */
async function emailApprover(
  deps: DrainDependencies,
  task: ApprovalTask,
  taskToken: string,
  now: Date,
  limiter: SendRateLimiter,
  logContext: LogContext,
  postedToSlack: boolean,
): Promise<'emailed' | 'delivery-failed' | 'delivery-refused' | 'ses-account-problem'> {
  const email = renderApprovalEmail({
    task,
    links: buildDecisionLinks(deps.config.approvalApiUrl, taskToken),
    now,
  });
  // One task per approver: its email, with this task's own token in the links, goes to that approver only.
  const to = task.approver;
  try {
    const { messageId, attempts } = await sendApprovalEmail(
      { ...email, to, from: deps.config.senderEmail ?? to, configurationSet: deps.config.sesConfigurationSet },
      {
        ses: deps.ses,
        policy: deps.sendRetryPolicy,
        sleep: deps.sleep,
        limiter,
        onFailure: (kind) => {
          if (kind === 'throttled') deps.metrics?.count(WORKER_METRICS.EmailsThrottled);
        },
      },
    );
    deps.logger.info(task.attempt > 1 ? 'Sent an approval reminder' : 'Sent an approval request', {
      ...logContext,
      messageId,
      sesAttempts: attempts,
    });
    deps.metrics?.count(WORKER_METRICS.EmailsSent);
    return 'emailed';
  } catch (error) {
    const delivery =
      error instanceof EmailDeliveryError
        ? error
        : new EmailDeliveryError(
            ApprovalError.EmailDeliveryFailed,
            `Unexpected error while sending: ${(error as Error).message}`,
            1,
            'transient',
          );
    const failureContext = { ...logContext, error: delivery.errorName, cause: delivery.message, sesErrorKind: delivery.kind };
    const outcome = EMAIL_FAILURE_OUTCOMES[delivery.kind];
    deps.metrics?.count(EMAIL_FAILURE_METRICS[outcome]);
    if (postedToSlack) {
      deps.logger.warn('Could not send the approval email; the approver has the Slack message, so the task stays open', failureContext);
      deps.metrics?.count(WORKER_SLACK_METRICS.EmailFailedAfterSlack);
      return outcome;
    }
    deps.logger.error('Could not send the approval email', failureContext);
    await failTask(deps, taskToken, delivery.errorName, delivery.message, logContext);
    return outcome;
  }
}

/** Why a run stops taking tasks before the activity is empty or its time is up. */
type EarlyStop = 'email-delivery-failing' | 'ses-account-problem' | 'slack-account-problem';

/**
 * Takes every waiting task while a whole poll and a send still fit in the time left, with several
 * "poll then send" loops at once so that call latency does not bound the rate: the loops share one
 * SendRateLimiter, which holds the run to its share of the send rate.
 *
 * - The run starts with one loop and starts one more each time a task is dealt with (emailed,
 *   refused, or rejected as invalid: SES and Step Functions answer), up to pollLoopCount(maxSendRate).
 *   A run that finds nothing makes one poll; a run with k tasks ends with at most k + 1 empty polls.
 * - A loop stops at its first empty poll (nothing is waiting, and an idle worker costs money).
 * - A loop starts a poll only while minRemainingMsToPoll is left: a poll is never aborted, so the
 *   task it may bring, and the other loops' tasks in flight ahead of it, must fit in the time left.
 * - When SES keeps failing (MAX_CONSECUTIVE_DELIVERY_FAILURES in a row), and at once when SES refuses
 *   the account itself or Slack the app, every loop stops taking tasks: the rest stay queued, untouched, until the
 *   failed ones' redeliveries wake the worker again. Tasks already taken are finished first. Only a
 *   failure that failed a task counts: one the other channel made up for (send-approval-slack.ts) does not.
 * - A poll or a send that throws stops every loop the same way; the run throws once they finished.
 *
 * `stoppedBecause` is `no-task-waiting` when the last poll to answer came back empty, and
 * `time-running-out` when every loop stopped for time with the last poll bringing a task (tasks
 * were still arriving) or no poll was made.
 */
export async function drainActivityTasks(deps: DrainDependencies): Promise<DrainSummary> {
  // One pace for the whole run: a throttling answer slows every later send of every loop.
  const limiter = deps.limiter ?? new SendRateLimiter({ maxPerSecond: deps.config.maxSendRate });
  const maxLoops = pollLoopCount(deps.config.maxSendRate);
  const minRemainingMs = minRemainingMsToPoll(deps.config.maxSendRate, maxLoops, deps.sendRetryPolicy?.maxAttempts);
  const counts = { tasksTaken: 0, emailsSent: 0, invalidRequests: 0, deliveryFailures: 0 };
  let slackMessagesSent = 0;
  let failuresInARow = 0;
  let earlyStop: EarlyStop | undefined;
  let thrown: { error: unknown } | undefined;
  // Whether a poll answered, and whether the last one to answer brought a task.
  let polled = false;
  let lastPollBroughtTask = false;
  const loops: Array<Promise<void>> = [];

  const takingTasks = (): boolean => earlyStop === undefined && thrown === undefined;

  const startLoop = (): void => {
    loops.push(
      loop().catch((error: unknown) => {
        thrown ??= { error };
      }),
    );
  };

  /** The activity answers and so does SES: another loop helps, up to the run's share. */
  const grow = (): void => {
    if (takingTasks() && loops.length < maxLoops) startLoop();
  };

  const record = (outcome: TaskOutcome): void => {
    if (outcome === 'emailed' || outcome === 'sent-to-slack' || outcome === 'sent-to-slack-and-emailed') {
      if (outcome !== 'sent-to-slack') counts.emailsSent++;
      if (outcome !== 'emailed') slackMessagesSent++;
      failuresInARow = 0;
      grow();
    } else if (outcome === 'sent-to-slack-not-emailed') {
      // Delivered: the approver has the buttons. SES's trouble counts against it only when it fails a task.
      slackMessagesSent++;
      grow();
    } else if (outcome === 'slack-account-problem') {
      counts.deliveryFailures++;
      if (earlyStop !== 'slack-account-problem') {
        earlyStop = 'slack-account-problem';
        deps.logger.error(
          'Slack refuses the app (its token or scopes); leaving the other tasks queued. Check the slackSecretName secret.',
          {
            queuedTasksLeftAlone: true,
          },
        );
      }
    } else if (outcome === 'invalid-request') {
      counts.invalidRequests++;
      grow();
    } else if (outcome === 'delivery-refused') {
      // A refusal concerns one message; only failures retrying could fix say SES itself is in trouble.
      counts.deliveryFailures++;
      grow();
    } else if (outcome === 'delivery-failed') {
      counts.deliveryFailures++;
      failuresInARow++;
      if (failuresInARow >= MAX_CONSECUTIVE_DELIVERY_FAILURES && earlyStop === undefined) {
        earlyStop = 'email-delivery-failing';
        deps.logger.warn('SES failed several emails in a row; leaving the other tasks queued until the redeliveries wake the worker', {
          failuresInARow,
        });
      }
    } else {
      counts.deliveryFailures++;
      if (earlyStop !== 'ses-account-problem') {
        earlyStop = 'ses-account-problem';
        deps.logger.error('SES refuses to send for this account; leaving the other tasks queued. Run `approval doctor` to see why.', {
          queuedTasksLeftAlone: true,
        });
      }
    }
  };

  async function loop(): Promise<void> {
    while (takingTasks()) {
      if (deps.remainingTimeMs() < minRemainingMs) return;
      const { taskToken, input } = await deps.sfn.send(
        new GetActivityTaskCommand({ activityArn: deps.config.activityArn, workerName: deps.workerName?.slice(0, 80) }),
      );
      polled = true;
      lastPollBroughtTask = Boolean(taskToken);
      // A task that reached this poll is handled even when the run stops meanwhile: it was taken.
      if (!taskToken) return;
      counts.tasksTaken++;
      record(await handleActivityTask(deps, taskToken, input, limiter));
    }
  }

  startLoop();
  // Loops start while others run; wait for every one, including those started meanwhile.
  for (let settled = 0; settled < loops.length; settled++) await loops[settled];
  if (thrown) throw thrown.error;
  const stoppedBecause = earlyStop ?? (polled && !lastPollBroughtTask ? 'no-task-waiting' : 'time-running-out');
  return { ...counts, ...(slackMessagesSent > 0 ? { slackMessagesSent } : {}), stoppedBecause };
}

const NOTHING_DONE = { tasksTaken: 0, emailsSent: 0, invalidRequests: 0, deliveryFailures: 0 } as const;

/**
 * Whether a run should start its successor: it stopped for time (it never aborts a poll, so it
 * stops taking tasks some 80 s before its timeout) while tasks were still arriving (its last poll
 * brought one). A run that found the activity empty, that took no task, or that stopped because SES
 * is failing does not: new requests wake the worker themselves, and SES failures wait for the
 * redeliveries.
 */
export function shouldHandOver(summary: DrainSummary): boolean {
  return summary.stoppedBecause === 'time-running-out' && summary.tasksTaken > 0;
}

/** Takes a slot (see runWorker), drains, and releases the slot before returning. */
async function drainInSlot(deps: DrainDependencies, slots: WorkerSlotsOptions | undefined): Promise<DrainSummary> {
  if (!slots) return drainActivityTasks(deps);
  let lease;
  try {
    lease = await acquireWorkerSlot(slots, deps.remainingTimeMs());
  } catch (error) {
    deps.logger.error('Could not take a worker slot; working without one so that no request waits', {
      slotError: (error as Error).name,
      slotMessage: (error as Error).message,
    });
    return drainActivityTasks(deps);
  }
  if (!lease) {
    deps.logger.info('Every worker slot is held; the runs holding them take the waiting tasks', { slots: slots.count });
    return { ...NOTHING_DONE, stoppedBecause: 'all-slots-busy' };
  }
  try {
    return await drainActivityTasks(deps);
  } finally {
    await lease.release().catch((error: Error) => {
      // The lease runs out by itself when the run's time is up.
      deps.logger.warn('Could not release the worker slot; it frees itself when its lease runs out', {
        slot: lease.slot,
        slotError: error.name,
      });
    });
  }
}

/**
 * Starts the next run; a failure is logged and does not fail this run (the schedule is the safety
 * net). A run whose chain already counts MAX_HAND_OVER_HOPS hand-overs starts none: it says so and
 * counts HandOverLimitReached, and the wake-ups and the schedule take over.
 */
async function handOver(
  deps: WorkerRunDependencies,
  start: (event: HandOverEvent) => Promise<void>,
  summary: DrainSummary,
): Promise<'invoked' | 'invoke-failed' | 'limit-reached'> {
  const hop = deps.handOverHop ?? 0;
  const context = { tasksTaken: summary.tasksTaken, emailsSent: summary.emailsSent, hop };
  if (hop >= MAX_HAND_OVER_HOPS) {
    deps.logger.warn(
      `Not handing over: this chain of runs has handed over ${hop} times, the most allowed (MAX_HAND_OVER_HOPS); the next wake-up or the schedule picks up the waiting tasks`,
      { ...context, maxHandOverHops: MAX_HAND_OVER_HOPS },
    );
    deps.metrics?.count(WORKER_RUN_METRICS.HandOverLimitReached);
    return 'limit-reached';
  }
  const event = handOverEvent(hop);
  try {
    await start(event);
  } catch (error) {
    deps.logger.error('Could not hand over to a new run; the next wake-up or the schedule picks up the waiting tasks', {
      ...context,
      handOverError: (error as Error).name,
      handOverMessage: (error as Error).message,
    });
    return 'invoke-failed';
  }
  deps.logger.info('Handed over to a new run: tasks are still arriving and this run is out of time', { ...context, nextHop: event.hop });
  deps.metrics?.count(WORKER_RUN_METRICS.HandOvers);
  return 'invoked';
}

/**
 * One run of the worker: with `slots`, it first takes a worker slot for as long as it may run, and
 * stops at once when every slot is held (the runs holding them drain the same activity). If the
 * slot table cannot be reached, the run works without a slot rather than leave requests waiting.
 *
 * A run that stops for time while tasks are still arriving (shouldHandOver) releases its slot, then
 * starts its successor through `deps.handOver`, so a backlog larger than one run can send keeps
 * draining without waiting for the schedule. The successor takes a slot like any run, so the slots
 * still bound how many instances work at once.
 */
export async function runWorker(deps: WorkerRunDependencies, slots?: WorkerSlotsOptions): Promise<WorkerRunSummary> {
  const summary = await drainInSlot(deps, slots);
  if (!deps.handOver || !shouldHandOver(summary)) return summary;
  return { ...summary, handOver: await handOver(deps, deps.handOver, summary) };
}
