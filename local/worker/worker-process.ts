import type { Context } from 'aws-lambda';
// The parent sets the environment before this process starts, so the handler reads its settings
// at load as it does on Lambda.
import { handler } from '../../functions/approval-worker/index';

/**
 * Runs the real worker handler in its own process, as a warm Lambda container would: the parent
 * (local/worker/local-activity-worker.ts) sets the environment, including AWS_ENDPOINT_URL_SFN and
 * AWS_ENDPOINT_URL_SESV2, and sends one `invoke` message per invocation.
 */
interface InvokeMessage {
  readonly type: 'invoke';
  readonly id: number;
  readonly event: unknown;
  readonly timeoutMs: number;
  readonly functionName: string;
}

function lambdaContext(message: InvokeMessage): Context {
  const deadline = Date.now() + message.timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: message.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION ?? 'us-east-1'}:123456789012:function:${message.functionName}`,
    memoryLimitInMB: '128',
    awsRequestId: `local-${process.pid}-${message.id}`,
    logGroupName: `/aws/lambda/${message.functionName}`,
    logStreamName: `local/${process.pid}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A thrown error as the Node.js Lambda runtime reports it in the invoke response (FunctionError "Handled"). */
function functionError(thrown: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  return { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
}

function main(): void {
  process.on('message', (message: InvokeMessage) => {
    if (message?.type !== 'invoke') return;
    handler(message.event, lambdaContext(message))
      .then((result) => process.send?.({ type: 'result', id: message.id, result }))
      .catch((error: unknown) => process.send?.({ type: 'result', id: message.id, error: functionError(error) }));
  });
  process.send?.({ type: 'ready' });
}

main();
