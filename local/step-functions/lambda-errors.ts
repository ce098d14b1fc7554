import { randomUUID } from 'node:crypto';

/**
 * The errors a `arn:aws:states:::lambda:invoke` Task state fails with, named as the Lambda
 * integration reports them so that Retry and Catch match them by name.
 *
 * AWS Step Functions Developer Guide, "Invoke Lambda with Step Functions": "If the response
 * contains the field `FunctionError`, the task fails" (and the error name is the function's
 * errorType, as in the guide's Retry and Catch examples on a function's custom error).
 * "Handling errors in Step Functions workflows": "Unhandled errors in Lambda are reported as
 * `Lambda.Unknown` in the error output. These include out-of-memory errors and function
 * timeouts. You can match on `Lambda.Unknown`, `States.ALL`, or `States.TaskFailed`. When Lambda
 * hits the maximum number of invocations, the error is `Lambda.TooManyRequestsException`."
 */

/** What a Node.js Lambda function's thrown error becomes in the invoke response's payload. */
export interface LambdaFunctionErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

/** An error a Task state can Retry or Catch by `name`; its message is the Cause. */
export function lambdaError(name: string, cause: string): Error {
  const error = new Error(cause);
  error.name = name;
  return error;
}

/**
 * The function threw: the Task state fails with the function's errorType as Error and the error
 * payload, as JSON, as Cause (Assumption, not found in the AWS docs: the Cause is exactly the
 * payload Lambda returns, `{"errorType","errorMessage","trace"}`).
 */
export function lambdaFunctionError(payload: LambdaFunctionErrorPayload): Error {
  return lambdaError(payload.errorType, JSON.stringify(payload));
}

/**
 * The function ended without an error type (it timed out, ran out of memory or its runtime died);
 * `reason` is the errorMessage Lambda returns for it. Assumption (not found in the AWS docs): the
 * Cause reads as the service writes it for these, with the returned payload after it.
 */
export function lambdaUnknownError(reason: string): Error {
  const payload = JSON.stringify({ errorMessage: reason });
  return lambdaError(
    'Lambda.Unknown',
    `The cause could not be determined because Lambda did not return an error type. Returned payload: ${payload}`,
  );
}

/**
 * Lambda refused the call for want of concurrency (reserved concurrency 0 or used up). Assumption
 * (not found in the AWS docs): the Cause is the SDK's message for that 429 answer.
 */
export function lambdaThrottledError(): Error {
  return lambdaError(
    'Lambda.TooManyRequestsException',
    `Rate Exceeded. (Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException; Request ID: ${randomUUID()}; Proxy: null)`,
  );
}
