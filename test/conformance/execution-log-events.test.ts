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

const RECORDING = 'test_base[raise_failure.json5_ALL_True]';

function loggedEvents(): readonly Record<string, unknown>[] {
  return recording<LoggedEvents>('execution-log-events.json', RECORDING).loggedExecutionEvents;
}

/** The `type` of each recorded event the pattern matches. */
function matchedTypes(pattern: string): unknown[] {
  return loggedEvents()
    .filter((event) => matchesJsonFilterPattern(pattern, event))
    .map((event) => event.type);
}

describe("the metric filters, against an execution's log events as recorded on AWS", () => {
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
