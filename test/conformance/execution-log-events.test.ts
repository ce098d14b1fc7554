import { executionFailedPattern } from '../../infra/constructs/approval-monitoring';
import { type Recording, recording } from './recordings';

/**
 * The outcome metric filters on the state machine's log group, against the log events AWS wrote
 * for a failed execution: the filter must match the ExecutionFailed event by its `type` and
 * `details.error`, and nothing else the execution logged.
 */

interface LoggedEvents extends Recording {
  readonly loggedExecutionEvents: readonly Record<string, unknown>[];
}

/** The `$.path = "value"` terms of a pattern whose terms must all hold (one error name: no alternatives). */
function equalityTerms(pattern: string): { path: string[]; value: string }[] {
  return [...pattern.matchAll(/\$\.([\w.]+) = "([^"]*)"/g)].map(([, path = '', value = '']) => ({ path: path.split('.'), value }));
}

function matches(event: Record<string, unknown>, terms: readonly { path: string[]; value: string }[]): boolean {
  return terms.every(({ path, value }) => {
    let node: unknown = event;
    for (const key of path) node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
    return node === value;
  });
}

describe("the outcome metric filters, against an execution's log events as recorded on AWS", () => {
  it('match the ExecutionFailed event by type and details.error, and no other event (test_base[raise_failure.json5_ALL_True])', () => {
    const recorded = recording<LoggedEvents>('execution-log-events.json', 'test_base[raise_failure.json5_ALL_True]');
    const pattern = executionFailedPattern(['SomeFailure']).logPatternString;
    const terms = equalityTerms(pattern);

    const matched = recorded.loggedExecutionEvents.filter((event) => matches(event, terms)).map((event) => event.type);

    expect(pattern).not.toContain('||');
    expect(terms.map(({ path }) => path.join('.'))).toEqual(['type', 'details.error']);
    expect(matched).toEqual(['ExecutionFailed']);
  });
});
