import { randomUUID } from 'node:crypto';
import type { DescribeExecutionOutput, StartExecutionInput } from '@aws-sdk/client-sfn';
import type { StepFunctionsApiError } from './errors';
import type { JsonValue } from './interpreter';
import { lambdaError } from './lambda-errors';

/**
 * The optimized Step Functions integration, `arn:aws:states:::states:startExecution` with
 * `.sync` and `.sync:2`: what its Task state sends to StartExecution and what it returns or
 * fails with.
 *
 * Sources:
 * - AWS Step Functions Developer Guide, "Start a new AWS Step Functions state machine from a
 *   running execution" (connect-stepfunctions): Parameters `StateMachineArn`, `Input` (a JSON
 *   object in the examples), `Name`; `AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID` is an ordinary
 *   field of Input that links the child to its parent in the console. "Nested state machines
 *   return the following: startExecution.sync -> String, startExecution.sync:2 -> JSON. Both will
 *   wait for the nested state machine to complete, but they return different Output formats":
 *   `"Output": "{ \"MyKey\": \"MyValue\" }"` for `.sync`, `"Output": {"MyKey": "MyValue"}` for
 *   `.sync:2`.
 * - Same guide, "Service integration patterns", Run a Job (.sync): a task is aborted when the
 *   execution is stopped, a Parallel branch or a Map iteration fails; "if a Step Functions
 *   `states:startExecution.sync` task is aborted, it will call the Step Functions StopExecution
 *   API action".
 * Not in the AWS docs; taken from LocalStack's implementation of the integration
 * (state_task_service_sfn.py, whose tests are recorded against AWS) and from the emulator Floci
 * (whose tests say "measured on AWS"):
 * - the result is the child's DescribeExecution with capitalized field names, keys in alphabetical
 *   order, dates in epoch milliseconds (`.sync:2` parses Input and Output);
 * - a child that ends in any status but SUCCEEDED (FAILED, TIMED_OUT, ABORTED) fails the Task
 *   state with `States.TaskFailed` and that same object, as JSON, as Cause, so the child's Error
 *   and Cause are inside it;
 * - a refused StartExecution fails the state with `StepFunctions.<Code>Exception`;
 * - a child stopped by its aborted task gets no error and the cause in {@link childAbortCause}.
 * The plain integration's result is the StartExecution response, capitalized (the service adds
 * SdkHttpMetadata and SdkResponseMetadata, left out here).
 */

type JsonObject = { [key: string]: JsonValue };

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The StartExecution request of the Task state's effective input (Parameters applied). */
export function startExecutionRequest(parameters: JsonValue): StartExecutionInput {
  const fields = isObject(parameters) ? parameters : {};
  const { StateMachineArn, Input, Name } = fields;
  // An Input that is a string is the execution input's text already; anything else is JSON to write out.
  const input = Input === undefined || Input === null ? '{}' : typeof Input === 'string' ? Input : JSON.stringify(Input);
  return {
    stateMachineArn: StateMachineArn as string,
    input,
    ...(Name === undefined || Name === null ? {} : { name: Name as string }),
  };
}

/** The StartExecution response, as the plain (request-response) integration returns it. */
export function startedExecutionResult(executionArn: string, startDate: Date): JsonValue {
  return { ExecutionArn: executionArn, StartDate: startDate.getTime() };
}

function parsedOrText(text: string, parse: boolean): JsonValue {
  if (!parse) return text;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

/** The child's DescribeExecution as `.sync` (payloads as text) or `.sync:2` (payloads as JSON) returns it. */
export function executionResult(description: DescribeExecutionOutput, pattern: 'sync' | 'sync:2'): JsonObject {
  const parse = pattern === 'sync:2';
  const result: JsonObject = {};
  // Keys in alphabetical order, as the service writes them.
  if (description.cause !== undefined) result.Cause = description.cause;
  if (description.error !== undefined) result.Error = description.error;
  result.ExecutionArn = description.executionArn ?? '';
  if (description.input !== undefined) {
    result.Input = parsedOrText(description.input, parse);
    result.InputDetails = { Included: true };
  }
  result.Name = description.name ?? '';
  if (description.output !== undefined) {
    result.Output = parsedOrText(description.output, parse);
    result.OutputDetails = { Included: true };
  }
  result.StartDate = description.startDate?.getTime() ?? 0;
  result.StateMachineArn = description.stateMachineArn ?? '';
  result.Status = description.status ?? 'RUNNING';
  if (description.stopDate !== undefined) result.StopDate = description.stopDate.getTime();
  return result;
}

/** A child that did not succeed fails the waiting Task state with States.TaskFailed, for its Retry and Catch. */
export function childExecutionFailed(result: JsonObject): Error {
  return lambdaError('States.TaskFailed', JSON.stringify(result));
}

/** StartExecution refused the child (no such state machine, a name in use...): `StepFunctions.<Code>Exception`. */
export function startExecutionRefused(error: StepFunctionsApiError): Error {
  return lambdaError(
    `StepFunctions.${error.code}Exception`,
    `${error.message} (Service: AWSStepFunctions; Status Code: 400; Error Code: ${error.code}; Request ID: ${randomUUID()}; Proxy: null)`,
  );
}

/** The cause a `.sync` task stops its child with when the task is aborted (as Floci measured it on AWS). */
export function childAbortCause(parentExecutionArn: string): string {
  return `The Task state in AWS Step Functions execution [${parentExecutionArn}] which was managing this resource was aborted`;
}
