import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { ApprovalError } from '../functions/commons/approval-errors';
import type { EmailInsteadReason } from '../functions/commons/slack-message-records';
import { expiresAt, isLastAttempt, linksValidUntil } from '../functions/commons/reminders';
import { isRecord, parseJson } from './json-values';
import type { ApprovalPolicy } from './request-view';

/** The audit record the approval API builds from the click (see infra/approval-api-templates.ts). */
export type DecisionRecord = Readonly<Record<string, unknown>>;

/**
 * A record as read from an output, a cause or the history. A task token is a bearer credential for
 * the decision: the API never puts one in a record, and should one ever be there, it is not shown.
 */
export function decisionRecord(value: Readonly<Record<string, unknown>>): DecisionRecord {
  return Object.fromEntries(Object.entries(value).filter(([field]) => field.toLowerCase() !== 'tasktoken'));
}

/**
 * Where one approver stands:
 * - waiting: their email (or the next reminder) is not sent yet;
 * - emailed: their links are open;
 * - approved / rejected: they decided;
 * - expired: their last reminder ran out (under `any` only once everyone's did);
 * - not-delivered: their email could not be sent (SES refused it, or kept failing);
 * - closed: the request ended without their decision (someone else decided, or it failed).
 */
export type ApproverState = 'waiting' | 'emailed' | 'approved' | 'rejected' | 'expired' | 'not-delivered' | 'closed';

/**
 * How the worker reached an approver of a request that asked for Slack, from the table of Slack
 * messages: a direct message to their Slack user, or the email instead, and why.
 */
export type ReachedBy =
  { readonly channel: 'slack'; readonly slackUserId: string } | { readonly channel: 'email'; readonly reason: EmailInsteadReason };

export interface ApproverView {
  readonly address: string;
  readonly state: ApproverState;
  /** The email of their latest task: 1 the first, 2 the first reminder, and so on. */
  readonly attempt?: number;
  /** Reminders after the first email, as the state machine is configured. */
  readonly reminderCount?: number;
  /** When the worker took their latest task, i.e. when that email went out. */
  readonly emailedAt?: string;
  /** Emailed: when the links of that email stop working (and the next reminder goes out). */
  readonly validUntil?: string;
  /** Emailed: when their last reminder runs out, if nobody decides before (an estimate: redeliveries add to it). */
  readonly expiresAt?: string;
  /** Approved / rejected: the decision record, with `approver`. */
  readonly decision?: DecisionRecord;
  /** Not delivered: the task's error and cause. */
  readonly error?: string;
  readonly cause?: string;
  /** Only for a request that asked for Slack, once the worker has reached them. */
  readonly reachedBy?: ReachedBy;
}

export interface ApproverStateInput {
  /** In the request's order. */
  readonly approvers: readonly string[];
  readonly policy: ApprovalPolicy | null;
  /** The execution's status and, once failed, its error. */
  readonly status: string;
  readonly error?: string;
  /** The records of the final output or of a Rejected cause; each names its `approver`. */
  readonly finalRecords: readonly DecisionRecord[];
  readonly history: readonly HistoryEvent[];
}

type TaskEnd =
  | { readonly kind: 'decided'; readonly record: DecisionRecord }
  | { readonly kind: 'failed'; readonly error?: string; readonly cause?: string }
  | { readonly kind: 'timed-out' };

/** One ManualApproval task: one email (or redelivery) to one approver. */
interface ActivityTask {
  readonly approver: string;
  readonly attempt?: number;
  readonly reminderCount?: number;
  readonly reminderIntervalSeconds?: number;
  startedAt?: Date;
  end?: TaskEnd;
}

const key = (address: string) => address.toLowerCase();

function wholeNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

function taskOf(event: HistoryEvent): ActivityTask | undefined {
  const input = parseJson(event.activityScheduledEventDetails?.input);
  if (!isRecord(input)) return undefined;
  // Tasks scheduled before approvers existed carried only the seed request: the manager was the approver.
  const approver =
    typeof input.approver === 'string' ? input.approver : isRecord(input.request) ? input.request.managerEmailAddress : undefined;
  if (typeof approver !== 'string') return undefined;
  return {
    approver,
    attempt: wholeNumber(input.attempt),
    reminderCount: wholeNumber(input.reminderCount),
    reminderIntervalSeconds: wholeNumber(input.reminderIntervalSeconds),
  };
}

function decidedEnd(text: string | undefined, approver: string): TaskEnd {
  const record = parseJson(text);
  // The record gains the approver from the task input, the state machine's own data, as the state machine does.
  return { kind: 'decided', record: { ...decisionRecord(isRecord(record) ? record : {}), approver } };
}

/**
 * Each approver's latest task. Events are tied to their task through previousEventId (Started points
 * at its Scheduled, an ending at its Started), so iterations running side by side do not mix. An event
 * whose link leads nowhere known goes to the newest task still open, the best guess there is.
 */
function latestTasks(history: readonly HistoryEvent[]): Map<string, ActivityTask> {
  const byEvent = new Map<number, ActivityTask>();
  const latest = new Map<string, ActivityTask>();
  const opened: ActivityTask[] = [];
  const events = [...history].sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
  for (const event of events) {
    if (event.type === 'ActivityScheduled') {
      const task = taskOf(event);
      if (task === undefined) continue;
      if (event.id !== undefined) byEvent.set(event.id, task);
      latest.set(key(task.approver), task);
      opened.push(task);
      continue;
    }
    if (!event.type?.startsWith('Activity')) continue;
    const task =
      (event.previousEventId === undefined ? undefined : byEvent.get(event.previousEventId)) ??
      opened.findLast((candidate) => candidate.end === undefined);
    if (task === undefined) continue;
    if (event.id !== undefined) byEvent.set(event.id, task);
    switch (event.type) {
      case 'ActivityStarted':
        task.startedAt = event.timestamp;
        break;
      case 'ActivitySucceeded':
        task.end = decidedEnd(event.activitySucceededEventDetails?.output, task.approver);
        break;
      case 'ActivityFailed': {
        const { error, cause } = event.activityFailedEventDetails ?? {};
        task.end =
          error === ApprovalError.Rejected
            ? decidedEnd(cause, task.approver)
            : { kind: 'failed', ...(error === undefined ? {} : { error }), ...(cause === undefined ? {} : { cause }) };
        break;
      }
      case 'ActivityScheduleFailed': {
        const { error, cause } = event.activityScheduleFailedEventDetails ?? {};
        task.end = { kind: 'failed', ...(error === undefined ? {} : { error }), ...(cause === undefined ? {} : { cause }) };
        break;
      }
      case 'ActivityTimedOut':
        task.end = { kind: 'timed-out' };
        break;
    }
  }
  return latest;
}

/** What the latest task says, before the state is known. */
function taskFields(task: ActivityTask | undefined): Partial<ApproverView> {
  if (task === undefined) return {};
  return {
    ...(task.attempt === undefined ? {} : { attempt: task.attempt }),
    ...(task.reminderCount === undefined ? {} : { reminderCount: task.reminderCount }),
    ...(task.startedAt === undefined ? {} : { emailedAt: task.startedAt.toISOString() }),
  };
}

function isLastTask(task: ActivityTask): boolean {
  return task.attempt !== undefined && task.reminderCount !== undefined && isLastAttempt(task.attempt, task.reminderCount);
}

function decided(address: string, record: DecisionRecord, task: ActivityTask | undefined): ApproverView {
  return { address, state: record.decision === 'rejected' ? 'rejected' : 'approved', ...taskFields(task), decision: record };
}

function failedFields(end: Extract<TaskEnd, { kind: 'failed' }>): Partial<ApproverView> {
  return { ...(end.error === undefined ? {} : { error: end.error }), ...(end.cause === undefined ? {} : { cause: end.cause }) };
}

/** An approver of a running request who has not decided. */
function openState(address: string, task: ActivityTask | undefined): ApproverView {
  if (task === undefined) return { address, state: 'waiting' };
  const fields = taskFields(task);
  const end = task.end;
  if (end === undefined) {
    if (task.startedAt === undefined) return { address, state: 'waiting', ...fields };
    const { attempt, reminderCount, reminderIntervalSeconds } = task;
    if (reminderIntervalSeconds === undefined || attempt === undefined || reminderCount === undefined)
      return { address, state: 'emailed', ...fields };
    const timing = { attempt, reminderCount, reminderIntervalSeconds };
    return {
      address,
      state: 'emailed',
      ...fields,
      validUntil: linksValidUntil(task.startedAt, timing).toISOString(),
      expiresAt: expiresAt(task.startedAt, timing).toISOString(),
    };
  }
  if (end.kind === 'timed-out') {
    // The last reminder ran out: under `any` this approver waits silently for the others.
    if (isLastTask(task)) return { address, state: 'expired', ...fields };
    // The next reminder is on its way.
    return { address, state: 'waiting', ...fields, ...(task.attempt === undefined ? {} : { attempt: task.attempt + 1 }) };
  }
  if (end.kind === 'failed') {
    // A delivery failure is sent again with backoff; anything else ends the request.
    if (end.error === ApprovalError.EmailDeliveryFailed) return { address, state: 'waiting', ...fields };
    return { address, state: 'not-delivered', ...fields, ...failedFields(end) };
  }
  return decided(address, end.record, task);
}

/**
 * Each approver's state, from the history (who was emailed, reminded, who decided) and from the
 * execution's end (the final records name their approver; Expired says whose time ran out).
 */
export function approverStates(input: ApproverStateInput): ApproverView[] {
  const tasks = latestTasks(input.history);
  const finalRecords = new Map<string, DecisionRecord>();
  for (const record of input.finalRecords) {
    // Records from before approvers existed do not name one: with a single approver it is theirs.
    const approver = typeof record.approver === 'string' ? record.approver : input.approvers.length === 1 ? input.approvers[0] : undefined;
    if (approver !== undefined) finalRecords.set(key(approver), typeof record.approver === 'string' ? record : { ...record, approver });
  }
  const ended = input.status !== 'RUNNING';
  const expired = ended && input.error === ApprovalError.Expired;
  // Under `all` the request expires with the first approver whose reminders ran out; the history
  // says who. Without that evidence (no history), every undecided approver counts as expired.
  const someoneRanOut = input.approvers.some((address) => {
    const task = tasks.get(key(address));
    return task?.end?.kind === 'timed-out' && isLastTask(task);
  });

  return input.approvers.map((address): ApproverView => {
    const task = tasks.get(key(address));
    const record = finalRecords.get(key(address)) ?? (task?.end?.kind === 'decided' ? task.end.record : undefined);
    if (record !== undefined) return decided(address, record, task);
    if (!ended) return openState(address, task);
    const fields = taskFields(task);
    // A delivery failure that was still being retried when someone else decided is no failure of theirs.
    if (task?.end?.kind === 'failed' && (task.end.error !== ApprovalError.EmailDeliveryFailed || input.error === task.end.error)) {
      return { address, state: 'not-delivered', ...fields, ...failedFields(task.end) };
    }
    if (expired) {
      const ranOut = task?.end?.kind === 'timed-out' && isLastTask(task);
      if (input.policy !== 'all' || ranOut || !someoneRanOut) return { address, state: 'expired', ...fields };
    }
    return { address, state: 'closed', ...fields };
  });
}
