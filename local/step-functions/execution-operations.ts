import { randomUUID } from 'node:crypto';
import type {
  DescribeExecutionInput,
  DescribeExecutionOutput,
  GetExecutionHistoryInput,
  GetExecutionHistoryOutput,
  ListExecutionsInput,
  ListExecutionsOutput,
  StartExecutionInput,
  StartExecutionOutput,
  StopExecutionInput,
  StopExecutionOutput,
} from '@aws-sdk/client-sfn';
import { type ArnScope, executionArn, parseArn } from './arns';
import { StepFunctionsApiError } from './errors';
import { type ExecutionHost, ExecutionRun, type ExecutionStatus } from './execution';
import { withoutExecutionData } from './history';
import { MAX_CAUSE_LENGTH } from '../../statemachine/step-functions-limits';
import { MAX_ARN_LENGTH, MAX_ERROR_LENGTH, MAX_NEXT_TOKEN_LENGTH, MAX_PAYLOAD_BYTES } from './limits';
import { MAX_PAGE_SIZE, paginate } from './pagination';
import { optionalBoolean, optionalEnum, optionalInteger, optionalString, parseJson, requiredString, resourceName } from './request-fields';
import type { StateMachineOperations } from './state-machine-operations';

const EXECUTION_STATUSES: readonly ExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

/**
 * The executions of the endpoint and the operations on them: StartExecution, StopExecution,
 * DescribeExecution, ListExecutions, GetExecutionHistory.
 */
export class ExecutionOperations {
  /** In start order, so the newest is last. */
  private readonly executions = new Map<string, ExecutionRun>();

  constructor(
    private readonly scope: ArnScope,
    private readonly stateMachines: StateMachineOperations,
    private readonly host: ExecutionHost,
  ) {}

  startExecution(input: StartExecutionInput): StartExecutionOutput {
    const execution = this.start(input);
    return { executionArn: execution.arn, startDate: execution.startDate };
  }

  /** StartExecution, answering with the execution itself (the same one again for a repeated request). */
  start(input: StartExecutionInput): ExecutionRun {
    const machine = this.stateMachines.get(requiredString(input, 'stateMachineArn', { max: MAX_ARN_LENGTH }));
    const name = optionalString(input, 'name', { min: 1, max: 80 }) === undefined ? randomUUID() : resourceName(input, 'name');
    const inputText = optionalString(input, 'input', { max: MAX_PAYLOAD_BYTES, bytes: true }) ?? '{}';
    optionalString(input, 'traceHeader', { max: 256 });
    if (!parseJson(inputText).ok)
      throw new StepFunctionsApiError('InvalidExecutionInput', 'Invalid State Machine Execution Input: the input is not valid JSON.');
    const arn = executionArn(this.scope, machine.name, name);
    const existing = this.executions.get(arn);
    if (existing !== undefined) {
      // Standard workflows: the same name and input while it runs is the same request again.
      if (existing.status === 'RUNNING' && existing.input === inputText) return existing;
      throw new StepFunctionsApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const execution = new ExecutionRun(arn, name, machine, inputText, new Date(), this.host);
    this.executions.set(arn, execution);
    execution.start();
    return execution;
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
    const machine = this.stateMachines.get(requiredString(input, 'stateMachineArn', { max: MAX_ARN_LENGTH }));
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
    return {
      executions: page.items.map((execution) => execution.listItem()),
      ...(page.nextToken === undefined ? {} : { nextToken: page.nextToken }),
    };
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

  /** Stops every execution with this cause; the promise settles once their interpreter runs have ended. */
  stopAll(cause: string): Promise<void> {
    const executions = [...this.executions.values()];
    for (const execution of executions) execution.stop(undefined, cause);
    return Promise.all(executions.map((execution) => execution.settled)).then(() => undefined);
  }

  private execution(arn: string): ExecutionRun {
    parseArn(arn, 'execution');
    const execution = this.executions.get(arn);
    if (execution === undefined) throw new StepFunctionsApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  }
}
