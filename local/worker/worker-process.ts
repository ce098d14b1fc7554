// The parent sets the environment before this process starts, so the handler reads its settings
// at load as it does on Lambda.
import { handler } from '../../functions/approval-worker/index';
import { type InvocationSpec, lambdaContext } from './lambda-context';

/**
 * Runs the real worker handler in its own process, as a warm Lambda container would: the parent
 * (local/worker/local-activity-worker.ts) sets the environment, including AWS_ENDPOINT_URL_SFN,
 * AWS_ENDPOINT_URL_SESV2 and AWS_ENDPOINT_URL_LAMBDA, and sends one `invoke` message per invocation.
 */
interface InvokeMessage extends InvocationSpec {
  readonly type: 'invoke';
  readonly event: unknown;
}

/** A thrown error as the Node.js Lambda runtime reports it in the invoke response (FunctionError "Handled"). */
function functionError(thrown: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  return { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
}

function main(): void {
  process.on('message', (message: InvokeMessage) => {
    if (message?.type !== 'invoke') return;
    handler(message.event, lambdaContext(message, process.pid))
      .then((result) => process.send?.({ type: 'result', id: message.id, result }))
      .catch((error: unknown) => process.send?.({ type: 'result', id: message.id, error: functionError(error) }));
  });
  // The parent is gone (stopped, or killed outright): nothing will invoke or read this process again,
  // and it must not keep running on its own.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready' });
}

main();
