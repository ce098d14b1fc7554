import { ActivityTaskFailure, ExecutionClosedError, type JsonValue, statesTimeoutError } from './interpreter';
import { type LongTimer, setLongTimeout } from './long-timer';
import { newTaskToken } from './task-token';

export type ActivityTaskStatus = 'SCHEDULED' | 'STARTED' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** The clocks of a task, resolved from its Task state's fields. */
export interface TaskClocks {
  readonly timeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
}

/** What SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat act on: an activity task or a callback task. */
export interface TokenTask {
  readonly token: string;
  readonly status: ActivityTaskStatus;
  readonly isOpen: boolean;
  succeed(output: JsonValue, outputText: string): void;
  fail(error: string | undefined, cause: string | undefined): void;
  heartbeat(): void;
}

/**
 * What an activity task and a callback task have alike: the token, the result the Task state waits
 * for, the timeout and heartbeat clocks, and the ways the task closes. Each kind records its own
 * history events and log lines in the `record...` hooks, which run after the task closed and before
 * its result settles.
 */
export abstract class ClockedTokenTask implements TokenTask {
  readonly token = newTaskToken();
  /** Settles when the task closes: the output sent, or the state's error. */
  readonly result: Promise<JsonValue>;
  private resolveResult!: (output: JsonValue) => void;
  private rejectResult!: (error: Error) => void;
  private timeoutTimer: LongTimer | undefined;
  private heartbeatTimer: LongTimer | undefined;

  protected constructor(protected currentStatus: ActivityTaskStatus) {
    this.result = new Promise<JsonValue>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // The Task state awaits the result; this only keeps a late rejection from counting as unhandled.
    this.result.catch(() => undefined);
  }

  protected abstract readonly clocks: TaskClocks;
  abstract get isOpen(): boolean;
  /** Called once when the task closes, however it closes. */
  protected abstract closed(): void;
  /** Why the Task state ended without an answer: the error its result rejects with. */
  protected abstract abandonedMessage(status: 'ABORTED' | 'TIMED_OUT'): string;
  protected abstract recordSucceeded(output: JsonValue, outputText: string): void;
  protected abstract recordFailed(error: string | undefined, cause: string | undefined): void;
  protected abstract recordTimedOut(error: 'States.Timeout' | 'States.HeartbeatTimeout'): void;

  get status(): ActivityTaskStatus {
    return this.currentStatus;
  }

  /** The timeout clock starts, and the heartbeat clock with it. */
  protected startClocks(): void {
    const { timeoutSeconds } = this.clocks;
    if (timeoutSeconds !== undefined) {
      this.timeoutTimer = setLongTimeout(() => this.expire('States.Timeout'), timeoutSeconds * 1000);
    }
    this.heartbeat();
  }

  /** SendTaskHeartbeat: the heartbeat clock starts over. */
  heartbeat(): void {
    const { heartbeatSeconds } = this.clocks;
    if (this.currentStatus !== 'STARTED' || heartbeatSeconds === undefined) return;
    this.heartbeatTimer?.clear();
    this.heartbeatTimer = setLongTimeout(() => this.expire('States.HeartbeatTimeout'), heartbeatSeconds * 1000);
  }

  /** SendTaskSuccess: the Task state goes on with the output sent. */
  succeed(output: JsonValue, outputText: string): void {
    this.close('SUCCEEDED');
    this.recordSucceeded(output, outputText);
    this.resolveResult(output);
  }

  /** SendTaskFailure: the Task state fails with the error and cause sent, so its Retry and Catch match the error by name. */
  fail(error: string | undefined, cause: string | undefined): void {
    this.close('FAILED');
    this.recordFailed(error, cause);
    this.rejectResult(new ActivityTaskFailure(error ?? '', cause ?? ''));
  }

  /**
   * The Task state ended otherwise (its execution closed, its Map iteration or Parallel branch was
   * stopped): the token answers TaskDoesNotExist (ABORTED) or TaskTimedOut (TIMED_OUT) from now on,
   * and the Task state ends without Retry or Catch.
   */
  abandon(status: 'ABORTED' | 'TIMED_OUT'): void {
    if (!this.isOpen) return;
    this.close(status);
    this.rejectResult(new ExecutionClosedError(this.abandonedMessage(status)));
  }

  private expire(error: 'States.Timeout' | 'States.HeartbeatTimeout'): void {
    if (!this.isOpen) return;
    this.close('TIMED_OUT');
    this.recordTimedOut(error);
    void statesTimeoutError(error, '').then((timeout) => this.rejectResult(timeout));
  }

  private close(status: ActivityTaskStatus): void {
    this.currentStatus = status;
    this.timeoutTimer?.clear();
    this.heartbeatTimer?.clear();
    this.closed();
  }
}
