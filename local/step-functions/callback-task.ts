import type { JsonValue } from './interpreter';
import { ClockedTokenTask, type TaskClocks } from './token-task';

export type { TokenTask } from './token-task';

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
export class CallbackTask extends ClockedTokenTask {
  constructor(private readonly options: CallbackTaskOptions) {
    super('STARTED');
    this.startClocks();
  }

  protected get clocks(): TaskClocks {
    return this.options;
  }

  get isOpen(): boolean {
    return this.currentStatus === 'STARTED';
  }

  protected recordSucceeded(output: JsonValue): void {
    this.options.events.succeeded(output);
    this.options.log(`callback task of ${this.options.label} succeeded`);
  }

  protected recordFailed(error: string | undefined, cause: string | undefined): void {
    this.options.events.failed(error ?? '', cause ?? '');
    this.options.log(`callback task of ${this.options.label} failed with ${error ?? 'no error name'}`);
  }

  protected recordTimedOut(error: 'States.Timeout' | 'States.HeartbeatTimeout'): void {
    this.options.events.timedOut();
    this.options.log(`callback task of ${this.options.label} timed out (${error})`);
  }

  protected abandonedMessage(status: 'ABORTED' | 'TIMED_OUT'): string {
    return `The Task state of this callback closed (${status}).`;
  }

  protected closed(): void {
    this.options.onClosed(this);
  }
}
