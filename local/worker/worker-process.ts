import * as path from 'node:path';
import { type InvocationSpec, lambdaContext } from './lambda-context';

/**
 * Runs the function's code in its own process, as a warm Lambda container would: the parent
 * (local/worker/local-activity-worker.ts) sets the environment, including LAMBDA_TASK_ROOT (the
 * code's folder, from the cloud assembly), _HANDLER (the template's Handler) and the
 * AWS_ENDPOINT_URL_* of the local endpoints, and sends one `invoke` message per invocation.
 */
interface InvokeMessage extends InvocationSpec {
  readonly type: 'invoke';
  readonly event: unknown;
}

type Handler = (event: unknown, context: unknown, callback: (error?: unknown, result?: unknown) => void) => unknown;

export class HandlerLoadError extends Error {
  override readonly name = 'Runtime.HandlerNotFound';
}

/**
 * The handler `file.export` (or `dir/file.nested.export`) in the task root, found as the Node.js
 * runtime finds it: the module is the part before the first dot of the last path segment, the rest
 * a property path into its exports.
 */
export function loadHandler(taskRoot: string, handlerSetting: string): Handler {
  const base = path.basename(handlerSetting);
  const moduleRoot = handlerSetting.slice(0, handlerSetting.length - base.length);
  const match = /^([^.]*)\.(.*)$/.exec(base);
  if (!match?.[1] || !match[2]) throw new HandlerLoadError(`Bad handler ${handlerSetting}: expected <module>.<export>.`);
  const file = path.resolve(taskRoot, moduleRoot, match[1]);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the function's code is CommonJS, loaded as Lambda loads it
  const exports = require(file) as Record<string, unknown>;
  let handler: unknown = exports;
  for (const key of match[2].split('.')) handler = (handler as Record<string, unknown> | undefined)?.[key];
  if (typeof handler !== 'function') throw new HandlerLoadError(`${file} has no function ${match[2]} (handler ${handlerSetting}).`);
  return handler as Handler;
}

/** A thrown error as the Node.js Lambda runtime reports it in the invoke response (FunctionError "Handled"). */
function functionError(thrown: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  return { errorType: error.name, errorMessage: error.message, trace: (error.stack ?? '').split('\n') };
}

/** One invocation: an async handler's promise, or a callback-style handler's callback. */
function invoke(handler: Handler, event: unknown, context: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const returned = handler(event, context, (error, result) =>
      error ? reject(error instanceof Error ? error : new Error(JSON.stringify(error))) : resolve(result),
    );
    if (returned instanceof Promise) returned.then(resolve, reject);
  });
}

function main(): void {
  // Loaded before 'ready', as Lambda's init phase loads it: a missing or broken handler fails the start.
  let handler: Handler;
  try {
    handler = loadHandler(process.env.LAMBDA_TASK_ROOT ?? process.cwd(), process.env._HANDLER ?? 'index.handler');
  } catch (error) {
    process.send?.({ type: 'init error', message: (error as Error).message }, () => process.exit(1));
    return;
  }
  process.on('message', (message: InvokeMessage) => {
    if (message?.type !== 'invoke') return;
    invoke(handler, message.event, lambdaContext(message, process.pid))
      .then((result) => process.send?.({ type: 'result', id: message.id, result }))
      .catch((error: unknown) => process.send?.({ type: 'result', id: message.id, error: functionError(error) }));
  });
  // The parent is gone (stopped, or killed outright): nothing will invoke or read this process again,
  // and it must not keep running on its own.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready' });
}

if (require.main === module) main();
