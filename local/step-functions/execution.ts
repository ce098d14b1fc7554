import type { DescribeExecutionOutput, ExecutionListItem, HistoryEventType } from '@aws-sdk/client-sfn';
import { ExecutionError } from 'aws-local-stepfunctions';
import type { ActivityTask, ActivityTaskClocks } from './activity-task';
import type { ActivityStateClocks, PreparedDefinition } from './definition';
import { describeCause, ExecutionHistory, type HistoryEventDetails } from './history';
import {
  ExecutionClosedError,
  type InterpreterEvent,
  type InterpreterRun,
  type JsonValue,
  StatesRuntimeError,
  type TaskHandler,
} from './interpreter';
import { type LongTimer, setLongTimeout } from './long-timer';
import { readReferencePath } from './reference-path';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface RegisteredStateMachine {
  readonly arn: string;
  readonly name: string;
  /** The definition exactly as given to CreateStateMachine. */
  readonly definition: string;
  readonly roleArn: string;
  readonly creationDate: Date;
  readonly prepared: PreparedDefinition;
}

/** What a task needs from the engine beyond its own execution. */
export interface ActivityTaskRequest {
  readonly activityArn: string;
  readonly stateName: string;
  readonly attempt: number;
  readonly input: JsonValue;
  readonly clocks: ActivityTaskClocks;
}

/** The engine, as an execution sees it. */
export interface ExecutionHost {
  /** Schedules a task on the activity; throws StatesRuntimeError when there is no such activity. */
  scheduleActivityTask(execution: ExecutionRun, request: ActivityTaskRequest): ActivityTask;
  executionClosed(execution: ExecutionRun): void;
  /** The local stand-in of a Lambda function, by ARN or name; undefined when none is registered. */
  invokeLambda(functionName: string): ((payload: JsonValue, invocationType: 'Event' | 'RequestResponse') => Promise<JsonValue>) | undefined;
  log(line: string): void;
}

/** The optimized Lambda integration; `.waitForTaskToken` and other services are not served locally. */
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';

/** An error a Task state can Retry or Catch by name, as the Lambda integration reports them. */
function lambdaError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

interface ExecutionEnd {
  readonly status: Exclude<ExecutionStatus, 'RUNNING'>;
  readonly event: HistoryEventType;
  readonly details: HistoryEventDetails;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** A clock read through TimeoutSecondsPath or HeartbeatSecondsPath; anything but a positive integer fails the state. */
function positiveInteger(field: string, path: string, stateName: string, input: JsonValue, context: JsonValue): number {
  let value: JsonValue | undefined;
  try {
    value = readReferencePath(path, input, context);
  } catch (error) {
    throw new StatesRuntimeError(`The ${field} of state ${stateName} is not a reference path: ${(error as Error).message}`);
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new StatesRuntimeError(`The ${field} ${path} of state ${stateName} does not select a positive integer.`);
  }
  return value;
}

function optionalFields(fields: { error?: string | undefined; cause?: string | undefined }): { error?: string; cause?: string } {
  return { ...(fields.error === undefined ? {} : { error: fields.error }), ...(fields.cause === undefined ? {} : { cause: fields.cause }) };
}

/**
 * One execution: the interpreter run, its history, its open activity tasks and its own
 * TimeoutSeconds. Stopping or timing out aborts the run and closes its tasks, so nothing it started
 * keeps a timer or a promise pending.
 */
export class ExecutionRun {
  readonly history = new ExecutionHistory();
  private currentStatus: ExecutionStatus = 'RUNNING';
  private end: (ExecutionEnd & { readonly stopDate: Date }) | undefined;
  private readonly openTasks = new Set<ActivityTask>();
  /** Tasks scheduled so far per state, to number attempts in log lines. */
  private readonly attempts = new Map<string, number>();
  private readonly context: JsonValue;
  private run: InterpreterRun | undefined;
  private timeoutTimer: LongTimer | undefined;
  private finished: Promise<void> = Promise.resolve();

  constructor(
    readonly arn: string,
    readonly name: string,
    readonly stateMachine: RegisteredStateMachine,
    /** The input exactly as given to StartExecution. */
    readonly input: string,
    readonly startDate: Date,
    private readonly host: ExecutionHost,
  ) {
    this.context = {
      Execution: {
        Id: arn,
        Name: name,
        StartTime: startDate.toISOString(),
        Input: JSON.parse(input) as JsonValue,
        RoleArn: stateMachine.roleArn,
        RedriveCount: 0,
      },
      StateMachine: { Id: stateMachine.arn, Name: stateMachine.name },
    };
  }

  get status(): ExecutionStatus {
    return this.currentStatus;
  }

  /** Settles once the interpreter run has ended and its events are in the history. */
  get settled(): Promise<void> {
    return this.finished;
  }

  start(): void {
    this.history.append('ExecutionStarted', {
      executionStartedEventDetails: { input: this.input, inputDetails: { truncated: false }, roleArn: this.stateMachine.roleArn },
    });
    this.host.log(`execution ${this.name} started (state machine ${this.stateMachine.name})`);
    const { interpreter, taskStates, executionTimeoutSeconds } = this.stateMachine.prepared;
    const handlers: Record<string, TaskHandler> = {};
    for (const [stateName, { resource, activity }] of taskStates) {
      if (activity !== undefined) handlers[stateName] = this.activityTask(stateName, resource, activity);
      else if (resource === LAMBDA_INVOKE) handlers[stateName] = this.lambdaTask(stateName);
      else handlers[stateName] = this.unsupportedTask(resource);
    }
    const run = interpreter.run(JSON.parse(this.input) as JsonValue, {
      overrides: { taskResourceLocalHandlers: handlers },
      context: this.context as Record<string, unknown>,
    });
    this.run = run;
    this.finished = this.settle(run.result, this.recordInterpreterEvents(run.eventLogs));
    if (executionTimeoutSeconds !== undefined) {
      const fields = { error: 'States.Timeout', cause: `The execution ran longer than its TimeoutSeconds (${executionTimeoutSeconds}).` };
      this.timeoutTimer = setLongTimeout(
        () =>
          this.close({ status: 'TIMED_OUT', event: 'ExecutionTimedOut', ...fields, details: { executionTimedOutEventDetails: fields } }),
        executionTimeoutSeconds * 1000,
      );
    }
  }

  /** StopExecution: ABORTED with the caller's error and cause. Stopping a closed execution changes nothing. */
  stop(error: string | undefined, cause: string | undefined): Date {
    if (this.currentStatus === 'RUNNING') {
      const fields = optionalFields({ error, cause });
      this.close({ status: 'ABORTED', event: 'ExecutionAborted', ...fields, details: { executionAbortedEventDetails: fields } });
    }
    return this.end?.stopDate ?? new Date();
  }

  taskOpened(task: ActivityTask): void {
    this.openTasks.add(task);
  }

  taskClosed(task: ActivityTask): void {
    this.openTasks.delete(task);
  }

  describe(): DescribeExecutionOutput {
    const end = this.end;
    return {
      ...this.listItem(),
      input: this.input,
      inputDetails: { included: true },
      ...(end?.output === undefined ? {} : { output: end.output, outputDetails: { included: true } }),
      ...optionalFields({ error: end?.error, cause: end?.cause }),
    };
  }

  /** The fields ListExecutions shows; DescribeExecution shows these and more. */
  listItem(): ExecutionListItem {
    return {
      executionArn: this.arn,
      stateMachineArn: this.stateMachine.arn,
      name: this.name,
      status: this.currentStatus,
      startDate: this.startDate,
      ...(this.end === undefined ? {} : { stopDate: this.end.stopDate }),
    };
  }

  private activityTask(stateName: string, activityArn: string, clocks: ActivityStateClocks): TaskHandler {
    return async (input) => {
      // The interpreter calls this in the same tick as it reports StateEntered; waiting one turn lets
      // TaskStateEntered reach the history before ActivityScheduled.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.currentStatus !== 'RUNNING') throw new ExecutionClosedError(`Execution ${this.name} is ${this.currentStatus}.`);
      const stateInput = this.history.stateInput(stateName) ?? input;
      const resolved: ActivityTaskClocks = {
        timeoutSeconds:
          clocks.timeoutSeconds ??
          (clocks.timeoutSecondsPath === undefined
            ? undefined
            : positiveInteger('TimeoutSecondsPath', clocks.timeoutSecondsPath, stateName, stateInput, this.context)),
        heartbeatSeconds:
          clocks.heartbeatSeconds ??
          (clocks.heartbeatSecondsPath === undefined
            ? undefined
            : positiveInteger('HeartbeatSecondsPath', clocks.heartbeatSecondsPath, stateName, stateInput, this.context)),
      };
      const attempt = (this.attempts.get(stateName) ?? 0) + 1;
      this.attempts.set(stateName, attempt);
      return this.host.scheduleActivityTask(this, { activityArn, stateName, attempt, input, clocks: resolved }).result;
    };
  }

  /** `arn:aws:states:::lambda:invoke`: Parameters give FunctionName, Payload and InvocationType. */
  private lambdaTask(stateName: string): TaskHandler {
    return async (input) => {
      const { FunctionName, Payload, InvocationType } = (input ?? {}) as {
        FunctionName?: unknown;
        Payload?: JsonValue;
        InvocationType?: unknown;
      };
      const invoke = typeof FunctionName === 'string' ? this.host.invokeLambda(FunctionName) : undefined;
      if (invoke === undefined) {
        throw lambdaError('Lambda.ResourceNotFoundException', `Function not found: ${String(FunctionName)} (state ${stateName}).`);
      }
      const invocationType = InvocationType === 'Event' ? 'Event' : 'RequestResponse';
      const result = await invoke(Payload ?? null, invocationType);
      // What the service integration returns: the status code, and the payload of a synchronous call.
      return invocationType === 'Event' ? { StatusCode: 202, Payload: '' } : { StatusCode: 200, Payload: result };
    };
  }

  private unsupportedTask(resource: string): TaskHandler {
    return () => {
      throw new StatesRuntimeError(`This local endpoint runs Task states on its own activities only; ${resource} is not one of them.`);
    };
  }

  private async recordInterpreterEvents(events: AsyncGenerator<InterpreterEvent>): Promise<{ error: string; cause: unknown } | undefined> {
    let failure: { error: string; cause: unknown } | undefined;
    for await (const event of events) {
      // Once stopped or timed out, the history ends with that event; the aborted run's last reports are dropped.
      if (this.currentStatus !== 'RUNNING') break;
      if (event.type === 'ExecutionFailed') failure = { error: event.Error, cause: event.Cause };
      this.history.recordInterpreterEvent(event);
    }
    return failure;
  }

  private async settle(result: Promise<JsonValue>, recorded: Promise<{ error: string; cause: unknown } | undefined>): Promise<void> {
    let output: JsonValue = null;
    let thrown: unknown;
    let succeeded = false;
    try {
      output = await result;
      succeeded = true;
    } catch (error) {
      thrown = error;
    }
    const failure = await recorded;
    if (this.currentStatus !== 'RUNNING') return;
    if (succeeded) {
      const text = JSON.stringify(output);
      this.close({
        status: 'SUCCEEDED',
        event: 'ExecutionSucceeded',
        output: text,
        details: { executionSucceededEventDetails: { output: text, outputDetails: { truncated: false } } },
      });
      return;
    }
    // Error and Cause exactly as the interpreter reported them (a Fail state's Cause or CausePath included).
    const cause = thrown instanceof ExecutionError ? (thrown.cause as Error | undefined) : undefined;
    const fields = optionalFields({
      error: failure?.error ?? cause?.name ?? 'States.Runtime',
      cause: describeCause(failure === undefined ? (cause?.message ?? String(thrown)) : failure.cause),
    });
    this.close({ status: 'FAILED', event: 'ExecutionFailed', ...fields, details: { executionFailedEventDetails: fields } });
  }

  private close(end: ExecutionEnd): void {
    if (this.currentStatus !== 'RUNNING') return;
    this.currentStatus = end.status;
    this.end = { ...end, stopDate: new Date() };
    this.timeoutTimer?.clear();
    this.history.append(end.event, end.details);
    if (end.status === 'ABORTED' || end.status === 'TIMED_OUT') this.run?.abort();
    // Tokens of a timed-out execution answer TaskTimedOut, those of a stopped one TaskDoesNotExist.
    for (const task of [...this.openTasks]) task.abandon(end.status === 'TIMED_OUT' ? 'TIMED_OUT' : 'ABORTED');
    const reason = end.error === undefined ? '' : ` with ${end.error}`;
    this.host.log(`execution ${this.name} ${end.status.toLowerCase().replace('_', ' ')}${reason}`);
    this.host.executionClosed(this);
  }
}
