import type { JsonValue } from './interpreter';

/** The Map or Parallel state a nested run belongs to. */
export interface NestedMachine {
  readonly kind: 'Map' | 'Parallel';
  /** The Map or Parallel state's name. */
  readonly stateName: string;
  /** Parallel only: the branch's position in Branches. */
  readonly branch?: number;
}

/** A Map iteration that was still running when its Map state ended; recorded as MapIterationAborted. */
export interface MapIterationAbortedEvent {
  readonly type: 'MapIterationAborted';
  readonly timestamp: number;
  readonly index: number;
  readonly parentState: { readonly type: 'Map'; readonly name: string };
  /** The type of the state the iteration was in when it was stopped (recorded as e.g. TaskStateAborted). */
  readonly abortedStateType?: string;
}

export interface RunScopeOptions {
  /** The run that started this one; undefined for the execution's top-level run. */
  readonly parent?: RunScope;
  /** The Map or Parallel state this run is an iteration or branch of; undefined for the top-level run. */
  readonly nested?: NestedMachine;
  /** Map only: the iteration's index. */
  readonly index?: number;
  /** Aborted when this run or any run above it is aborted. */
  readonly signal: AbortSignal;
}

/**
 * One run of the interpreter within an execution: the top-level run, a Map iteration or a Parallel
 * branch. Concurrent iterations run states of the same names, so what a Task state needs to keep
 * per run (its raw input for TimeoutSecondsPath, its attempt count) lives here and not per name
 * in the execution; the signal tells a task that its iteration was stopped.
 */
export class RunScope {
  readonly parent: RunScope | undefined;
  readonly nested: NestedMachine | undefined;
  readonly index: number;
  readonly signal: AbortSignal;
  private readonly stateInputs = new Map<string, JsonValue>();
  private readonly attempts = new Map<string, number>();
  private readonly abortedIterations: MapIterationAbortedEvent[] = [];
  /** The type of the state this run is in, between its StateEntered and StateExited. */
  private currentStateType: string | undefined;

  constructor(options: RunScopeOptions) {
    this.parent = options.parent;
    this.nested = options.nested;
    this.index = options.index ?? 0;
    this.signal = options.signal;
  }

  /** Names the run in log lines, e.g. `Map AskApprovers iteration 1`; empty for the top-level run. */
  get label(): string {
    const own =
      this.nested === undefined
        ? ''
        : this.nested.kind === 'Map'
          ? `Map ${this.nested.stateName} iteration ${this.index}`
          : `Parallel ${this.nested.stateName} branch ${this.nested.branch ?? 0}`;
    const above = this.parent?.label ?? '';
    return [above, own].filter((part) => part !== '').join(', ');
  }

  /** The execution's top-level run. */
  get root(): RunScope {
    return this.parent?.root ?? this;
  }

  /** The raw input one of this run's own states had when it was last entered. */
  stateInput(stateName: string): JsonValue | undefined {
    return this.stateInputs.get(stateName);
  }

  recordStateInput(stateName: string, input: JsonValue): void {
    this.stateInputs.set(stateName, input);
  }

  /** One of this run's own states was entered (with its type) or exited (undefined). */
  recordCurrentState(stateType: string | undefined): void {
    this.currentStateType = stateType;
  }

  /** The type of the state this run is in, if it is in one. */
  get stateType(): string | undefined {
    return this.currentStateType;
  }

  /** 1 for the first task a state schedules in this run, 2 for its next (a retry or a loop back). */
  nextAttempt(stateName: string): number {
    const attempt = (this.attempts.get(stateName) ?? 0) + 1;
    this.attempts.set(stateName, attempt);
    return attempt;
  }

  /** An iteration of a Map state was stopped while it ran (kept by the top-level run, which records them). */
  iterationAborted(mapStateName: string, index: number, abortedStateType: string | undefined): void {
    this.abortedIterations.push({
      type: 'MapIterationAborted',
      timestamp: Date.now(),
      index,
      parentState: { type: 'Map', name: mapStateName },
      ...(abortedStateType === undefined ? {} : { abortedStateType }),
    });
  }

  /** Takes the stopped iterations of one Map state (all Map states when no name is given), in the order they stopped. */
  takeAbortedIterations(mapStateName?: string): MapIterationAbortedEvent[] {
    const taken = this.abortedIterations.filter((event) => mapStateName === undefined || event.parentState.name === mapStateName);
    for (const event of taken) this.abortedIterations.splice(this.abortedIterations.indexOf(event), 1);
    return taken;
  }
}
