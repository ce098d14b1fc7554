/**
 * What text from an execution input may hold, and how a bad value is shown in an error cause.
 * Every text field of a request (subject, details, employeeName) goes through the same checks.
 */

// C0 and C1 control characters, line and paragraph separators: nothing a field needs, and what
// breaks a subject line, a "Key: Value" line of the text email or a log line.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// Bidirectional embeddings, overrides and isolates: they make text display in another order than
// it is stored ("Trojan Source"), so an approver could read something else than what is decided.
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/;
// What a quoted value in a cause must not carry as is: JSON.stringify leaves these unescaped.
const UNSAFE_IN_CAUSE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const QUOTED_LENGTH = 64;

/** Length in Unicode code points: what a person counts as characters, an emoji being one. */
export function characterCount(text: string): number {
  return Array.from(text).length;
}

/** The first `limit` code points of `text`: never half of a surrogate pair. */
export function firstCharacters(text: string, limit: number): string {
  let result = '';
  let count = 0;
  for (const character of text) {
    if (count++ === limit) break;
    result += character;
  }
  return result;
}

/** A short, safe rendering of a bad value for an error cause: never the whole of a huge input. */
export function quote(value: string): string {
  const shown = characterCount(value) > QUOTED_LENGTH ? `${firstCharacters(value, QUOTED_LENGTH)}...` : value;
  // A cause is read in consoles and logs: invisible characters are shown as escapes, not obeyed.
  return JSON.stringify(shown).replace(UNSAFE_IN_CAUSE, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** "a number", "an array", "null": for causes such as "subject must be a string, not a number". */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** The characters `text` must not hold, as problems naming the field (`label`). */
export function characterProblems(label: string, text: string): string[] {
  const problems: string[] = [];
  if (CONTROL_CHARACTERS.test(text)) problems.push(`${label} contains control characters such as line breaks`);
  if (BIDI_CONTROLS.test(text)) {
    problems.push(`${label} contains Unicode bidirectional controls (U+202A to U+202E, U+2066 to U+2069)`);
  }
  return problems;
}

export interface TextRule {
  /** Most code points allowed. */
  readonly maxLength: number;
  /** Whether an empty or all-blank value is refused. */
  readonly required: boolean;
}

/** Problems of one text field that is present; `label` names it in the cause. */
export function textProblems(label: string, value: unknown, rule: TextRule): string[] {
  if (typeof value !== 'string') return [`${label} must be a string, not ${describeType(value)}`];
  if (rule.required && value.trim() === '') return [`${label} is empty`];
  const problems: string[] = [];
  const length = characterCount(value);
  if (length > rule.maxLength) problems.push(`${label} is ${length} characters long; the limit is ${rule.maxLength}`);
  return [...problems, ...characterProblems(label, value)];
}
