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
import { ActivityOperations, type GetActivityTaskOptions } from './activity-operations';
import type { ArnScope } from './arns';
import { ExecutionOperations } from './execution-operations';
import type { ExecutionHost, ExecutionStatus } from './execution';
import type { JsonValue } from './interpreter';
import { StateMachineOperations } from './state-machine-operations';

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
 * function returned (RequestResponse) or as soon as it was started (Event). A synchronous call
 * whose function fails rejects with the error the Task state fails with: build it with
 * lambdaFunctionError or lambdaUnknownError (lambda-errors.ts), so Retry and Catch match its name.
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

/** The engine was closed; it starts nothing new. */
export class EngineClosedError extends Error {
  override readonly name = 'EngineClosedError';
}

/**
 * Step Functions in process: activities, state machines, executions run on aws-local-stepfunctions,
 * activity tasks with a real long poll, task tokens, the task and execution clocks, and history.
 * Each method takes and returns what the API operation of the same name does (dates as Date);
 * refusals are StepFunctionsApiErrors carrying the service's error code. The operations live with
 * what they act on (activity-operations.ts, state-machine-operations.ts, execution-operations.ts);
 * this class ties them together, emits the events and holds the Lambda functions Task states call.
 */
export class StepFunctionsEngine extends EventEmitter<StepFunctionsEngineEvents> {
  readonly region: string;
  readonly accountId: string;
  readonly activityPollHoldMs: number;
  private readonly log: (line: string) => void;
  private readonly activities: ActivityOperations;
  private readonly stateMachines: StateMachineOperations;
  private readonly executions: ExecutionOperations;
  private readonly lambdaFunctions = new Map<string, LambdaInvoker>();
  private closing: Promise<void> | undefined;

  constructor(options: StepFunctionsEngineOptions = {}) {
    super();
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    this.activityPollHoldMs = options.activityPollHoldMs ?? 60_000;
    this.log = options.log ?? (() => undefined);
    const scope: ArnScope = { region: this.region, accountId: this.accountId };
    this.activities = new ActivityOperations({
      scope,
      activityPollHoldMs: this.activityPollHoldMs,
      log: this.log,
      isClosing: () => this.closing !== undefined,
    });
    this.stateMachines = new StateMachineOperations(scope, this.log);
    this.executions = new ExecutionOperations(scope, this.stateMachines, this.executionHost());
  }

  /**
   * Makes a Lambda function callable from `arn:aws:states:::lambda:invoke` Task states, under its
   * ARN and its name (FunctionName may be either).
   */
  registerLambdaFunction(functionArn: string, invoke: LambdaInvoker): void {
    this.lambdaFunctions.set(functionArn, invoke);
    this.lambdaFunctions.set(functionArn.slice(functionArn.lastIndexOf(':') + 1), invoke);
  }

  createActivity(input: CreateActivityInput): CreateActivityOutput {
    return this.activities.createActivity(input);
  }

  describeActivity(input: DescribeActivityInput): DescribeActivityOutput {
    return this.activities.describeActivity(input);
  }

  listActivities(input: ListActivitiesInput): ListActivitiesOutput {
    return this.activities.listActivities(input);
  }

  deleteActivity(input: DeleteActivityInput): DeleteActivityOutput {
    return this.activities.deleteActivity(input);
  }

  createStateMachine(input: CreateStateMachineInput): CreateStateMachineOutput {
    return this.stateMachines.createStateMachine(input);
  }

  describeStateMachine(input: DescribeStateMachineInput): DescribeStateMachineOutput {
    return this.stateMachines.describeStateMachine(input);
  }

  listStateMachines(input: ListStateMachinesInput): ListStateMachinesOutput {
    return this.stateMachines.listStateMachines(input);
  }

  startExecution(input: StartExecutionInput): StartExecutionOutput {
    if (this.closing !== undefined) throw new EngineClosedError('The Step Functions engine is closed; start a new one.');
    return this.executions.startExecution(input);
  }

  stopExecution(input: StopExecutionInput): StopExecutionOutput {
    return this.executions.stopExecution(input);
  }

  describeExecution(input: DescribeExecutionInput): DescribeExecutionOutput {
    return this.executions.describeExecution(input);
  }

  listExecutions(input: ListExecutionsInput): ListExecutionsOutput {
    return this.executions.listExecutions(input);
  }

  getExecutionHistory(input: GetExecutionHistoryInput): GetExecutionHistoryOutput {
    return this.executions.getExecutionHistory(input);
  }

  /**
   * A long poll: answers at once when a task waits, otherwise holds until a task is scheduled
   * (handing it over at that moment) or {@link activityPollHoldMs} pass, then answers `{}`.
   * A poll whose signal aborted is never handed a task.
   */
  getActivityTask(input: GetActivityTaskInput, options: GetActivityTaskOptions = {}): Promise<GetActivityTaskOutput> {
    return this.activities.getActivityTask(input, options);
  }

  sendTaskSuccess(input: SendTaskSuccessInput): SendTaskSuccessOutput {
    return this.activities.sendTaskSuccess(input);
  }

  sendTaskFailure(input: SendTaskFailureInput): SendTaskFailureOutput {
    return this.activities.sendTaskFailure(input);
  }

  sendTaskHeartbeat(input: SendTaskHeartbeatInput): SendTaskHeartbeatOutput {
    return this.activities.sendTaskHeartbeat(input);
  }

  /**
   * Aborts every running execution, answers every held poll with no task and clears every timer;
   * resolves once the interpreter runs have ended.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const settled = this.executions.stopAll('The local Step Functions endpoint shut down.');
      this.activities.endHeldPolls();
      await settled;
    })();
    return this.closing;
  }

  /** The engine as an execution sees it: where its Task states schedule tasks and call Lambda functions. */
  private executionHost(): ExecutionHost {
    return {
      scheduleActivityTask: (execution, request) => {
        const task = this.activities.scheduleTask(execution, request);
        this.notify('activityScheduled', () =>
          this.emit('activityScheduled', { activityArn: request.activityArn, executionArn: execution.arn }),
        );
        return task;
      },
      executionClosed: (execution) => {
        const { status } = execution;
        if (status !== 'RUNNING')
          this.notify('executionClosed', () => this.emit('executionClosed', { executionArn: execution.arn, status }));
      },
      invokeLambda: (functionName) => this.lambdaFunctions.get(functionName),
      startExecution: (input) => {
        if (this.closing !== undefined) throw new EngineClosedError('The Step Functions engine is closed; start a new one.');
        return this.executions.start(input);
      },
      registerCallbackTask: (task) => this.activities.registerCallbackTask(task),
      sendTaskSuccess: (input) => this.activities.sendTaskSuccess(input),
      sendTaskFailure: (input) => this.activities.sendTaskFailure(input),
      log: (line) => this.log(line),
    };
  }

  /** Emits without letting a listener's exception fail the Task state or the stop that raised the event. */
  private notify(event: keyof StepFunctionsEngineEvents, emit: () => void): void {
    try {
      emit();
    } catch (error) {
      this.log(`${event} listener failed: ${(error as Error).message}`);
    }
  }
}
