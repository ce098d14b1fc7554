import type { HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import type { ScopedRunEvent } from './scoped-run';

/** The fields of a history event besides its id, previous id, timestamp and type. */
export type HistoryEventDetails = Omit<HistoryEvent, 'id' | 'previousEventId' | 'timestamp' | 'type'>;

const NOT_TRUNCATED = { truncated: false } as const;

/** The `<Type>StateAborted` events the API has. */
const ABORTED_EVENT_TYPES: ReadonlySet<string> = new Set([
  'TaskStateAborted',
  'MapStateAborted',
  'ParallelStateAborted',
  'WaitStateAborted',
  'PassStateAborted',
]);

/** `Task` + `Entered` -> `TaskStateEntered`; only the state types the API has events for. */
function stateEventType(stateType: string, phase: 'Entered' | 'Exited'): HistoryEventType | undefined {
  const known = ['Task', 'Pass', 'Choice', 'Wait', 'Succeed', 'Fail', 'Parallel', 'Map'];
  if (!known.includes(stateType) || (stateType === 'Fail' && phase === 'Exited')) return undefined;
  return `${stateType}State${phase}` as HistoryEventType;
}

/** The interpreter's Cause as the API's string. */
export function describeCause(cause: unknown): string | undefined {
  if (cause === undefined || cause === null) return undefined;
  return typeof cause === 'string' ? cause : JSON.stringify(cause);
}

/**
 * The event history of one execution, as GetExecutionHistory returns it: the state events the
 * interpreter reports, mapped to the API's event types, interleaved with the activity and execution
 * events this endpoint records itself.
 */
export class ExecutionHistory {
  private readonly events: HistoryEvent[] = [];
  /** Map states whose iteration failed, each owed a MapStateFailed before the next event. */
  private pendingMapFailures = 0;

  /**
   * @param mapLength how many items a Map state iterates over, from its raw input (for
   *   MapStateStarted); undefined when it cannot be told, and then MapStateStarted is left out.
   */
  constructor(private readonly mapLength: (stateName: string, rawInput: unknown) => number | undefined = () => undefined) {}
  /** The last inputs and outputs recorded: a state's input is often the output before it, kept once. */
  private readonly recentData: string[] = [];

  get all(): readonly HistoryEvent[] {
    return this.events;
  }

  /**
   * Appends an event. Its previousEventId is the event before it unless `previousEventId` names
   * the event it follows from, as the service does for the events of one activity task (its
   * ActivityStarted follows its ActivityScheduled, its end follows its ActivityStarted), so a
   * reader can follow each task even when concurrent iterations interleave their events.
   */
  append(type: HistoryEventType, details: HistoryEventDetails = {}, previousEventId?: number): HistoryEvent {
    if (type.startsWith('Execution')) this.flushMapFailures();
    const previous = this.events.at(-1);
    const event: HistoryEvent = {
      timestamp: new Date(),
      type,
      id: this.events.length + 1,
      previousEventId: previousEventId ?? previous?.id ?? 0,
      ...details,
    };
    this.events.push(event);
    return event;
  }

  private flushMapFailures(): void {
    for (; this.pendingMapFailures > 0; this.pendingMapFailures--) this.append('MapStateFailed', {});
  }

  /** The latest StateEntered event, if any. */
  lastEntered(): HistoryEvent | undefined {
    return this.events.findLast((event) => event.stateEnteredEventDetails !== undefined);
  }

  /** The id of the latest StateEntered event of the state named, 0 when there is none yet. */
  lastEnteredEventId(stateName: string): number {
    const entered = this.events.findLast((event) => event.stateEnteredEventDetails?.name === stateName);
    return entered?.id ?? 0;
  }

  /**
   * `data`, or an equal string recorded shortly before: a backlog keeps thousands of histories,
   * and most of their size is the same input passed from state to state.
   */
  private shared(data: string): string {
    const earlier = this.recentData.find((recent) => recent === data);
    if (earlier !== undefined) return earlier;
    this.recentData.push(data);
    if (this.recentData.length > 4) this.recentData.shift();
    return data;
  }

  /**
   * Records what the interpreter reports; execution start and end are recorded by the execution
   * itself. A Map state's own events follow the histories recorded on AWS (LocalStack:
   * test_map_state_nested, test_map_state_catch, test_map_state_break_condition): MapStateStarted
   * with the item count after MapStateEntered; MapStateSucceeded before MapStateExited; MapStateFailed
   * after the failed iteration (and the iterations it stopped), before the Map's Catch or the
   * execution's failure.
   */
  recordInterpreterEvent(event: ScopedRunEvent): void {
    if (event.type !== 'MapIterationAborted') this.flushMapFailures();
    switch (event.type) {
      case 'StateEntered': {
        const type = stateEventType(event.state.type, 'Entered');
        if (type !== undefined) {
          const input = this.shared(JSON.stringify(event.state.input));
          // The first state follows from nothing: its previousEventId is 0, as in every history recorded on AWS.
          const first = this.events.length === 1 && this.events[0]?.type === 'ExecutionStarted';
          this.append(
            type,
            { stateEnteredEventDetails: { name: event.state.name, input, inputDetails: NOT_TRUNCATED } },
            first ? 0 : undefined,
          );
          if (event.state.type === 'Map') {
            const length = this.mapLength(event.state.name, event.state.input);
            if (length !== undefined) this.append('MapStateStarted', { mapStateStartedEventDetails: { length } });
          }
        }
        return;
      }
      case 'StateExited': {
        const type = stateEventType(event.state.type, 'Exited');
        if (type !== undefined) {
          if (event.state.type === 'Map' && this.events.at(-1)?.type !== 'MapStateFailed') this.append('MapStateSucceeded', {});
          const output = this.shared(JSON.stringify(event.state.output ?? null));
          this.append(type, { stateExitedEventDetails: { name: event.state.name, output, outputDetails: NOT_TRUNCATED } });
        }
        return;
      }
      case 'MapIterationStarted':
        this.append('MapIterationStarted', { mapIterationStartedEventDetails: { name: event.parentState.name, index: event.index } });
        return;
      case 'MapIterationSucceeded':
        this.append('MapIterationSucceeded', { mapIterationSucceededEventDetails: { name: event.parentState.name, index: event.index } });
        return;
      case 'MapIterationFailed':
        this.append('MapIterationFailed', { mapIterationFailedEventDetails: { name: event.parentState.name, index: event.index } });
        this.pendingMapFailures++;
        return;
      case 'MapIterationAborted':
        // The state the iteration was stopped in is aborted with it (recorded on AWS: test_service_lambda_map_timeout).
        if (event.abortedStateType !== undefined) {
          const aborted = `${event.abortedStateType}StateAborted`;
          if (ABORTED_EVENT_TYPES.has(aborted)) this.append(aborted as HistoryEventType, {});
        }
        this.append('MapIterationAborted', { mapIterationAbortedEventDetails: { name: event.parentState.name, index: event.index } });
        return;
      default:
        // A failure shows as the activity event before it, a retry as the next ActivityScheduled, a
        // Catch as the StateExited the interpreter reports after it; execution events are recorded
        // by the execution, and Parallel branches have no event of their own in the API.
        return;
    }
  }
}

/** Drops the inputs and outputs of history events (includeExecutionData: false). */
export function withoutExecutionData(event: HistoryEvent): HistoryEvent {
  const copy: Record<string, unknown> = { ...event };
  for (const [key, value] of Object.entries(copy)) {
    if (!key.endsWith('EventDetails') || typeof value !== 'object' || value === null) continue;
    const details: Record<string, unknown> = { ...value };
    for (const dataField of ['input', 'inputDetails', 'output', 'outputDetails']) delete details[dataField];
    copy[key] = details;
  }
  return copy as unknown as HistoryEvent;
}
