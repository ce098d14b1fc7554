import type { ExecutionHistory } from './history';
import type { JsonValue } from './interpreter';
import { ClockedTokenTask, type TaskClocks } from './token-task';

export type { ActivityTaskStatus } from './token-task';

/** The clocks of a task, resolved from the state's fields; both start when a worker takes the task. */
export type ActivityTaskClocks = TaskClocks;

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
export class ActivityTask extends ClockedTokenTask {
  /** What GetActivityTask hands the worker. */
  readonly inputText: string;
  /** The ActivityScheduled event's id, which ActivityStarted follows from. */
  private scheduledEventId = 0;
  /** The ActivityStarted event's id, which the task's closing event follows from. */
  private startedEventId: number | undefined;

  private constructor(private readonly options: ActivityTaskOptions) {
    super('SCHEDULED');
    this.inputText = JSON.stringify(options.input);
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

  protected get clocks(): TaskClocks {
    return this.options.clocks;
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
    this.startClocks();
  }

  protected recordSucceeded(_output: JsonValue, outputText: string): void {
    this.options.history.append(
      'ActivitySucceeded',
      { activitySucceededEventDetails: { output: outputText, outputDetails: { truncated: false } } },
      this.closedFrom,
    );
    this.options.log(`activity task of ${this.label} succeeded`);
  }

  protected recordFailed(error: string | undefined, cause: string | undefined): void {
    this.options.history.append(
      'ActivityFailed',
      { activityFailedEventDetails: { ...(error === undefined ? {} : { error }), ...(cause === undefined ? {} : { cause }) } },
      this.closedFrom,
    );
    this.options.log(`activity task of ${this.label} failed with ${error ?? 'no error name'}`);
  }

  /**
   * A clock ran out. The history names both as States.Timeout without a cause (recorded on AWS by
   * LocalStack: test_activity_task_start_timeout, and test_heartbeat_timeout for a missed heartbeat);
   * "Handling errors in Step Functions workflows": States.HeartbeatTimeout is only available inside
   * Catch and Retry, so the interpreter still gets that name for them to match.
   */
  protected recordTimedOut(error: 'States.Timeout' | 'States.HeartbeatTimeout'): void {
    this.options.history.append('ActivityTimedOut', { activityTimedOutEventDetails: { error: 'States.Timeout' } }, this.closedFrom);
    this.options.log(`activity task of ${this.label} timed out (${error})`);
  }

  protected abandonedMessage(status: 'ABORTED' | 'TIMED_OUT'): string {
    return `The execution of this task closed (${status}).`;
  }

  protected closed(): void {
    this.options.onClosed(this);
  }

  /** The event the task's closing event follows from: its ActivityStarted (a worker always took it before it can close by itself). */
  private get closedFrom(): number {
    return this.startedEventId ?? this.scheduledEventId;
  }
}
