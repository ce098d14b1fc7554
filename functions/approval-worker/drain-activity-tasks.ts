import { createHash } from 'node:crypto';
import { GetActivityTaskCommand, SendTaskFailureCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { ApprovalError, type ApprovalErrorName } from '../commons/approval-errors';
import { renderApprovalEmail } from '../commons/approval-email';
import { invalidRequestCause, validateApprovalTask } from '../commons/approval-request';
import { buildDecisionLinks } from '../commons/decision-links';
import { WORKER_METRICS, type WorkerMetricName } from '../commons/worker-metrics';
import type { WorkerConfig } from './config';
import { EmailDeliveryError, sendApprovalEmail, type SendRetryPolicy } from './send-approval-email';
import { SendRateLimiter } from './send-rate-limiter';
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

/** Step Functions limits for SendTaskFailure. */
const MAX_CAUSE_LENGTH = 32_768;

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
}

export type TaskOutcome = 'emailed' | 'invalid-request' | 'delivery-failed' | 'delivery-refused' | 'ses-account-problem';

export interface DrainSummary {
  readonly tasksTaken: number;
  readonly emailsSent: number;
  readonly invalidRequests: number;
  readonly deliveryFailures: number;
  readonly stoppedBecause: 'no-task-waiting' | 'time-running-out' | 'email-delivery-failing' | 'ses-account-problem' | 'all-slots-busy';
}

/**
 * A stable, non-reversible name for a task token, so log lines about one task can be matched
 * without the token (a bearer credential) ever being written.
 */
export function taskReference(taskToken: string): string {
  return createHash('sha256').update(taskToken).digest('hex').slice(0, 16);
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 3)}...`;
}

async function failTask(
  deps: DrainDependencies,
  taskToken: string,
  error: ApprovalErrorName,
  cause: string,
  logContext: Record<string, unknown>,
): Promise<void> {
  try {
    await deps.sfn.send(new SendTaskFailureCommand({ taskToken, error, cause: truncate(cause, MAX_CAUSE_LENGTH) }));
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

function parseInput(input: string | undefined): unknown {
  try {
    return JSON.parse(input ?? '');
  } catch {
    return undefined;
  }
}

/** Handles one task: validate, email, or report why not. Never throws. */
export async function handleActivityTask(
  deps: DrainDependencies,
  taskToken: string,
  input: string | undefined,
  /** The run's limiter: every send of a run shares one pace. */
  limiter: SendRateLimiter,
): Promise<TaskOutcome> {
  const taskRef = taskReference(taskToken);
  const validation = validateApprovalTask(parseInput(input));
  if (!validation.valid) {
    const cause = invalidRequestCause(validation.problems);
    deps.logger.warn('Rejected an invalid approval request', { taskRef, problems: validation.problems });
    deps.metrics?.count(WORKER_METRICS.InvalidRequests);
    await failTask(deps, taskToken, ApprovalError.InvalidRequest, cause, { taskRef });
    return 'invalid-request';
  }

  const { task } = validation;
  const logContext = { taskRef, executionName: task.executionName, attempt: task.attempt };
  const now = (deps.now ?? (() => new Date()))();
  const email = renderApprovalEmail({
    task,
    links: buildDecisionLinks(deps.config.approvalApiUrl, taskToken, deps.config.linksCarrySubject ? task.request.subject : undefined),
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
    deps.logger.error('Could not send the approval email', {
      ...logContext,
      error: delivery.errorName,
      cause: delivery.message,
      sesErrorKind: delivery.kind,
    });
    await failTask(deps, taskToken, delivery.errorName, delivery.message, logContext);
    if (delivery.kind === 'account-problem') {
      deps.metrics?.count(WORKER_METRICS.SesAccountProblems);
      return 'ses-account-problem';
    }
    if (delivery.kind === 'message-refused') {
      deps.metrics?.count(WORKER_METRICS.EmailsRefused);
      return 'delivery-refused';
    }
    deps.metrics?.count(WORKER_METRICS.EmailsFailed);
    return 'delivery-failed';
  }
}

/**
 * Takes every waiting task, one after another, while a whole poll and a send still fit in the
 * time left. Stops at the first empty poll (nothing is waiting, and an idle worker costs money),
 * when SES keeps failing, and at once when SES refuses the account itself: every other task then
 * stays queued, untouched, until the failed one's redelivery wakes the worker again.
 */
export async function drainActivityTasks(deps: DrainDependencies): Promise<DrainSummary> {
  // One pace for the whole run: a throttling answer slows every later send of the run.
  const limiter = new SendRateLimiter({ maxPerSecond: deps.config.maxSendRate });
  const counts = { tasksTaken: 0, emailsSent: 0, invalidRequests: 0, deliveryFailures: 0 };
  let failuresInARow = 0;
  for (;;) {
    if (failuresInARow >= MAX_CONSECUTIVE_DELIVERY_FAILURES) {
      deps.logger.warn('SES failed several emails in a row; leaving the other tasks queued until the redeliveries wake the worker', {
        failuresInARow,
      });
      return { ...counts, stoppedBecause: 'email-delivery-failing' };
    }
    if (deps.remainingTimeMs() < MIN_REMAINING_MS_TO_POLL) {
      return { ...counts, stoppedBecause: 'time-running-out' };
    }
    const { taskToken, input } = await deps.sfn.send(
      new GetActivityTaskCommand({ activityArn: deps.config.activityArn, workerName: deps.workerName?.slice(0, 80) }),
    );
    if (!taskToken) {
      return { ...counts, stoppedBecause: 'no-task-waiting' };
    }
    counts.tasksTaken++;
    const outcome = await handleActivityTask(deps, taskToken, input, limiter);
    if (outcome === 'emailed') {
      counts.emailsSent++;
      failuresInARow = 0;
    } else if (outcome === 'invalid-request') {
      counts.invalidRequests++;
    } else if (outcome === 'ses-account-problem') {
      counts.deliveryFailures++;
      deps.logger.error('SES refuses to send for this account; leaving the other tasks queued. Run `approval doctor` to see why.', {
        queuedTasksLeftAlone: true,
      });
      return { ...counts, stoppedBecause: 'ses-account-problem' };
    } else {
      counts.deliveryFailures++;
      // A refusal concerns one message; only failures retrying could fix say SES itself is in trouble.
      if (outcome === 'delivery-failed') failuresInARow++;
    }
  }
}

const NOTHING_DONE = { tasksTaken: 0, emailsSent: 0, invalidRequests: 0, deliveryFailures: 0 } as const;

/**
 * One run of the worker: with `slots`, it first takes a worker slot for as long as it may run, and
 * stops at once when every slot is held (the runs holding them drain the same activity). If the
 * slot table cannot be reached, the run works without a slot rather than leave requests waiting.
 */
export async function runWorker(deps: DrainDependencies, slots?: WorkerSlotsOptions): Promise<DrainSummary> {
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
