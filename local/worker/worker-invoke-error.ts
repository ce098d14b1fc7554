import type { WorkerFunctionError } from './local-activity-worker';

/** How a synchronous invoke of the worker failed. */
export type WorkerInvokeFailure =
  /** The handler threw (FunctionError "Handled"): the error's type, message and trace. */
  | { readonly kind: 'handled'; readonly error: WorkerFunctionError }
  /** The run ended without an answer (FunctionError "Unhandled"): a timeout, or the worker was stopped. */
  | { readonly kind: 'unhandled'; readonly reason: string }
  /**
   * The worker process died during the run (FunctionError "Unhandled"): Lambda answers with a
   * `Runtime.ExitError` payload, whose errorType a Task state's Retry and Catch match.
   */
  | { readonly kind: 'runtime exit'; readonly error: WorkerFunctionError }
  /**
   * The worker is stopped, which stands for a function that can take no call (reserved concurrency
   * 0, or all of it busy): Lambda refuses the call before running anything (HTTP 429,
   * TooManyRequestsException).
   */
  | { readonly kind: 'throttled' };

/** A synchronous invoke of the worker whose function failed, as Lambda reports it. */
export class WorkerInvokeError extends Error {
  override readonly name = 'WorkerInvokeError';

  constructor(readonly failure: WorkerInvokeFailure) {
    super(
      failure.kind === 'handled' || failure.kind === 'runtime exit'
        ? `${failure.error.errorType}: ${failure.error.errorMessage}`
        : failure.kind === 'unhandled'
          ? failure.reason
          : 'The worker is stopped (reserved concurrency 0): the invoke is throttled.',
    );
  }
}
