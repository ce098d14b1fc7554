import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type {
  CreateActivityInput,
  CreateActivityOutput,
  CreateStateMachineInput,
  CreateStateMachineOutput,
  DeleteActivityInput,
  DeleteActivityOutput,
  DescribeActivityInput,
  DescribeActivityOutput,
  DescribeExecutionInput,
  DescribeExecutionOutput,
  DescribeStateMachineInput,
  DescribeStateMachineOutput,
  GetActivityTaskInput,
  GetActivityTaskOutput,
  GetExecutionHistoryInput,
  GetExecutionHistoryOutput,
  HistoryEvent,
  ListActivitiesInput,
  ListActivitiesOutput,
  ListExecutionsInput,
  ListExecutionsOutput,
  ListStateMachinesInput,
  ListStateMachinesOutput,
  SendTaskFailureInput,
  SendTaskFailureOutput,
  SendTaskHeartbeatInput,
  SendTaskHeartbeatOutput,
  SendTaskSuccessInput,
  SendTaskSuccessOutput,
  StartExecutionInput,
  StartExecutionOutput,
  StopExecutionInput,
  StopExecutionOutput,
} from '@aws-sdk/client-sfn';
import { Activity, type HeldPoll } from './activity';
import { ActivityTask } from './activity-task';
import { activityArn, type ArnScope, executionArn, parseArn, stateMachineArn } from './arns';
import { prepareDefinition } from './definition';
import { StepFunctionsApiError } from './errors';
import { type ExecutionHost, ExecutionRun, type ExecutionStatus, type RegisteredStateMachine } from './execution';
import { type JsonValue, StatesRuntimeError } from './interpreter';
import { MAX_PAGE_SIZE, paginate } from './pagination';
import { optionalBoolean, optionalEnum, optionalInteger, optionalString, requiredString, resourceName } from './request-fields';
import { isWellFormedTaskToken, MAX_TASK_TOKEN_LENGTH } from './task-token';

export interface StepFunctionsEngineOptions {
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
  /** Receives one short line per notable event; never a task token. */
  readonly log?: (line: string) => void;
  /**
   * How long GetActivityTask holds a request when no task waits.
   * @default 60000, as the service does
   */
  readonly activityPollHoldMs?: number;
}

/**
 * Runs a Lambda function for a `arn:aws:states:::lambda:invoke` Task state; resolves with what the
 * function returned (RequestResponse) or as soon as it was started (Event).
 */
export type LambdaInvoker = (payload: JsonValue, invocationType: 'Event' | 'RequestResponse') => Promise<JsonValue>;

export interface ActivityScheduledEvent {
  readonly activityArn: string;
  readonly executionArn: string;
}

export interface ExecutionClosedEvent {
  readonly executionArn: string;
  readonly status: Exclude<ExecutionStatus, 'RUNNING'>;
}

export interface StepFunctionsEngineEvents {
  /** A Task state scheduled a task on an activity (a worker may want to poll now). */
  activityScheduled: [ActivityScheduledEvent];
  /** An execution left RUNNING. */
  executionClosed: [ExecutionClosedEvent];
}

export interface GetActivityTaskOptions {
  /** Abort when the caller has gone: a held poll then ends without taking a task. */
  readonly signal?: AbortSignal;
}

/** The engine was closed; it starts nothing new. */
export class EngineClosedError extends Error {
  override readonly name = 'EngineClosedError';
}

/** The service's payload limits. */
const MAX_PAYLOAD_BYTES = 262_144;
const MAX_ERROR_LENGTH = 256;
const MAX_CAUSE_LENGTH = 32_768;
const MAX_DEFINITION_LENGTH = 1_048_576;
const MAX_ARN_LENGTH = 256;
const MAX_NEXT_TOKEN_LENGTH = 3_096;
const EXECUTION_STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;

function parseJson(text: string): { ok: true; value: JsonValue } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) as JsonValue };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/** Drops the inputs and outputs of history events (includeExecutionData: false). */
function withoutExecutionData(event: HistoryEvent): HistoryEvent {
  const copy: Record<string, unknown> = { ...event };
  for (const [key, value] of Object.entries(copy)) {
    if (!key.endsWith('EventDetails') || typeof value !== 'object' || value === null) continue;
    const details: Record<string, unknown> = { ...value };
    for (const dataField of ['input', 'inputDetails', 'output', 'outputDetails']) delete details[dataField];
    copy[key] = details;
  }
  return copy as unknown as HistoryEvent;
}

/**
 * Step Functions in process: activities, state machines, executions run on aws-local-stepfunctions,
 * activity tasks with a real long poll, task tokens, the task and execution clocks, and history.
 * Each method takes and returns what the API operation of the same name does (dates as Date);
 * refusals are {@link StepFunctionsApiError}s carrying the service's error code.
 */
export class StepFunctionsEngine extends EventEmitter<StepFunctionsEngineEvents> {
  readonly region: string;
  readonly accountId: string;
  readonly activityPollHoldMs: number;
  private readonly log: (line: string) => void;
  private readonly activities = new Map<string, Activity>();
  private readonly stateMachines = new Map<string, RegisteredStateMachine>();
  /** In start order, so the newest is last. */
  private readonly executions = new Map<string, ExecutionRun>();
  private readonly tasksByToken = new Map<string, ActivityTask>();
  private readonly lambdaFunctions = new Map<string, LambdaInvoker>();
  private closing: Promise<void> | undefined;
  private readonly host: ExecutionHost = {
    scheduleActivityTask: (execution, request) => {
      const activity = this.activities.get(request.activityArn);
      if (activity === undefined) {
        throw new StatesRuntimeError(`Activity ${request.activityArn} does not exist: create it before an execution reaches state ${request.stateName}.`);
      }
      const task = ActivityTask.schedule({
        ...request,
        executionName: execution.name,
        history: execution.history,
        log: this.log,
        onClosed: (closed) => {
          activity.withdraw(closed);
          execution.taskClosed(closed);
        },
      });
      this.tasksByToken.set(task.token, task);
      execution.taskOpened(task);
      activity.offer(task);
      this.notify('activityScheduled', () => this.emit('activityScheduled', { activityArn: activity.arn, executionArn: execution.arn }));
      return task;
    },
    executionClosed: (execution) => {
      const { status } = execution;
      if (status !== 'RUNNING') this.notify('executionClosed', () => this.emit('executionClosed', { executionArn: execution.arn, status }));
    },
    invokeLambda: (functionName) => this.lambdaFunctions.get(functionName),
    log: (line) => this.log(line),
  };

  /**
   * Makes a Lambda function callable from `arn:aws:states:::lambda:invoke` Task states, under its
   * ARN and its name (FunctionName may be either).
   */
  registerLambdaFunction(functionArn: string, invoke: LambdaInvoker): void {
    this.lambdaFunctions.set(functionArn, invoke);
    this.lambdaFunctions.set(functionArn.slice(functionArn.lastIndexOf(':') + 1), invoke);
  }

  constructor(options: StepFunctionsEngineOptions = {}) {
    super();
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.activityPollHoldMs = options.activityPollHoldMs ?? 60_000;
    this.log = options.log ?? (() => undefined);
  }

  private get scope(): ArnScope {
    return { region: this.region, accountId: this.accountId };
  }

  createActivity(input: CreateActivityInput): CreateActivityOutput {
    const name = resourceName(input, 'name');
    const arn = activityArn(this.scope, name);
    let activity = this.activities.get(arn);
    if (activity === undefined) {
      activity = new Activity(arn, name, new Date());
      this.activities.set(arn, activity);
      this.log(`activity ${name} created`);
    }
    return { activityArn: arn, creationDate: activity.creationDate };
  }

  describeActivity(input: DescribeActivityInput): DescribeActivityOutput {
    const activity = this.activity(requiredString(input, 'activityArn', { max: MAX_ARN_LENGTH }));
    return { activityArn: activity.arn, name: activity.name, creationDate: activity.creationDate };
  }

  listActivities(input: ListActivitiesInput): ListActivitiesOutput {
    const page = paginate(
      [...this.activities.values()],
      'activities',
      optionalInteger(input, 'maxResults', 0, MAX_PAGE_SIZE),
      optionalString(input, 'nextToken', { min: 1, max: MAX_NEXT_TOKEN_LENGTH }),
    );
    return {
      activities: page.items.map((activity) => ({ activityArn: activity.arn, name: activity.name, creationDate: activity.creationDate })),
      ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
    };
  }

  deleteActivity(input: DeleteActivityInput): DeleteActivityOutput {
    const arn = requiredString(input, 'activityArn', { max: MAX_ARN_LENGTH });
    parseArn(arn, 'activity');
    const activity = this.activities.get(arn);
    if (activity !== undefined) {
      this.activities.delete(arn);
      activity.endHeldPolls();
      this.log(`activity ${activity.name} deleted`);
    }
    return {};
  }

  createStateMachine(input: CreateStateMachineInput): CreateStateMachineOutput {
    const name = resourceName(input, 'name');
    const definition = requiredString(input, 'definition', { max: MAX_DEFINITION_LENGTH });
    const roleArn = requiredString(input, 'roleArn', { max: MAX_ARN_LENGTH });
    if (!IAM_ROLE_ARN.test(roleArn)) throw new StepFunctionsApiError('InvalidArn', `Invalid Arn: '${roleArn}' is not an IAM role ARN.`);
    if (optionalEnum(input, 'type', ['STANDARD', 'EXPRESS']) === 'EXPRESS') {
      throw new StepFunctionsApiError('StateMachineTypeNotSupported', 'This local endpoint runs STANDARD state machines only.');
    }
    const prepared = prepareDefinition(definition);
    const arn = stateMachineArn(this.scope, name);
    const existing = this.stateMachines.get(arn);
    if (existing !== undefined) {
      if (existing.definition === definition && existing.roleArn === roleArn) return { stateMachineArn: arn, creationDate: existing.creationDate };
      throw new StepFunctionsApiError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    this.stateMachines.set(arn, { arn, name, definition, roleArn, creationDate: new Date(), prepared });
    this.log(`state machine ${name} created`);
    return { stateMachineArn: arn, creationDate: this.stateMachine(arn).creationDate };
  }

  describeStateMachine(input: DescribeStateMachineInput): DescribeStateMachineOutput {
    const machine = this.stateMachine(requiredString(input, 'stateMachineArn', { max: MAX_ARN_LENGTH }));
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: 'ACTIVE',
      definition: machine.definition,
      roleArn: machine.roleArn,
      type: 'STANDARD',
      creationDate: machine.creationDate,
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  listStateMachines(input: ListStateMachinesInput): ListStateMachinesOutput {
    const page = paginate(
      [...this.stateMachines.values()],
      'stateMachines',
      optionalInteger(input, 'maxResults', 0, MAX_PAGE_SIZE),
      optionalString(input, 'nextToken', { min: 1, max: MAX_NEXT_TOKEN_LENGTH }),
    );
    return {
      stateMachines: page.items.map((machine) => ({ stateMachineArn: machine.arn, name: machine.name, type: 'STANDARD', creationDate: machine.creationDate })),
      ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
    };
  }

  startExecution(input: StartExecutionInput): StartExecutionOutput {
    if (this.closing !== undefined) throw new EngineClosedError('The Step Functions engine is closed; start a new one.');
    const machine = this.stateMachine(requiredString(input, 'stateMachineArn', { max: MAX_ARN_LENGTH }));
    const name = optionalString(input, 'name', { min: 1, max: 80 }) === undefined ? randomUUID() : resourceName(input, 'name');
    const inputText = optionalString(input, 'input', { max: MAX_PAYLOAD_BYTES, bytes: true }) ?? '{}';
    optionalString(input, 'traceHeader', { max: 256 });
    if (!parseJson(inputText).ok) throw new StepFunctionsApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input: the input is not valid JSON.');
    const arn = executionArn(this.scope, machine.name, name);
    const existing = this.executions.get(arn);
    if (existing !== undefined) {
      // Standard workflows: the same name and input while it runs is the same request again.
      if (existing.status === 'RUNNING' && existing.input === inputText) return { executionArn: arn, startDate: existing.startDate };
      throw new StepFunctionsApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const execution = new ExecutionRun(arn, name, machine, inputText, new Date(), this.host);
    this.executions.set(arn, execution);
    execution.start();
    return { executionArn: arn, startDate: execution.startDate };
  }

  stopExecution(input: StopExecutionInput): StopExecutionOutput {
    const execution = this.execution(requiredString(input, 'executionArn', { max: MAX_ARN_LENGTH }));
    const error = optionalString(input, 'error', { max: MAX_ERROR_LENGTH });
    const cause = optionalString(input, 'cause', { max: MAX_CAUSE_LENGTH });
    return { stopDate: execution.stop(error, cause) };
  }

  describeExecution(input: DescribeExecutionInput): DescribeExecutionOutput {
    return this.execution(requiredString(input, 'executionArn', { max: MAX_ARN_LENGTH })).describe();
  }

  listExecutions(input: ListExecutionsInput): ListExecutionsOutput {
    if ((input as { mapRunArn?: unknown }).mapRunArn !== undefined) {
      throw new StepFunctionsApiError('ValidationException', 'This local endpoint has no Distributed Map runs: list by stateMachineArn.');
    }
    const machine = this.stateMachine(requiredString(input, 'stateMachineArn', { max: MAX_ARN_LENGTH }));
    const statusFilter = optionalEnum(input, 'statusFilter', EXECUTION_STATUSES);
    const newestFirst = [...this.executions.values()]
      .filter((execution) => execution.stateMachine === machine && (statusFilter === undefined || execution.status === statusFilter))
      .reverse();
    const page = paginate(
      newestFirst,
      `executions ${machine.arn} ${statusFilter ?? ''}`,
      optionalInteger(input, 'maxResults', 0, MAX_PAGE_SIZE),
      optionalString(input, 'nextToken', { min: 1, max: MAX_NEXT_TOKEN_LENGTH }),
    );
    return { executions: page.items.map((execution) => execution.listItem()), ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }) };
  }

  getExecutionHistory(input: GetExecutionHistoryInput): GetExecutionHistoryOutput {
    const execution = this.execution(requiredString(input, 'executionArn', { max: MAX_ARN_LENGTH }));
    const reverseOrder = optionalBoolean(input, 'reverseOrder') ?? false;
    const includeExecutionData = optionalBoolean(input, 'includeExecutionData') ?? true;
    const events = reverseOrder ? [...execution.history.all].reverse() : [...execution.history.all];
    const page = paginate(
      events,
      `history ${execution.arn} ${reverseOrder}`,
      optionalInteger(input, 'maxResults', 0, MAX_PAGE_SIZE),
      optionalString(input, 'nextToken', { min: 1, max: MAX_NEXT_TOKEN_LENGTH }),
    );
    return {
      events: includeExecutionData ? page.items : page.items.map(withoutExecutionData),
      ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
    };
  }

  /**
   * A long poll: answers at once when a task waits, otherwise holds until a task is scheduled
   * (handing it over at that moment) or {@link activityPollHoldMs} pass, then answers `{}`.
   * A poll whose signal aborted is never handed a task.
   */
  getActivityTask(input: GetActivityTaskInput, options: GetActivityTaskOptions = {}): Promise<GetActivityTaskOutput> {
    const activity = this.activity(requiredString(input, 'activityArn', { max: MAX_ARN_LENGTH }));
    const workerName = optionalString(input, 'workerName', { min: 1, max: 80 });
    const { signal } = options;
    if (this.closing !== undefined || signal?.aborted) return Promise.resolve({});
    const waiting = activity.take();
    if (waiting !== undefined) {
      waiting.start(workerName);
      return Promise.resolve({ taskToken: waiting.token, input: waiting.inputText });
    }
    return new Promise<GetActivityTaskOutput>((resolve) => {
      const answer = (output: GetActivityTaskOutput): void => {
        clearTimeout(holdTimer);
        signal?.removeEventListener('abort', onAbort);
        resolve(output);
      };
      const poll: HeldPoll = {
        deliver: (task) => {
          if (signal?.aborted) {
            answer({});
            return false;
          }
          task.start(workerName);
          answer({ taskToken: task.token, input: task.inputText });
          return true;
        },
        end: () => answer({}),
      };
      const onAbort = (): void => {
        activity.release(poll);
        answer({});
      };
      const holdTimer = setTimeout(() => {
        activity.release(poll);
        answer({});
      }, this.activityPollHoldMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      activity.hold(poll);
    });
  }

  sendTaskSuccess(input: SendTaskSuccessInput): SendTaskSuccessOutput {
    const token = requiredString(input, 'taskToken', { max: MAX_TASK_TOKEN_LENGTH, secret: true });
    const output = requiredString(input, 'output', { min: 0, max: MAX_PAYLOAD_BYTES, bytes: true });
    const task = this.openTask(token);
    const parsed = parseJson(output);
    if (!parsed.ok) throw new StepFunctionsApiError('InvalidOutput', `Invalid Output: the output is not valid JSON (${parsed.reason}).`);
    task.succeed(parsed.value, output);
    return {};
  }

  sendTaskFailure(input: SendTaskFailureInput): SendTaskFailureOutput {
    const token = requiredString(input, 'taskToken', { max: MAX_TASK_TOKEN_LENGTH, secret: true });
    const error = optionalString(input, 'error', { max: MAX_ERROR_LENGTH });
    const cause = optionalString(input, 'cause', { max: MAX_CAUSE_LENGTH });
    this.openTask(token).fail(error, cause);
    return {};
  }

  sendTaskHeartbeat(input: SendTaskHeartbeatInput): SendTaskHeartbeatOutput {
    const token = requiredString(input, 'taskToken', { max: MAX_TASK_TOKEN_LENGTH, secret: true });
    this.openTask(token).heartbeat();
    return {};
  }

  /**
   * Aborts every running execution, answers every held poll with no task and clears every timer;
   * resolves once the interpreter runs have ended.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const executions = [...this.executions.values()];
      for (const execution of executions) execution.stop(undefined, 'The local Step Functions endpoint shut down.');
      for (const activity of this.activities.values()) activity.endHeldPolls();
      await Promise.all(executions.map((execution) => execution.settled));
    })();
    return this.closing;
  }

  /** Emits without letting a listener's exception fail the Task state or the stop that raised the event. */
  private notify(event: keyof StepFunctionsEngineEvents, emit: () => void): void {
    try {
      emit();
    } catch (error) {
      this.log(`${event} listener failed: ${(error as Error).message}`);
    }
  }

  private activity(arn: string): Activity {
    parseArn(arn, 'activity');
    const activity = this.activities.get(arn);
    if (activity === undefined) throw new StepFunctionsApiError('ActivityDoesNotExist', `Activity Does Not Exist: '${arn}'`);
    return activity;
  }

  private stateMachine(arn: string): RegisteredStateMachine {
    parseArn(arn, 'stateMachine');
    const machine = this.stateMachines.get(arn);
    if (machine === undefined) throw new StepFunctionsApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  private execution(arn: string): ExecutionRun {
    parseArn(arn, 'execution');
    const execution = this.executions.get(arn);
    if (execution === undefined) throw new StepFunctionsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  }

  /** The open task of a token, or the refusal the service gives for that token. Messages never repeat the token. */
  private openTask(token: string): ActivityTask {
    const task = isWellFormedTaskToken(token) ? this.tasksByToken.get(token) : undefined;
    if (task === undefined) throw new StepFunctionsApiError('InvalidToken', 'Invalid Token: this endpoint never issued that task token.');
    if (task.status === 'TIMED_OUT') throw new StepFunctionsApiError('TaskTimedOut', 'Task Timed Out: the task of this token timed out.');
    if (!task.isOpen) throw new StepFunctionsApiError('TaskDoesNotExist', 'Task Does Not Exist: the task of this token is closed.');
    return task;
  }
}
