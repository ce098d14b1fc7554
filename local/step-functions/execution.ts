import { randomUUID } from 'node:crypto';
import type {
  DescribeExecutionOutput,
  ExecutionListItem,
  HistoryEventType,
  SendTaskFailureInput,
  SendTaskSuccessInput,
  StartExecutionInput,
} from '@aws-sdk/client-sfn';
import { ExecutionError } from 'aws-local-stepfunctions';
import type { ActivityTask, ActivityTaskClocks } from './activity-task';
import { CallbackTask, type TokenTask } from './callback-task';
import type { ActivityStateClocks, PreparedDefinition, SfnSdkAction, StartExecutionPattern } from './definition';
import { StepFunctionsApiError } from './errors';
import { describeCause, ExecutionHistory, type HistoryEventDetails } from './history';
import { ExecutionClosedError, type JsonValue, StatesRuntimeError, statesTimeoutError } from './interpreter';
import { failStatePaths, unresolvedFailPathCause } from './fail-state-paths';
import { lambdaError } from './lambda-errors';
import { mapLengths } from './map-length';
import { type LongTimer, setLongTimeout } from './long-timer';
import { readReferencePath } from './reference-path';
import type { RunScope } from './run-scope';
import { runScoped, type ScopedRun, type ScopedRunEvent, type ScopedTaskHandler } from './scoped-run';
import {
  childAbortCause,
  childExecutionFailed,
  executionResult,
  startedExecutionResult,
  startExecutionRefused,
  startExecutionRequest,
} from './start-execution-integration';

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
  /** Names the Map iteration or Parallel branch in log lines; empty at the top level. */
  readonly runLabel: string;
  readonly attempt: number;
  readonly input: JsonValue;
  readonly clocks: ActivityTaskClocks;
}

/** The engine, as an execution sees it. */
export interface ExecutionHost {
  /** Schedules a task on the activity; throws StatesRuntimeError when there is no such activity. */
  scheduleActivityTask(execution: ExecutionRun, request: ActivityTaskRequest): ActivityTask;
  executionClosed(execution: ExecutionRun): void;
  /**
   * The local stand-in of a Lambda function, by ARN or name; undefined when none is registered.
   * A synchronous call rejects with the error the Task state fails with (see lambda-errors.ts).
   */
  invokeLambda(functionName: string): ((payload: JsonValue, invocationType: 'Event' | 'RequestResponse') => Promise<JsonValue>) | undefined;
  /** StartExecution on this engine, for the Step Functions integration; throws StepFunctionsApiError as the API does. */
  startExecution(input: StartExecutionInput): ExecutionRun;
  /** Makes a `.waitForTaskToken` task answerable through SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat. */
  registerCallbackTask(task: TokenTask): void;
  /** SendTaskSuccess / SendTaskFailure on this engine, for the AWS SDK integration; throws StepFunctionsApiError as the API does. */
  sendTaskSuccess(input: SendTaskSuccessInput): void;
  sendTaskFailure(input: SendTaskFailureInput): void;
  log(line: string): void;
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
  readonly history: ExecutionHistory;
  private currentStatus: ExecutionStatus = 'RUNNING';
  private end: (ExecutionEnd & { readonly stopDate: Date }) | undefined;
  private readonly openTasks = new Set<ActivityTask | CallbackTask>();
  /**
   * What `$$.Task.Token` reads while Parameters are evaluated: the interpreter's context object is
   * fixed for the whole run, so a `.waitForTaskToken` state replaces this text with its own token.
   */
  private readonly taskTokenPlaceholder = `local-task-token-placeholder-${randomUUID()}`;
  private readonly context: JsonValue;
  private run: ScopedRun | undefined;
  private timeoutTimer: LongTimer | undefined;
  private finished: Promise<void> = Promise.resolve();
  private markClosed!: () => void;
  /** Resolves once the execution has left RUNNING (its closing event is in the history). */
  readonly closed = new Promise<void>((resolve) => {
    this.markClosed = resolve;
  });

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
      Task: { Token: this.taskTokenPlaceholder },
    };
    this.history = new ExecutionHistory(mapLengths(stateMachine.definition, this.context));
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
    const { interpreter, taskStates, executionTimeoutSeconds, nestedMachines } = this.stateMachine.prepared;
    const handlers: Record<string, ScopedTaskHandler> = {};
    for (const [stateName, { resource, integration }] of taskStates) {
      if (integration.kind === 'activity') handlers[stateName] = this.activityTask(stateName, resource, integration.clocks);
      else if (integration.kind === 'lambda:invoke') handlers[stateName] = this.lambdaTask(stateName);
      else if (integration.kind === 'states:startExecution') {
        const { pattern, clocks } = integration;
        handlers[stateName] =
          pattern === 'waitForTaskToken'
            ? this.startExecutionCallbackTask(stateName, clocks)
            : this.startExecutionTask(stateName, pattern, clocks);
      } else if (integration.kind === 'aws-sdk:sfn') handlers[stateName] = this.sfnSdkTask(integration.action);
      else handlers[stateName] = this.unsupportedTask(resource);
    }
    const run = runScoped(interpreter, JSON.parse(this.input) as JsonValue, {
      handlers,
      context: this.context as Record<string, unknown>,
      nestedMachines,
    });
    this.run = run;
    this.finished = this.settle(run.result, this.recordInterpreterEvents(run.eventLogs));
    if (executionTimeoutSeconds !== undefined) {
      const fields = { error: 'States.Timeout', cause: `The execution ran longer than its TimeoutSeconds (${executionTimeoutSeconds}).` };
      // DescribeExecution of a timed-out execution has no error and no cause (recorded on AWS by
      // LocalStack, test_global_timeout); its ExecutionTimedOut event keeps them.
      this.timeoutTimer = setLongTimeout(
        () => this.close({ status: 'TIMED_OUT', event: 'ExecutionTimedOut', details: { executionTimedOutEventDetails: fields } }),
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

  taskOpened(task: ActivityTask | CallbackTask): void {
    this.openTasks.add(task);
  }

  taskClosed(task: ActivityTask | CallbackTask): void {
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

  private activityTask(stateName: string, activityArn: string, clocks: ActivityStateClocks): ScopedTaskHandler {
    return async (input, scope) => {
      // The interpreter calls this in the same tick as it reports StateEntered; waiting one turn lets
      // TaskStateEntered reach the history (and the state's raw input its run scope) before ActivityScheduled.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.ensureRunning(scope);
      const resolved = this.resolveClocks(stateName, clocks, scope.stateInput(stateName) ?? input);
      const task = this.host.scheduleActivityTask(this, {
        activityArn,
        stateName,
        runLabel: scope.label,
        attempt: scope.nextAttempt(stateName),
        input,
        clocks: resolved,
      });
      // A Map iteration or Parallel branch stopped because a sibling failed (or the Map or Parallel
      // state ended otherwise) closes its task at once, in the call that stops it: see scoped-run.ts.
      const abandon = (): void => task.abandon(this.currentStatus === 'TIMED_OUT' ? 'TIMED_OUT' : 'ABORTED');
      scope.signal.addEventListener('abort', abandon, { once: true });
      return task.result.finally(() => scope.signal.removeEventListener('abort', abandon));
    };
  }

  /** The state's TimeoutSeconds and HeartbeatSeconds, read through their Paths from the state's raw input. */
  private resolveClocks(stateName: string, clocks: ActivityStateClocks, stateInput: JsonValue): ActivityTaskClocks {
    return {
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
  }

  /** Ends a Task state for good whose execution closed or whose iteration or branch was stopped. */
  private ensureRunning(scope: RunScope): void {
    if (this.currentStatus !== 'RUNNING') throw new ExecutionClosedError(`Execution ${this.name} is ${this.currentStatus}.`);
    if (scope.signal.aborted) throw new ExecutionClosedError(`The run of execution ${this.name} (${scope.label}) was stopped.`);
  }

  /** `arn:aws:states:::lambda:invoke`: Parameters give FunctionName, Payload and InvocationType. */
  private lambdaTask(stateName: string): ScopedTaskHandler {
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

  /**
   * `arn:aws:states:::states:startExecution` (and `.sync`, `.sync:2`): starts the child on this
   * engine; the plain form returns at once, the others wait for the child to close. Stopping this
   * task (the execution stopped or timed out, its iteration or branch stopped, its own
   * TimeoutSeconds passed) stops the child, as the service does. See start-execution-integration.ts.
   */
  private startExecutionTask(
    stateName: string,
    pattern: Exclude<StartExecutionPattern, 'waitForTaskToken'>,
    clocks: ActivityStateClocks,
  ): ScopedTaskHandler {
    return async (input, scope) => {
      // As for activities: one turn, so that the state's raw input (for TimeoutSecondsPath) is in its run scope.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.ensureRunning(scope);
      // HeartbeatSeconds means nothing to a child execution; only the timeout is kept.
      const { timeoutSeconds } = this.resolveClocks(
        stateName,
        { timeoutSeconds: clocks.timeoutSeconds, timeoutSecondsPath: clocks.timeoutSecondsPath },
        scope.stateInput(stateName) ?? input,
      );
      const events = new TaskEvents(this.history, startExecutionResource(pattern), 'states', this.arn);
      events.scheduled(input);
      let child: ExecutionRun;
      try {
        child = this.host.startExecution(startExecutionRequest(input));
      } catch (error) {
        if (error instanceof StepFunctionsApiError) {
          const refused = startExecutionRefused(error);
          events.failed(refused.name, refused.message);
          throw refused;
        }
        throw error;
      }
      this.host.log(`execution ${this.name} (state ${stateName}) started execution ${child.name} of ${child.stateMachine.name}`);
      const started = startedExecutionResult(child.arn, child.startDate);
      if (pattern === 'request-response') {
        events.succeeded(started);
        return started;
      }
      events.submitted(started);
      return new Promise<JsonValue>((resolve, reject) => {
        let timer: LongTimer | undefined;
        let ended = false;
        /** Ends the wait once, however it ends; a child stopped here then closes without effect on it. */
        const end = (): boolean => {
          if (ended) return false;
          ended = true;
          timer?.clear();
          scope.signal.removeEventListener('abort', onAbort);
          return true;
        };
        const onAbort = (): void => {
          if (!end()) return;
          child.stop(undefined, childAbortCause(this.arn));
          reject(new ExecutionClosedError(`The task of state ${stateName} was stopped, and with it its child execution ${child.name}.`));
        };
        if (scope.signal.aborted) {
          onAbort();
          return;
        }
        scope.signal.addEventListener('abort', onAbort, { once: true });
        if (timeoutSeconds !== undefined) {
          timer = setLongTimeout(() => {
            if (!end()) return;
            child.stop(undefined, childAbortCause(this.arn));
            events.timedOut();
            void statesTimeoutError('States.Timeout', '').then(reject);
          }, timeoutSeconds * 1000);
        }
        void child.closed.then(() => {
          if (!end()) return;
          const result = executionResult(child.describe(), pattern);
          if (child.status === 'SUCCEEDED') {
            events.succeeded(result);
            resolve(result);
            return;
          }
          const failure = childExecutionFailed(result);
          events.failed(failure.name, failure.message);
          reject(failure);
        });
      });
    };
  }

  /**
   * `arn:aws:states:::states:startExecution.waitForTaskToken`: starts the child with the state's
   * Parameters, `$$.Task.Token` in them replaced by a new task token, and waits until that token is
   * answered (SendTaskSuccess: the state's result is the output sent; SendTaskFailure: the state
   * fails with the error and cause sent), or the state's TimeoutSeconds or HeartbeatSeconds pass.
   * The child's own end changes nothing here, and stopping this task does not stop the child (only
   * `.sync` manages its child): AWS Step Functions Developer Guide, "Service integration patterns",
   * Wait for a Callback with Task Token, and "Start a new AWS Step Functions state machine from a
   * running execution". History as recorded on AWS (LocalStack, test_heartbeats): TaskScheduled
   * with the clocks, TaskStarted, TaskSubmitted with the StartExecution response, then
   * TaskSucceeded, TaskFailed or TaskTimedOut.
   */
  private startExecutionCallbackTask(stateName: string, clocks: ActivityStateClocks): ScopedTaskHandler {
    return async (input, scope) => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.ensureRunning(scope);
      const resolved = this.resolveClocks(stateName, clocks, scope.stateInput(stateName) ?? input);
      const events = new TaskEvents(this.history, 'startExecution.waitForTaskToken', 'states', this.arn);
      const label = `execution ${this.name} (${scope.label ? `${scope.label}, ` : ''}state ${stateName})`;
      const task = new CallbackTask({
        label,
        ...resolved,
        events,
        log: (line) => this.host.log(line),
        onClosed: (closed) => this.taskClosed(closed),
      });
      const parameters = withTaskToken(input, this.taskTokenPlaceholder, task.token);
      events.scheduled(parameters, resolved);
      let child: ExecutionRun;
      try {
        child = this.host.startExecution(startExecutionRequest(parameters));
      } catch (error) {
        task.abandon('ABORTED');
        if (error instanceof StepFunctionsApiError) {
          const refused = startExecutionRefused(error);
          events.failed(refused.name, refused.message);
          throw refused;
        }
        throw error;
      }
      this.host.log(`${label} started execution ${child.name} of ${child.stateMachine.name} and waits for its callback`);
      this.taskOpened(task);
      this.host.registerCallbackTask(task);
      events.submitted(startedExecutionResult(child.arn, child.startDate));
      const abandon = (): void => task.abandon(this.currentStatus === 'TIMED_OUT' ? 'TIMED_OUT' : 'ABORTED');
      if (scope.signal.aborted) abandon();
      scope.signal.addEventListener('abort', abandon, { once: true });
      return task.result.finally(() => scope.signal.removeEventListener('abort', abandon));
    };
  }

  /**
   * `arn:aws:states:::aws-sdk:sfn:sendTaskSuccess` and `:sendTaskFailure`: the API call with the
   * state's Parameters (`TaskToken`, and `Output`, or `Error` and `Cause`); the result is the API's
   * empty response. A refusal fails the state with `Sfn.<Code>Exception` (AWS SDK integrations name
   * errors by service and exception: "Using AWS SDK service integrations", Step Functions Developer
   * Guide). Its Task events name the resource `sendTaskSuccess` of resource type `aws-sdk:sfn`.
   */
  private sfnSdkTask(action: SfnSdkAction): ScopedTaskHandler {
    return async (input, scope) => {
      // As for the other Task states: one turn, so that TaskStateEntered is in the history before TaskScheduled.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.ensureRunning(scope);
      const events = new TaskEvents(this.history, action, 'aws-sdk:sfn', this.arn);
      events.scheduled(input);
      const fields = (typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {}) as Record<string, JsonValue>;
      const text = (value: JsonValue | undefined): string | undefined =>
        value === undefined || value === null ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
      try {
        const taskToken = text(fields.TaskToken) ?? '';
        if (action === 'sendTaskSuccess') this.host.sendTaskSuccess({ taskToken, output: text(fields.Output) });
        else this.host.sendTaskFailure({ taskToken, error: text(fields.Error), cause: text(fields.Cause) });
      } catch (error) {
        if (error instanceof StepFunctionsApiError) {
          // The API's messages never repeat the token (activity-operations.ts).
          const failure = lambdaError(
            `Sfn.${error.code.endsWith('Exception') ? error.code : `${error.code}Exception`}`,
            `${error.message} (Service: Sfn, Status Code: 400)`,
          );
          events.failed(failure.name, failure.message);
          throw failure;
        }
        throw error;
      }
      events.succeeded({});
      return {};
    };
  }

  private unsupportedTask(resource: string): ScopedTaskHandler {
    return () => {
      throw new StatesRuntimeError(
        `This local endpoint runs Task states on its own activities, lambda:invoke, states:startExecution and aws-sdk:sfn:sendTaskSuccess / sendTaskFailure only; ${resource} is none of them.`,
      );
    };
  }

  private async recordInterpreterEvents(events: AsyncGenerator<ScopedRunEvent>): Promise<{ error: string; cause: unknown } | undefined> {
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
    const error = failure?.error ?? cause?.name ?? 'States.Runtime';
    const causeText = describeCause(failure === undefined ? (cause?.message ?? String(thrown)) : failure.cause);
    // A task's timeout fails the execution as States.Timeout with no cause, a missed heartbeat too
    // (recorded on AWS: see ActivityTask.expire).
    const timedOut = error === 'States.Timeout' || error === 'States.HeartbeatTimeout';
    const fields = optionalFields({
      error: timedOut ? 'States.Timeout' : error,
      cause: timedOut && causeText === '' ? undefined : (this.failPathCause(error, causeText) ?? causeText),
    });
    this.close({ status: 'FAILED', event: 'ExecutionFailed', ...fields, details: { executionFailedEventDetails: fields } });
  }

  /** A Fail state's ErrorPath or CausePath that found nothing, told as the service tells it. */
  private failPathCause(error: string, cause: string | undefined): string | undefined {
    if (error !== 'States.Runtime' || cause === undefined) return undefined;
    const entered = this.history.lastEntered();
    const details = entered?.stateEnteredEventDetails;
    if (entered?.type !== 'FailStateEntered' || details?.name === undefined) return undefined;
    const state = { name: details.name, enteredEventId: entered.id ?? 0, input: details.input ?? '' };
    return unresolvedFailPathCause(cause, state, failStatePaths(this.stateMachine.definition).get(details.name));
  }

  private close(end: ExecutionEnd): void {
    if (this.currentStatus !== 'RUNNING') return;
    this.currentStatus = end.status;
    this.end = { ...end, stopDate: new Date() };
    this.timeoutTimer?.clear();
    this.history.append(end.event, end.details);
    this.markClosed();
    if (end.status === 'ABORTED' || end.status === 'TIMED_OUT') this.run?.abort();
    // Tokens of a timed-out execution answer TaskTimedOut, those of a stopped one TaskDoesNotExist.
    for (const task of [...this.openTasks]) task.abandon(end.status === 'TIMED_OUT' ? 'TIMED_OUT' : 'ABORTED');
    const reason = end.error === undefined ? '' : ` with ${end.error}`;
    this.host.log(`execution ${this.name} ${end.status.toLowerCase().replace('_', ' ')}${reason}`);
    this.host.executionClosed(this);
  }
}

/** The resource name the history events of a StartExecution Task state carry. */
function startExecutionResource(pattern: StartExecutionPattern): string {
  return pattern === 'request-response' ? 'startExecution' : `startExecution.${pattern}`;
}

/** A copy of the Parameters with the context object's token placeholder replaced by the task's token, wherever it appears. */
function withTaskToken(value: JsonValue, placeholder: string, token: string): JsonValue {
  if (typeof value === 'string') return value.split(placeholder).join(token);
  if (Array.isArray(value)) return value.map((item) => withTaskToken(item, placeholder, token));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withTaskToken(item, placeholder, token)]));
  }
  return value;
}

/**
 * The history events of one Task state of a service integration, as the service records them
 * (LocalStack's recordings on AWS: test_start_execution_sync2, _sync_delegate_failure,
 * _sync_delegate_timeout): TaskScheduled with the effective Parameters and region, TaskStarted,
 * TaskSubmitted with the StartExecution response (`.sync` forms only), then TaskSucceeded,
 * TaskFailed or TaskTimedOut; each names the resource without its prefix and the resource type
 * `states`. The service's TaskSubmitted also carries SdkHttpMetadata and SdkResponseMetadata,
 * left out here.
 */
class TaskEvents {
  private readonly region: string;

  constructor(
    private readonly history: ExecutionHistory,
    private readonly resource: string,
    private readonly resourceType: string,
    executionArn: string,
  ) {
    this.region = executionArn.split(':')[3] ?? '';
  }

  private get names(): { resource: string; resourceType: string } {
    return { resource: this.resource, resourceType: this.resourceType };
  }

  scheduled(parameters: JsonValue, clocks: ActivityTaskClocks = {}): void {
    const { timeoutSeconds, heartbeatSeconds } = clocks;
    this.history.append('TaskScheduled', {
      taskScheduledEventDetails: {
        ...this.names,
        region: this.region,
        parameters: JSON.stringify(parameters),
        ...(timeoutSeconds === undefined ? {} : { timeoutInSeconds: timeoutSeconds }),
        ...(heartbeatSeconds === undefined ? {} : { heartbeatInSeconds: heartbeatSeconds }),
      },
    });
    this.history.append('TaskStarted', { taskStartedEventDetails: this.names });
  }

  submitted(response: JsonValue): void {
    this.history.append('TaskSubmitted', {
      taskSubmittedEventDetails: { ...this.names, output: JSON.stringify(response), outputDetails: { truncated: false } },
    });
  }

  succeeded(output: JsonValue): void {
    this.history.append('TaskSucceeded', {
      taskSucceededEventDetails: { ...this.names, output: JSON.stringify(output), outputDetails: { truncated: false } },
    });
  }

  failed(error: string, cause: string): void {
    this.history.append('TaskFailed', { taskFailedEventDetails: { ...this.names, error, cause } });
  }

  timedOut(): void {
    this.history.append('TaskTimedOut', { taskTimedOutEventDetails: { ...this.names, error: 'States.Timeout' } });
  }
}
