import type { LocalEvent } from './server';

/**
 * EventBridge event patterns, as the user guide describes them: "Amazon EventBridge event patterns"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html), "Content
 * filtering in Amazon EventBridge event patterns"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html)
 * and "Comparison operators for use in event patterns"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html).
 *
 * Pattern and event are both read as flat lists of dotted paths to leaf values ("Considerations when
 * creating event patterns": `"state.status"` in a pattern names the same field as `state: {status}`),
 * and an array in the event offers each of its elements to the pattern. A field matches when any of
 * its pattern's values matches; the pattern matches when every field (and one branch of each `$or`)
 * does. Refusals carry the reasons EventBridge gives (recorded by LocalStack's
 * tests/aws/services/events/test_events_patterns.snapshot.json).
 *
 * Not served: IP address matching (`cidr`), EventBridge's refusal of wildcard patterns it finds too
 * complex, and the rule that fields matched inside an array of objects come from one element.
 */

/** A pattern EventBridge would refuse, or one this stand-in does not serve. */
export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternError';
}

/** EventBridge's refusal: InvalidEventPatternException's message, "Event pattern is not valid. Reason: …". */
function refused(reason: string): InvalidEventPatternError {
  return new InvalidEventPatternError(`Event pattern is not valid. Reason: ${reason}`);
}

type Leaf = string | number | boolean | null;

/** One value of a field's pattern list: a test of one leaf value, or of the field's presence. */
type LeafMatcher = { readonly kind: 'value'; test(value: Leaf): boolean } | { readonly kind: 'exists'; readonly exists: boolean };

interface CompiledPattern {
  readonly fields: ReadonlyArray<{ readonly path: string; readonly matchers: readonly LeafMatcher[] }>;
  /** Each `$or`: one of its branches must match. */
  readonly alternatives: ReadonlyArray<readonly CompiledPattern[]>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isLeaf = (value: unknown): value is Leaf =>
  value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

const equalLeaves = (a: Leaf, b: Leaf): boolean => a === b;
const lower = (text: string): string => text.toLowerCase();

/** A test of string values only: numbers, booleans and null never satisfy a string operator. */
const onStrings =
  (test: (text: string) => boolean) =>
  (value: Leaf): boolean =>
    typeof value === 'string' && test(value);

/**
 * `wildcard`: `*` stands for any run of characters; `\*` and `\\` are a literal star and backslash
 * (user guide, "Wildcard matching").
 */
function wildcardTest(pattern: string): (text: string) => boolean {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const character = pattern[index] ?? '';
    if (character === '\\') {
      const next = pattern[index + 1];
      if (next !== '*' && next !== '\\') throw refused(`Invalid escape character at pos ${index}`);
      source += `\\${next}`;
      index++;
    } else if (character === '*') {
      if (pattern[index + 1] === '*') throw refused(`Consecutive wildcard characters at pos ${index + 1}`);
      source += '.*';
    } else {
      source += character.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  const expression = new RegExp(`^${source}$`, 's');
  return (text) => expression.test(text);
}

/** `prefix` or `suffix` with a string, or with `{"equals-ignore-case": string}`. */
function affixTest(operator: 'prefix' | 'suffix', operand: unknown): (value: Leaf) => boolean {
  const ends = (text: string, affix: string): boolean => (operator === 'prefix' ? text.startsWith(affix) : text.endsWith(affix));
  if (typeof operand === 'string') return onStrings((text) => ends(text, operand));
  if (isRecord(operand) && Object.keys(operand).length === 1 && typeof operand['equals-ignore-case'] === 'string') {
    const affix = lower(operand['equals-ignore-case']);
    return onStrings((text) => ends(lower(text), affix));
  }
  throw refused(`${operator} match pattern must be a string`);
}

const ANYTHING_BUT_SHAPE = 'Value of anything-but must be an array or single string/number value.';

/** The values `anything-but` excludes: one of them, a list, or a string operator's matches. */
function anythingButExcludes(operand: unknown): (value: Leaf) => boolean {
  if (typeof operand === 'string' || typeof operand === 'number') return (value) => equalLeaves(value, operand);
  if (Array.isArray(operand)) {
    if (operand.length === 0) throw refused('Empty arrays are not allowed');
    if (!operand.every((item) => typeof item === 'string' || typeof item === 'number')) {
      throw refused('Inside anything but list, start|null|boolean is not supported.');
    }
    const excluded: readonly Leaf[] = operand;
    return (value) => excluded.some((item) => equalLeaves(value, item));
  }
  if (!isRecord(operand) || Object.keys(operand).length !== 1) throw refused(ANYTHING_BUT_SHAPE);
  const [operator, inner] = Object.entries(operand)[0] ?? [];
  const strings = (items: unknown, reason: string): readonly string[] => {
    const list = Array.isArray(items) ? items : [items];
    if (list.length === 0) throw refused('Empty arrays are not allowed');
    if (!list.every((item): item is string => typeof item === 'string')) throw refused(reason);
    return list;
  };
  switch (operator) {
    case 'prefix':
    case 'suffix': {
      // A nested `{"equals-ignore-case": …}` is refused here, as recorded.
      if (isRecord(inner)) throw refused(ANYTHING_BUT_SHAPE);
      const affixes = strings(inner, 'prefix/suffix match pattern must be a string');
      if (affixes.includes('')) throw refused('Null prefix/suffix not allowed');
      return onStrings((text) => affixes.some((affix) => (operator === 'prefix' ? text.startsWith(affix) : text.endsWith(affix))));
    }
    case 'equals-ignore-case': {
      const excluded = strings(inner, 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.').map(
        lower,
      );
      return onStrings((text) => excluded.includes(lower(text)));
    }
    case 'wildcard': {
      const tests = strings(inner, 'wildcard match pattern must be a string').map(wildcardTest);
      return onStrings((text) => tests.some((test) => test(text)));
    }
    default:
      throw unsupportedOrUnknown(`anything-but/${operator ?? ''}`, operator ?? '');
  }
}

/** Documented match types this stand-in does not serve. */
const UNSUPPORTED_MATCH_TYPES: ReadonlySet<string> = new Set(['cidr']);

function unsupportedOrUnknown(label: string, operator: string): InvalidEventPatternError {
  if (UNSUPPORTED_MATCH_TYPES.has(operator)) {
    return new InvalidEventPatternError(`The local EventBridge does not serve the ${label} match type of event patterns.`);
  }
  return refused(`Unrecognized match type ${operator}`);
}

const NUMERIC_OPERATORS = ['=', '<', '<=', '>', '>='] as const;
type NumericOperator = (typeof NUMERIC_OPERATORS)[number];

/** `numeric`: `["=", x]`, or at most one lower (`>`, `>=`) and one upper (`<`, `<=`) bound. */
function numericTest(operand: unknown): (value: Leaf) => boolean {
  if (!Array.isArray(operand)) throw refused('Value of numeric must be an array.');
  if (operand.length === 0) throw refused('Empty arrays are not allowed');
  const bounds: Array<(value: number) => boolean> = [];
  let lowerBound = false;
  let upperBound = false;
  let equals = false;
  for (let index = 0; index < operand.length; index += 2) {
    const operator: unknown = operand[index];
    if (typeof operator !== 'string' || !(NUMERIC_OPERATORS as readonly string[]).includes(operator)) {
      throw refused(`Unrecognized numeric range operator: ${String(operator)}`);
    }
    const limit: unknown = operand[index + 1];
    if (typeof limit !== 'number') throw refused(`Value of ${operator} must be numeric`);
    const isLower = operator === '>' || operator === '>=';
    const isUpper = operator === '<' || operator === '<=';
    if (equals || (operator === '=' && index > 0) || (isLower && lowerBound) || (isUpper && upperBound)) {
      throw refused(`Bad numeric range operator: ${operator}`);
    }
    lowerBound ||= isLower;
    upperBound ||= isUpper;
    equals ||= operator === '=';
    const compare: Record<NumericOperator, (value: number) => boolean> = {
      '=': (value) => value === limit,
      '<': (value) => value < limit,
      '<=': (value) => value <= limit,
      '>': (value) => value > limit,
      '>=': (value) => value >= limit,
    };
    bounds.push(compare[operator as NumericOperator]);
  }
  // JSON numbers only: "300" is a string, not a number (recorded case numeric-string_NEG).
  return (value) => typeof value === 'number' && bounds.every((bound) => bound(value));
}

/** One element of a field's pattern list. */
function leafMatcher(element: unknown): LeafMatcher {
  if (isLeaf(element)) return { kind: 'value', test: (value) => equalLeaves(value, element) };
  if (!isRecord(element)) throw refused('Match value must be a string, number, boolean, null or an object with one match type');
  const entries = Object.entries(element);
  const [operator, operand] = entries[0] ?? [];
  if (operator === undefined || entries.length !== 1) {
    throw refused('Each match expression must have exactly one match type');
  }
  switch (operator) {
    case 'prefix':
    case 'suffix':
      return { kind: 'value', test: affixTest(operator, operand) };
    case 'equals-ignore-case': {
      if (typeof operand !== 'string') throw refused('equals-ignore-case match pattern must be a string');
      const expected = lower(operand);
      return { kind: 'value', test: onStrings((text) => lower(text) === expected) };
    }
    case 'wildcard': {
      if (typeof operand !== 'string') throw refused('wildcard match pattern must be a string');
      return { kind: 'value', test: onStrings(wildcardTest(operand)) };
    }
    case 'anything-but': {
      if (operand === null || typeof operand === 'boolean') throw refused(ANYTHING_BUT_SHAPE);
      const excludes = anythingButExcludes(operand);
      // A leaf of another type (a number against a string, null) is "anything but" too.
      return { kind: 'value', test: (value) => !excludes(value) };
    }
    case 'numeric':
      return { kind: 'value', test: numericTest(operand) };
    case 'exists':
      if (typeof operand !== 'boolean') throw refused('exists match pattern must be either true or false.');
      return { kind: 'exists', exists: operand };
    default:
      throw unsupportedOrUnknown(operator, operator);
  }
}

function compileObject(pattern: Record<string, unknown>, prefix: string): CompiledPattern {
  const fields: Array<{ path: string; matchers: readonly LeafMatcher[] }> = [];
  const alternatives: Array<readonly CompiledPattern[]> = [];
  for (const [key, value] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isRecord)) {
        throw refused('$or must be an array of at least two objects');
      }
      alternatives.push(value.map((branch) => compileObject(branch, prefix)));
    } else if (Array.isArray(value)) {
      if (value.length === 0) throw refused('Empty arrays are not allowed');
      fields.push({ path: `${prefix}${key}`, matchers: value.map(leafMatcher) });
    } else if (isRecord(value)) {
      const nested = compileObject(value, `${prefix}${key}.`);
      fields.push(...nested.fields);
      alternatives.push(...nested.alternatives);
    } else {
      throw refused(`"${key}" must be an object or an array`);
    }
  }
  return { fields, alternatives };
}

/** The event's leaf values by dotted path; an array contributes each element at its own path. */
function flatten(value: unknown, path: string, into: Map<string, Leaf[]>): Map<string, Leaf[]> {
  if (Array.isArray(value)) {
    for (const element of value) flatten(element, path, into);
  } else if (isRecord(value)) {
    for (const [key, child] of Object.entries(value)) flatten(child, path === '' ? key : `${path}.${key}`, into);
  } else if (isLeaf(value)) {
    const values = into.get(path);
    if (values === undefined) into.set(path, [value]);
    else values.push(value);
  }
  return into;
}

function matches(pattern: CompiledPattern, event: ReadonlyMap<string, readonly Leaf[]>): boolean {
  const fieldsMatch = pattern.fields.every(({ path, matchers }) => {
    const values = event.get(path) ?? [];
    return matchers.some((matcher) =>
      matcher.kind === 'exists' ? matcher.exists === values.length > 0 : values.some((value) => matcher.test(value)),
    );
  });
  return fieldsMatch && pattern.alternatives.every((branches) => branches.some((branch) => matches(branch, event)));
}

/**
 * The test a rule's event pattern makes of each event. Throws InvalidEventPatternError for a pattern
 * EventBridge would refuse (with its reason) or one that uses a match type this stand-in does not serve.
 */
export function compileEventPattern(pattern: unknown): (event: LocalEvent) => boolean {
  // EventBridge's reason for a pattern that is valid JSON but not an object (recorded).
  if (!isRecord(pattern)) throw refused('Filter is not an object');
  const compiled = compileObject(pattern, '');
  return (event) => matches(compiled, flatten(event, '', new Map()));
}
