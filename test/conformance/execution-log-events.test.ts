import { DESIGNED_EXECUTION_ERRORS, executionFailedPattern, unexpectedFailurePattern } from '../../infra/constructs/approval-monitoring';
import { matchesJsonFilterPattern } from '../support/json-filter-pattern';
import { type Recording, recording } from './recordings';

/**
 * The metric filters on the state machine's log group, against the log events AWS wrote for a
 * failed execution: a filter must match the ExecutionFailed event by its `type` and
 * `details.error`, and nothing else the execution logged.
 */

interface LoggedEvents extends Recording {
  readonly loggedExecutionEvents: readonly Record<string, unknown>[];
}

/**
 * Level ALL with execution data (the approval machine's logging), and without it (a stack that uses
 * approvalDecisionTask(), whose executions carry a parent's task token in their input).
 */
const RECORDINGS = ['test_base[raise_failure.json5_ALL_True]', 'test_base[raise_failure.json5_ALL_False]'] as const;

describe.each(RECORDINGS)("the metric filters, against an execution's log events as recorded on AWS (%s)", (RECORDING) => {
  const loggedEvents = (): readonly Record<string, unknown>[] =>
    recording<LoggedEvents>('execution-log-events.json', RECORDING).loggedExecutionEvents;

  /** The `type` of each recorded event the pattern matches. */
  const matchedTypes = (pattern: string): unknown[] =>
    loggedEvents()
      .filter((event) => matchesJsonFilterPattern(pattern, event))
      .map((event) => event.type);

  it(`an outcome filter matches the ExecutionFailed event by type and details.error, and no other event (${RECORDING})`, () => {
    const pattern = executionFailedPattern(['SomeFailure']).logPatternString;

    expect(matchedTypes(pattern)).toEqual(['ExecutionFailed']);
  });

  it('an outcome filter for another error matches none of the events', () => {
    expect(matchedTypes(executionFailedPattern(['Rejected']).logPatternString)).toEqual([]);
  });

  it('the unexpected-failure filter matches the ExecutionFailed event of an error outside the designed outcomes, and no other event', () => {
    const failed = loggedEvents().find((event) => event.type === 'ExecutionFailed') as { details: { error: string } } | undefined;
    const pattern = unexpectedFailurePattern(DESIGNED_EXECUTION_ERRORS).logPatternString;

    expect(DESIGNED_EXECUTION_ERRORS).not.toContain(failed?.details.error);
    expect(pattern).toContain('!=');
    expect(matchedTypes(pattern)).toEqual(['ExecutionFailed']);
  });

  it('the unexpected-failure filter matches none of the events once their error is one of the designed outcomes', () => {
    const pattern = unexpectedFailurePattern([...DESIGNED_EXECUTION_ERRORS, 'SomeFailure']).logPatternString;

    expect(matchedTypes(pattern)).toEqual([]);
  });
});

describe('logging without execution data, as recorded on AWS', () => {
  it('logs no input of the execution or of a state, and keeps the error of ExecutionFailed', () => {
    const events = recording<LoggedEvents>('execution-log-events.json', 'test_base[raise_failure.json5_ALL_False]').loggedExecutionEvents;

    expect(events.map((event) => event.type)).toEqual(['ExecutionStarted', 'FailStateEntered', 'ExecutionFailed']);
    expect(JSON.stringify(events)).not.toContain('"input"');
    expect(events.at(-1)).toMatchObject({ details: { error: 'SomeFailure' } });
  });
});
