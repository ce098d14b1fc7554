import { ExecutionAbortedError, type RunOptions } from 'aws-local-stepfunctions';
import { Interpreter, type InterpreterEvent, type InterpreterRun, type JsonValue, type TaskHandler } from './interpreter';
import { type MapIterationAbortedEvent, type NestedMachine, RunScope } from './run-scope';

/**
 * Runs a definition on aws-local-stepfunctions with a {@link RunScope} for every run: the
 * execution's top-level run, each Map iteration and each Parallel branch.
 *
 * The library calls a Task state's local handler with the state's input only, so concurrent
 * iterations that run states of the same name cannot be told apart, and a handler never learns
 * that its iteration was stopped: when one iteration fails, MapStateAction.execute (and
 * ParallelStateAction.execute) call `abort()` on every run it started, which ends those runs'
 * promises but reaches no task. Both are fixed at the one place every nested run passes through:
 * Map and Parallel states start their iterations and branches with `StateMachine.prototype.run`,
 * passing on the run options of the run they belong to. That method is wrapped (once, and it acts
 * only on runs started here, which carry {@link SCOPE} in their options) so that each run gets
 *   - its own RunScope, handed to the Task handlers of that run as their second argument;
 *   - an AbortSignal that the `abort()` the Map or Parallel state calls fires *synchronously*,
 *     chained (through the library's internal `_rootAbortSignal` run option) to the signals of
 *     the runs above it.
 * A handler that listens to its scope's signal therefore closes its task in the same call stack in
 * which the Map state gives up on its iterations. From the sibling's failure (a SendTaskFailure, or
 * a SendTaskSuccess that leads its iteration to a Fail state) to that call there are only promise
 * reactions, no timer and no I/O, so the event loop takes no other request in between: a click
 * that arrives after the sibling's answer finds its task closed (TaskDoesNotExist), and none is
 * accepted as a success that then counts for nothing.
 *
 * Relies on these internals of aws-local-stepfunctions 3.0.0 (main.node.cjs): nested runs go
 * through `StateMachine.prototype.run` with the parent's run options; `run()` honours
 * `options._rootAbortSignal`; the instance keeps its definition object in `definition`; Map
 * iterations are started in index order on one StateMachine instance per Map state execution.
 */

/** Marks the run options of runs started by {@link runScoped}. */
const SCOPE = Symbol('local-step-functions run scope');
const WRAPPED = Symbol('local-step-functions run wrapper');

export type ScopedTaskHandler = (input: JsonValue, scope: RunScope) => Promise<JsonValue>;

/** What the top-level run's event stream carries: the interpreter's events and the stopped Map iterations. */
export type ScopedRunEvent = InterpreterEvent | MapIterationAbortedEvent;

export interface ScopedRunOptions {
  /** Task state handlers by state name (names are unique across the whole machine). */
  readonly handlers: Readonly<Record<string, ScopedTaskHandler>>;
  readonly context: Record<string, unknown>;
  /** The Map ItemProcessors and Parallel branches of the definition run, by object identity. */
  readonly nestedMachines: ReadonlyMap<object, NestedMachine>;
}

export interface ScopedRun {
  readonly scope: RunScope;
  readonly result: Promise<JsonValue>;
  readonly eventLogs: AsyncGenerator<ScopedRunEvent>;
  abort(): void;
}

interface ScopeState {
  readonly options: ScopedRunOptions;
  /** The run the next run started with these options belongs to. */
  readonly parent: RunScope;
}

type WrappedRunOptions = RunOptions & { [SCOPE]?: ScopeState; _rootAbortSignal?: AbortSignal };
type RunMethod = (this: Interpreter, input: JsonValue, options?: RunOptions) => InterpreterRun;

const prototype = Interpreter.prototype as unknown as { [WRAPPED]?: RunMethod; run: RunMethod };
/** The library's own run method. */
const libraryRun: RunMethod = prototype[WRAPPED] ?? prototype.run;
/** Map iterations started so far per iterator instance (one instance per Map state execution). */
const iterationsStarted = new WeakMap<Interpreter, number>();
/** Iterator and branch instances whose Map or Parallel state has ended: they start nothing more. */
const endedMachines = new WeakSet<Interpreter>();

function definitionOf(machine: Interpreter): { States?: Record<string, unknown> } {
  return (machine as unknown as { definition: { States?: Record<string, unknown> } }).definition;
}

/** The names of the states a definition runs itself (not those of its Map iterations or Parallel branches). */
const ownStatesByDefinition = new WeakMap<object, ReadonlySet<string>>();
function ownStatesOf(machine: Interpreter): ReadonlySet<string> {
  const definition = definitionOf(machine);
  let states = ownStatesByDefinition.get(definition);
  if (states === undefined) {
    states = new Set(Object.keys(definition.States ?? {}));
    ownStatesByDefinition.set(definition, states);
  }
  return states;
}

/** A run that never starts: an iteration queued behind MaxConcurrency whose Map state has already ended. */
function neverStarted(): InterpreterRun {
  const result = Promise.reject(new ExecutionAbortedError());
  result.catch(() => undefined);
  return {
    abort: () => undefined,
    result,
    eventLogs: (async function* none(): AsyncGenerator<InterpreterEvent> {})(),
  };
}

/**
 * The top-level run's events, as the execution records them: the raw input of the run's own
 * states goes to its scope, and the MapIterationAborted events of Map states at any depth are
 * placed after the MapIterationFailed that stopped them, and in any case before the Map state's
 * own next event or the end of the run. Only the execution reads this stream, at its own pace.
 */
async function* topLevelEvents(
  events: AsyncGenerator<ScopedRunEvent>,
  scope: RunScope,
  ownStates: ReadonlySet<string>,
): AsyncGenerator<ScopedRunEvent> {
  for await (const event of events) {
    let before: MapIterationAbortedEvent[] = [];
    let after: MapIterationAbortedEvent[] = [];
    if (event.type === 'MapIterationFailed') {
      after = scope.takeAbortedIterations(event.parentState.name);
    } else if ('state' in event) {
      before = scope.takeAbortedIterations(event.state.name);
      recordOwnState(event, scope, ownStates);
    } else if (
      event.type === 'ExecutionSucceeded' ||
      event.type === 'ExecutionFailed' ||
      event.type === 'ExecutionAborted' ||
      event.type === 'ExecutionTimeout'
    ) {
      before = scope.takeAbortedIterations();
    }
    for (const aborted of before) yield aborted;
    yield event;
    for (const aborted of after) yield aborted;
  }
  for (const aborted of scope.takeAbortedIterations()) yield aborted;
}

/** Keeps, in the run's scope, the raw input of its own states and the type of the state it is in. */
function recordOwnState(event: ScopedRunEvent, scope: RunScope, ownStates: ReadonlySet<string>): void {
  if (!('state' in event) || !ownStates.has(event.state.name)) return;
  if (event.type === 'StateEntered') {
    scope.recordStateInput(event.state.name, event.state.input);
    scope.recordCurrentState(event.state.type);
  } else if (event.type === 'StateExited') {
    scope.recordCurrentState(undefined);
  }
}

/**
 * A nested run's events, passed on untouched: the Map or Parallel state forwards them to the
 * run above, whose event stream stops taking events the moment that run ends, so a wrapper that
 * delayed them would lose the last ones. The raw input of the run's own states is read on the
 * side instead, by a reaction on each pulled event registered before the forwarder's own.
 */
function nestedEvents(
  events: AsyncGenerator<ScopedRunEvent>,
  scope: RunScope,
  ownStates: ReadonlySet<string>,
): AsyncGenerator<ScopedRunEvent> {
  const next = events.next.bind(events);
  events.next = (...args) => {
    const pulled = next(...args);
    pulled.then(
      (result) => {
        const event = result.done === true ? undefined : result.value;
        if (event !== undefined) recordOwnState(event, scope, ownStates);
      },
      () => undefined,
    );
    return pulled;
  };
  return events;
}

function startRun(
  machine: Interpreter,
  input: JsonValue,
  options: WrappedRunOptions | undefined,
  state: ScopeState | undefined,
  scoped: ScopedRunOptions,
): ScopedRun {
  const parent = state?.parent;
  const nested = parent === undefined ? undefined : scoped.nestedMachines.get(definitionOf(machine));
  let index = 0;
  if (nested?.kind === 'Map') {
    index = iterationsStarted.get(machine) ?? 0;
    iterationsStarted.set(machine, index + 1);
  }
  const parentSignal = options?._rootAbortSignal;
  const controller = new AbortController();
  const signal = controller.signal;
  // Chained by hand rather than with AbortSignal.any, which costs several kilobytes per run (a
  // backlog keeps thousands of runs open); an abort event is dispatched synchronously either way.
  const abortWithParent = (): void => controller.abort();
  if (parentSignal?.aborted === true) controller.abort();
  else parentSignal?.addEventListener('abort', abortWithParent, { once: true });
  const scope = new RunScope({ parent, nested, index, signal });
  if (parent !== undefined && (endedMachines.has(machine) || signal.aborted)) {
    parentSignal?.removeEventListener('abort', abortWithParent);
    return { scope, ...neverStarted() };
  }
  const handlers = Object.fromEntries(
    Object.entries(scoped.handlers).map(([stateName, handler]): [string, TaskHandler] => [
      stateName,
      (taskInput) => handler(taskInput, scope),
    ]),
  );
  const runOptions: WrappedRunOptions = {
    ...options,
    context: options?.context ?? scoped.context,
    overrides: { ...options?.overrides, taskResourceLocalHandlers: handlers },
    _rootAbortSignal: signal,
    [SCOPE]: { options: scoped, parent: scope },
  };
  const run = libraryRun.call(machine, input, runOptions);
  let ended = false;
  // Registered before the Map or Parallel state awaits this result, so a run that ended is known
  // to have ended by the time that state aborts its runs.
  const runEnded = (): void => {
    ended = true;
    parentSignal?.removeEventListener('abort', abortWithParent);
  };
  run.result.then(runEnded, runEnded);
  const ownStates = ownStatesOf(machine);
  return {
    scope,
    result: run.result,
    eventLogs: parent === undefined ? topLevelEvents(run.eventLogs, scope, ownStates) : nestedEvents(run.eventLogs, scope, ownStates),
    abort: () => {
      if (nested !== undefined) endedMachines.add(machine);
      // Only a Map iteration still running is stopped (one that ended stays Succeeded or Failed).
      if (nested?.kind === 'Map' && !ended) scope.root.iterationAborted(nested.stateName, index, scope.stateType);
      controller.abort();
      run.abort();
    },
  };
}

if (prototype[WRAPPED] === undefined) {
  prototype[WRAPPED] = libraryRun;
  prototype.run = function scopedRun(this: Interpreter, input: JsonValue, options?: WrappedRunOptions): InterpreterRun {
    const state = options?.[SCOPE];
    if (state === undefined) return libraryRun.call(this, input, options);
    // The Map or Parallel state forwards the events of this run as they are, including the
    // MapIterationAborted events it does not know (its forwarders pass unknown types on).
    return startRun(this, input, options, state, state.options) as unknown as InterpreterRun;
  };
}

/** Runs the definition with a scope per run; see the top of this file. */
export function runScoped(interpreter: Interpreter, input: JsonValue, options: ScopedRunOptions): ScopedRun {
  return startRun(interpreter, input, { context: options.context }, undefined, options);
}
