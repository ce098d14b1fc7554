import { compileEventPattern, InvalidEventPatternError } from '../../local/events/event-pattern';
import type { LocalEvent } from '../../local/events/server';
import { RECORDED_PATTERN_CASES, type RecordedOutcome, type RecordedPatternCase } from './recorded-event-patterns';

/**
 * The local EventBridge's event patterns: each match type of "Content filtering in Amazon EventBridge
 * event patterns" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html)
 * both ways, then EventBridge's own recorded answers (recorded-event-patterns.ts).
 */

const EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:ReleaseApproval:release-2024-06-03';

function statusChange(detail: Record<string, unknown>): LocalEvent {
  return {
    version: '0',
    id: '315c1398-40ff-a850-213b-158f73e60175',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '123456789012',
    time: '2024-06-03T09:12:44Z',
    region: 'us-east-1',
    resources: [EXECUTION_ARN],
    detail,
  };
}

const matches = (pattern: unknown, event: LocalEvent): boolean => compileEventPattern(pattern)(event);

describe('match types, each both ways', () => {
  const failed = statusChange({ status: 'FAILED', name: 'release-2024-06-03', error: 'Approval.Rejected', redriveCount: 0, output: null });
  const succeeded = statusChange({ status: 'SUCCEEDED', name: 'hotfix-17', error: null, redriveCount: 2, output: '{"approved":true}' });

  it.each<[string, unknown, LocalEvent, boolean]>([
    ['an exact string, among others', { source: ['aws.states'], detail: { status: ['FAILED', 'TIMED_OUT'] } }, failed, true],
    ['an exact string the event lacks', { detail: { status: ['FAILED', 'TIMED_OUT'] } }, succeeded, false],
    ['an exact number', { detail: { redriveCount: [2] } }, succeeded, true],
    ['an exact number against another', { detail: { redriveCount: [2] } }, failed, false],
    ['null', { detail: { output: [null] } }, failed, true],
    ['null against a string', { detail: { output: [null] } }, succeeded, false],
    ['an element of an array in the event', { resources: [EXECUTION_ARN] }, failed, true],
    ['prefix', { detail: { name: [{ prefix: 'release-' }] } }, failed, true],
    ['prefix, not there', { detail: { name: [{ prefix: 'release-' }] } }, succeeded, false],
    ['prefix ignoring case', { detail: { error: [{ prefix: { 'equals-ignore-case': 'approval.' } }] } }, failed, true],
    ['suffix', { resources: [{ suffix: ':release-2024-06-03' }] }, failed, true],
    ['suffix, not there', { detail: { name: [{ suffix: '-03' }] } }, succeeded, false],
    ['anything-but a string', { detail: { status: [{ 'anything-but': 'SUCCEEDED' }] } }, failed, true],
    ['anything-but the string itself', { detail: { status: [{ 'anything-but': 'SUCCEEDED' }] } }, succeeded, false],
    ['anything-but a list', { detail: { status: [{ 'anything-but': ['SUCCEEDED', 'RUNNING'] }] } }, succeeded, false],
    ['anything-but a prefix', { detail: { name: [{ 'anything-but': { prefix: 'hotfix-' } }] } }, failed, true],
    ['anything-but a prefix it has', { detail: { name: [{ 'anything-but': { prefix: 'hotfix-' } }] } }, succeeded, false],
    ['exists: true', { detail: { error: [{ exists: true }] } }, failed, true],
    ['exists: true of a missing field', { detail: { cause: [{ exists: true }] } }, failed, false],
    ['exists: false of a missing field', { detail: { cause: [{ exists: false }] } }, failed, true],
    ['exists: false of a present field', { detail: { status: [{ exists: false }] } }, failed, false],
    ['a numeric range', { detail: { redriveCount: [{ numeric: ['>', 0, '<=', 5] }] } }, succeeded, true],
    ['a numeric range it is outside', { detail: { redriveCount: [{ numeric: ['>', 0, '<=', 5] }] } }, failed, false],
    ['equals-ignore-case', { detail: { status: [{ 'equals-ignore-case': 'failed' }] } }, failed, true],
    ['equals-ignore-case, another word', { detail: { status: [{ 'equals-ignore-case': 'failed' }] } }, succeeded, false],
    ['wildcard', { resources: [{ wildcard: 'arn:aws:states:*:execution:ReleaseApproval:*' }] }, failed, true],
    ['wildcard, another name', { detail: { name: [{ wildcard: 'release-*-03' }] } }, succeeded, false],
    ['$or, one branch', { detail: { $or: [{ status: ['FAILED'] }, { redriveCount: [{ numeric: ['>', 0] }] }] } }, succeeded, true],
    ['$or, no branch', { detail: { $or: [{ status: ['TIMED_OUT'] }, { redriveCount: [{ numeric: ['>', 5] }] }] } }, failed, false],
    ['nested objects and a dotted key alike', { 'detail.status': ['FAILED'], detail: { name: ['release-2024-06-03'] } }, failed, true],
  ])('%s', (_case, pattern, event, expected) => {
    expect(matches(pattern, event)).toBe(expected);
  });

  it.each<[string, unknown, string]>([
    ['IP address matching', { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } }, 'cidr'],
    ['an unknown match type', { detail: { status: [{ contains: 'FAIL' }] } }, 'Unrecognized match type contains'],
    ['a bare value, not in a list', { source: 'aws.states' }, '"source" must be an object or an array'],
    ['a pattern that is not an object', ['aws.states'], 'Filter is not an object'],
  ])('refuses %s with InvalidEventPatternError naming it', (_case, pattern, named) => {
    expect(() => compileEventPattern(pattern)).toThrow(InvalidEventPatternError);
    expect(() => compileEventPattern(pattern)).toThrow(named);
  });
});

describe("EventBridge's recorded answers", () => {
  /** Where the stand-in knowingly answers otherwise, and what it answers instead. */
  const DEPARTURES: Readonly<Record<string, string>> = {
    content_wildcard_complex_EXC: 'EventBridge refuses a wildcard pattern it finds too complex; the stand-in has no such limit',
  };
  const servesCase = (recordedCase: RecordedPatternCase): boolean =>
    !JSON.stringify(recordedCase.pattern).includes('"cidr"') && !(recordedCase.name in DEPARTURES);

  const outcome = (recordedCase: RecordedPatternCase): RecordedOutcome => {
    try {
      // The recorded events are any JSON, as TestEventPattern takes them, not always whole events.
      return compileEventPattern(recordedCase.pattern)(recordedCase.event as unknown as LocalEvent) ? 'match' : 'no match';
    } catch (error) {
      if (!(error instanceof InvalidEventPatternError)) throw error;
      return { invalid: error.message.replace('Event pattern is not valid. Reason: ', '') };
    }
  };

  it.each(RECORDED_PATTERN_CASES.filter(servesCase).map((recordedCase) => [recordedCase.name, recordedCase] as const))(
    '%s',
    (_name, recordedCase) => {
      expect(outcome(recordedCase)).toEqual(recordedCase.recorded);
    },
  );

  it('refuses every IP address (cidr) pattern as not served, instead of answering', () => {
    const cidrCases = RECORDED_PATTERN_CASES.filter((recordedCase) => JSON.stringify(recordedCase.pattern).includes('"cidr"'));

    expect(cidrCases.length).toBeGreaterThan(5);
    for (const recordedCase of cidrCases) {
      expect(() => compileEventPattern(recordedCase.pattern)).toThrow('does not serve the cidr match type');
    }
  });

  it('accepts the wildcard pattern EventBridge finds too complex', () => {
    const complex = RECORDED_PATTERN_CASES.find((recordedCase) => recordedCase.name === 'content_wildcard_complex_EXC');
    if (complex === undefined) throw new Error('The recorded case content_wildcard_complex_EXC is missing.');

    expect(JSON.stringify(complex.recorded)).toContain('Rule is too complex');
    expect(outcome(complex)).toBe('match');
  });
});
