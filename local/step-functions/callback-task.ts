import type { ActivityTaskStatus } from './activity-task';
import { ActivityTaskFailure, ExecutionClosedError, type JsonValue, statesTimeoutError } from './interpreter';
import { type LongTimer, setLongTimeout } from './long-timer';
import { newTaskToken } from './task-token';

/** What SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat act on: an activity task or a callback task. */
export interface TokenTask {
  readonly token: string;
  readonly status: ActivityTaskStatus;
  readonly isOpen: boolean;
  succeed(output: JsonValue, outputText: string): void;
  fail(error: string | undefined, cause: string | undefined): void;
  heartbeat(): void;
}

/** How the Task state of a callback task records what happens to it (TaskSucceeded, TaskFailed, TaskTimedOut). */
export interface CallbackTaskEvents {
  succeeded(output: JsonValue): void;
  failed(error: string, cause: string): void;
  timedOut(): void;
}

export interface CallbackTaskOptions {
  /** Names the task in log lines: never the token. */
  readonly label: string;
  readonly timeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
  readonly events: CallbackTaskEvents;
  readonly log: (line: string) => void;
  /** Called once when the task closes, however it closes. */
  readonly onClosed: (task: CallbackTask) => void;
}

/**
 * The task of a `.waitForTaskToken` Task state: a token in the context object (`$$.Task.Token`)
 * that the state hands to someone else, and the result the state waits for until that token is
 * answered with SendTaskSuccess or SendTaskFailure. Unlike an activity task its clocks start at
 * once (there is no worker to take it): "Wait for a Callback with Task Token", AWS Step Functions
 * Developer Guide (the task waits "until it receives the task token back with a SendTaskSuccess or
 * SendTaskFailure call", and HeartbeatSeconds or TimeoutSeconds end a wait nobody answers).
 */
export class CallbackTask implements TokenTask {
  readonly token = newTaskToken();
  readonly result: Promise<JsonValue>;
  private currentStatus: ActivityTaskStatus = 'STARTED';
  private resolveResult!: (output: JsonValue) => void;
  private rejectResult!: (error: Error) => void;
  private timeoutTimer: LongTimer | undefined;
  private heartbeatTimer: LongTimer | undefined;

  constructor(private readonly options: CallbackTaskOptions) {
    this.result = new Promise<JsonValue>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // The Task state awaits the result; this only keeps a late rejection from counting as unhandled.
    this.result.catch(() => undefined);
    if (options.timeoutSeconds !== undefined) {
      this.timeoutTimer = setLongTimeout(() => this.expire('States.Timeout'), options.timeoutSeconds * 1000);
    }
    this.heartbeat();
  }

  get status(): ActivityTaskStatus {
    return this.currentStatus;
  }

  get isOpen(): boolean {
    return this.currentStatus === 'STARTED';
  }

  heartbeat(): void {
    const { heartbeatSeconds } = this.options;
    if (!this.isOpen || heartbeatSeconds === undefined) return;
    this.heartbeatTimer?.clear();
    this.heartbeatTimer = setLongTimeout(() => this.expire('States.HeartbeatTimeout'), heartbeatSeconds * 1000);
  }

  succeed(output: JsonValue): void {
    this.close('SUCCEEDED');
    this.options.events.succeeded(output);
    this.options.log(`callback task of ${this.options.label} succeeded`);
    this.resolveResult(output);
  }

  /** The Task state fails with the error and cause sent, so its Retry and Catch match the error by name. */
  fail(error: string | undefined, cause: string | undefined): void {
    this.close('FAILED');
    this.options.events.failed(error ?? '', cause ?? '');
    this.options.log(`callback task of ${this.options.label} failed with ${error ?? 'no error name'}`);
    this.rejectResult(new ActivityTaskFailure(error ?? '', cause ?? ''));
  }

  /** The Task state ended otherwise (its execution closed, its iteration stopped): the token answers TaskDoesNotExist or TaskTimedOut. */
  abandon(status: 'ABORTED' | 'TIMED_OUT'): void {
    if (!this.isOpen) return;
    this.close(status);
    this.rejectResult(new ExecutionClosedError(`The Task state of this callback closed (${status}).`));
  }

  private expire(error: 'States.Timeout' | 'States.HeartbeatTimeout'): void {
    if (!this.isOpen) return;
    this.close('TIMED_OUT');
    this.options.events.timedOut();
    this.options.log(`callback task of ${this.options.label} timed out (${error})`);
    void statesTimeoutError(error, '').then((timeout) => this.rejectResult(timeout));
  }

  private close(status: ActivityTaskStatus): void {
    this.currentStatus = status;
    this.timeoutTimer?.clear();
    this.heartbeatTimer?.clear();
    this.options.onClosed(this);
  }
}
