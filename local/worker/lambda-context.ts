import type { Context } from 'aws-lambda';

/** What the runner tells the worker process about one invocation. */
export interface InvocationSpec {
  readonly id: number;
  /** The function's timeout (from the template, or the shortened one of a benchmark run). */
  readonly timeoutMs: number;
  readonly functionName: string;
}

/**
 * The Lambda context of one invocation, as the Node.js runtime builds it: the deadline is the
 * function's timeout from the moment the handler starts, so getRemainingTimeInMillis follows the
 * time limit the runner was given.
 */
export function lambdaContext(invocation: InvocationSpec, pid: number, now: () => number = Date.now): Context {
  const deadline = now() + invocation.timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: invocation.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION ?? 'us-east-1'}:123456789012:function:${invocation.functionName}`,
    memoryLimitInMB: '128',
    awsRequestId: `local-${pid}-${invocation.id}`,
    logGroupName: `/aws/lambda/${invocation.functionName}`,
    logStreamName: `local/${pid}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
