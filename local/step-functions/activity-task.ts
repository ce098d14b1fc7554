import type { ExecutionHistory } from './history';
import { ActivityTaskFailure, ExecutionClosedError, type JsonValue, statesTimeoutError } from './interpreter';
import { type LongTimer, setLongTimeout } from './long-timer';
import { newTaskToken } from './task-token';

export type ActivityTaskStatus = 'SCHEDULED' | 'STARTED' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** The clocks of a task, resolved from the state's fields; both start when a worker takes the task. */
export interface ActivityTaskClocks {
  readonly timeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
}

export interface ActivityTaskOptions {
  readonly activityArn: string;
  readonly executionName: string;
  readonly stateName: string;
  /** Names the Map iteration or Parallel branch in log lines; empty at the top level. */
  readonly runLabel?: string;
  /** 1 for the first task a state schedules in its run (the execution, or one Map iteration), 2 for its next (a retry or a loop back). */
  readonly attempt: number;
  /** The state's effective input, which the worker receives. */
  readonly input: JsonValue;
  readonly clocks: ActivityTaskClocks;
  readonly history: ExecutionHistory;
  readonly log: (line: string) => void;
  /** Called once when the task closes, however it closes. */
  readonly onClosed: (task: ActivityTask) => void;
}

/**
 * One scheduled activity task: the token a worker answers with, the clocks that start when a worker
 * takes it, and the result the interpreter's Task state waits for.
 */
export class ActivityTask {
  readonly token = newTaskToken();
  /** What GetActivityTask hands the worker. */
  readonly inputText: string;
  /** Settles when the task closes: the worker's output, or the state's error. */
  readonly result: Promise<JsonValue>;
  private currentStatus: ActivityTaskStatus = 'SCHEDULED';
  private resolveResult!: (output: JsonValue) => void;
  private rejectResult!: (error: Error) => void;
  private timeoutTimer: LongTimer | undefined;
  private heartbeatTimer: LongTimer | undefined;
  /** The ActivityScheduled event's id, which ActivityStarted follows from. */
  private scheduledEventId = 0;
  /** The ActivityStarted event's id, which the task's closing event follows from. */
  private startedEventId: number | undefined;

  private constructor(private readonly options: ActivityTaskOptions) {
    this.inputText = JSON.stringify(options.input);
    this.result = new Promise<JsonValue>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // The interpreter awaits the result; this only keeps a late rejection from counting as unhandled.
    this.result.catch(() => undefined);
  }

  /** Creates the task and records ActivityScheduled. */
  static schedule(options: ActivityTaskOptions): ActivityTask {
    const task = new ActivityTask(options);
    const { timeoutSeconds, heartbeatSeconds } = options.clocks;
    task.scheduledEventId =
      options.history.append('ActivityScheduled', {
        activityScheduledEventDetails: {
          resource: options.activityArn,
          input: task.inputText,
          inputDetails: { truncated: false },
          ...(timeoutSeconds === undefined ? {} : { timeoutInSeconds: timeoutSeconds }),
          ...(heartbeatSeconds === undefined ? {} : { heartbeatInSeconds: heartbeatSeconds }),
        },
      }).id ?? 0;
    options.log(`activity task scheduled for ${task.label}`);
    return task;
  }

  get status(): ActivityTaskStatus {
    return this.currentStatus;
  }

  get isOpen(): boolean {
    return this.currentStatus === 'SCHEDULED' || this.currentStatus === 'STARTED';
  }

  /** Names the task in log lines; never the token. */
  get label(): string {
    const run = this.options.runLabel ? `${this.options.runLabel}, ` : '';
    return `execution ${this.options.executionName} (${run}state ${this.options.stateName}, attempt ${this.options.attempt})`;
  }

  /** A worker took the task: ActivityStarted, and the timeout and heartbeat clocks start now. */
  start(workerName: string | undefined): void {
    if (this.currentStatus !== 'SCHEDULED') return;
    this.currentStatus = 'STARTED';
    this.startedEventId = this.options.history.append(
      'ActivityStarted',
      { activityStartedEventDetails: workerName === undefined ? {} : { workerName } },
      this.scheduledEventId,
    ).id;
    this.options.log(`activity task of ${this.label} handed to worker ${workerName ?? '(unnamed)'}`);
    const { timeoutSeconds, heartbeatSeconds } = this.options.clocks;
    if (timeoutSeconds !== undefined) {
      this.timeoutTimer = setLongTimeout(() => this.expire('States.Timeout'), timeoutSeconds * 1000);
    }
    if (heartbeatSeconds !== undefined) this.heartbeat();
  }

  /** SendTaskHeartbeat: the heartbeat clock starts over. */
  heartbeat(): void {
    const { heartbeatSeconds } = this.options.clocks;
    if (this.currentStatus !== 'STARTED' || heartbeatSeconds === undefined) return;
    this.heartbeatTimer?.clear();
    this.heartbeatTimer = setLongTimeout(() => this.expire('States.HeartbeatTimeout'), heartbeatSeconds * 1000);
  }

  /** SendTaskSuccess: the Task state goes on with the worker's output. */
  succeed(output: JsonValue, outputText: string): void {
    this.close('SUCCEEDED');
    this.options.history.append(
      'ActivitySucceeded',
      { activitySucceededEventDetails: { output: outputText, outputDetails: { truncated: false } } },
      this.closedFrom,
    );
    this.options.log(`activity task of ${this.label} succeeded`);
    this.resolveResult(output);
  }

  /** SendTaskFailure: the Task state fails with the worker's error and cause, for its Retry and Catch. */
  fail(error: string | undefined, cause: string | undefined): void {
    this.close('FAILED');
    this.options.history.append(
      'ActivityFailed',
      { activityFailedEventDetails: { ...(error === undefined ? {} : { error }), ...(cause === undefined ? {} : { cause }) } },
      this.closedFrom,
    );
    this.options.log(`activity task of ${this.label} failed with ${error ?? 'no error name'}`);
    this.rejectResult(new ActivityTaskFailure(error ?? '', cause ?? ''));
  }

  /**
   * The execution closed (stopped, timed out, or the endpoint shut down), or the Map iteration or
   * Parallel branch of the task was stopped: the token answers TaskDoesNotExist (ABORTED) or
   * TaskTimedOut (TIMED_OUT) from now on, and the Task state ends without Retry or Catch.
   */
  abandon(status: 'ABORTED' | 'TIMED_OUT'): void {
    if (!this.isOpen) return;
    this.close(status);
    this.rejectResult(new ExecutionClosedError(`The execution of this task closed (${status}).`));
  }

  /**
   * A clock ran out. The history names both as States.Timeout without a cause (recorded on AWS by
   * LocalStack: test_activity_task_start_timeout, and test_heartbeat_timeout for a missed heartbeat);
   * "Handling errors in Step Functions workflows": States.HeartbeatTimeout is only available inside
   * Catch and Retry, so the interpreter still gets that name for them to match.
   */
  private expire(error: 'States.Timeout' | 'States.HeartbeatTimeout'): void {
    if (!this.isOpen) return;
    this.close('TIMED_OUT');
    this.options.history.append('ActivityTimedOut', { activityTimedOutEventDetails: { error: 'States.Timeout' } }, this.closedFrom);
    this.options.log(`activity task of ${this.label} timed out (${error})`);
    void statesTimeoutError(error, '').then((timeout) => this.rejectResult(timeout));
  }

  /** The event the task's closing event follows from: its ActivityStarted (a worker always took it before it can close by itself). */
  private get closedFrom(): number {
    return this.startedEventId ?? this.scheduledEventId;
  }

  private close(status: ActivityTaskStatus): void {
    this.currentStatus = status;
    this.timeoutTimer?.clear();
    this.heartbeatTimer?.clear();
    this.options.onClosed(this);
  }
}
