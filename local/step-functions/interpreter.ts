import './polyfills';
import { type RunOptions, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

/**
 * What this endpoint relies on from aws-local-stepfunctions, the ASL interpreter every execution
 * runs on, including the few internals the library does not export.
 */

export { StateMachine as Interpreter, type StateMachineDefinition as InterpreterDefinition };

/** A local handler of a Task state: takes the effective input, returns the result or throws the state's error. */
export type TaskHandler = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>[string];
export type JsonValue = Parameters<TaskHandler>[0];
export type InterpreterRun = ReturnType<StateMachine['run']>;
export type InterpreterEvent = InterpreterRun['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/**
 * Longest Task TimeoutSeconds the interpreter can time (its setTimeout overflows beyond 2^31-1 ms).
 * Activity states get this in the interpreter's copy because without a TimeoutSeconds it times a
 * Task out after 60 s; their real clocks run in this endpoint.
 */
export const INTERPRETER_MAX_TASK_TIMEOUT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/**
 * Ends a state for good once its execution is closed: the interpreter neither retries nor catches
 * it (it reads `isRetryable` / `isCatchable`), so an aborted run stops instead of rescheduling.
 */
export class ExecutionClosedError extends Error {
  override readonly name = 'ExecutionClosedError';
  readonly isRetryable = false;
  readonly isCatchable = false;
}

/**
 * A state error the service raises itself and no Retry or Catch may handle, such as a reference
 * path that selects nothing (AWS reports these as States.Runtime).
 */
export class StatesRuntimeError extends Error {
  override readonly name = 'States.Runtime';
  readonly isRetryable = false;
  readonly isCatchable = false;
}

/** The error of a task its worker reported with SendTaskFailure: Retry and Catch match its name. */
export class ActivityTaskFailure extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    // The worker's error name is what ErrorEquals matches, so it replaces the class name.
    this.name = error;
  }
}

type StatesTimeoutErrorClass = new () => Error;

let statesTimeoutErrorClass: Promise<StatesTimeoutErrorClass | undefined> | undefined;

/**
 * The interpreter's own StatesTimeoutError class, which it does not export. Its Retry and Catch
 * treat `States.TaskFailed` as matching every Task error except instances of that class, as AWS
 * does for timeouts; a plain Error named States.Timeout would wrongly match it. The class is found
 * once by timing out a one-state machine after 1 ms.
 */
function findStatesTimeoutErrorClass(): Promise<StatesTimeoutErrorClass | undefined> {
  statesTimeoutErrorClass ??= (async () => {
    const probe = new StateMachine(
      {
        StartAt: 'Probe',
        States: {
          Probe: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:probe', TimeoutSeconds: 0.001, End: true },
        },
      },
      { validationOptions: { noValidate: true } },
    );
    // The handler never settles and holds nothing: only the interpreter's own 1 ms timer runs.
    const run = probe.run(null, { overrides: { taskResourceLocalHandlers: { Probe: () => new Promise<JsonValue>(() => undefined) } } });
    try {
      await run.result;
    } catch (error) {
      const timeout = (error as Error).cause;
      if (timeout instanceof Error && timeout.name === 'States.Timeout') return timeout.constructor as StatesTimeoutErrorClass;
    }
    return undefined;
  })();
  return statesTimeoutErrorClass;
}

/**
 * A task timeout the interpreter treats as its own: `States.Timeout` for TimeoutSeconds or
 * `States.HeartbeatTimeout` for HeartbeatSeconds, neither matched by `States.TaskFailed`.
 */
export async function statesTimeoutError(error: 'States.Timeout' | 'States.HeartbeatTimeout', cause: string): Promise<Error> {
  const StatesTimeoutError = await findStatesTimeoutErrorClass();
  // If a later library version hides the class, a plain Error still carries the right name.
  const timeout = StatesTimeoutError === undefined ? new Error(cause) : new StatesTimeoutError();
  timeout.name = error;
  timeout.message = cause;
  return timeout;
}
