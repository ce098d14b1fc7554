/**
 * What text from an execution input may hold, how a bad value is shown in an error cause, and how
 * text anyone could have shaped is shown safely: dropped characters in pages and emails, escapes in
 * logs and on a terminal. Every text field of a request (subject, details, employeeName) goes
 * through the same checks.
 */

/** `\u202e`: how an escaped character reads, in JavaScript, JSON and Java regexes alike. */
function unicodeEscape(unit: number): string {
  return `\\u${unit.toString(16).padStart(4, '0')}`;
}

/** `U+202E`, as the Unicode standard names a code point: how a cause names a refused character. */
function codePointName(character: string): string {
  return `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Characters that change how the text around them is shown while showing nothing themselves, as
 * code point ranges:
 * - Unicode's Bidi_Control characters. The embeddings, overrides and isolates (U+202A to U+202E,
 *   U+2066 to U+2069) make text display in another order than it is stored ("Trojan Source"); the
 *   marks (U+061C, U+200E, U+200F) move the digits and punctuation around them.
 * - The deprecated format characters U+206A to U+206F, which swap brackets and digit shapes, and
 *   the interlinear annotation characters U+FFF9 to U+FFFB, which some renderers use to hide text.
 * Pages and emails drop them; the CLI prints them escaped.
 */
const HIDDEN_CHARACTER_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x061c, 0x061c],
  [0x200e, 0x200f],
  [0x202a, 0x202e],
  [0x2066, 0x206f],
  [0xfff9, 0xfffb],
];

/** The hidden characters as a regex character class that JavaScript and Java read alike. */
export const HIDDEN_CHARACTER_CLASS = `[${HIDDEN_CHARACTER_RANGES.map(([first, last]) =>
  first === last ? unicodeEscape(first) : `${unicodeEscape(first)}-${unicodeEscape(last)}`,
).join('')}]`;

// C0 and C1 control characters, line and paragraph separators: nothing a field needs, and what
// breaks a subject line, a "Key: Value" line of the text email or a log line.
const CONTROL_CHARACTERS = '[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]';
// The bidirectional controls refused since requests were first checked for them: the embeddings,
// overrides and isolates.
const BIDI_EMBEDDINGS = '[\\u202a-\\u202e\\u2066-\\u2069]';
const BIDI_MARKS = '[\\u061c\\u200e\\u200f]';
const HIDDEN_FORMAT_CHARACTERS = '[\\u206a-\\u206f\\ufff9-\\ufffb]';
// Half of a surrogate pair on its own: not a character, and no UTF-8 text can hold it.
const LONE_SURROGATE = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]';

const HIDDEN = new RegExp(HIDDEN_CHARACTER_CLASS, 'g');
// What a printed value (a cause, a log field, the CLI's output) shows as an escape instead.
const UNSAFE_TO_PRINT = new RegExp([CONTROL_CHARACTERS, HIDDEN_CHARACTER_CLASS, LONE_SURROGATE].join('|'), 'g');
// The same, minus what JSON.stringify escapes already (C0 controls, lone surrogates).
const UNSAFE_IN_JSON = new RegExp(`[\\u007f-\\u009f\\u2028\\u2029]|${HIDDEN_CHARACTER_CLASS}`, 'g');

/**
 * `text` with every control character, bidirectional control, hidden format character and lone
 * surrogate written as a `\uXXXX` escape: safe to print on a terminal or in a log line, where
 * those characters would be obeyed (reorder the line, move the cursor) instead of seen.
 */
export function escapeUnsafeCharacters(text: string): string {
  return text.replace(UNSAFE_TO_PRINT, (character) => unicodeEscape(character.charCodeAt(0)));
}

/**
 * JSON text with the characters JSON.stringify leaves as they are (C1 controls, U+2028, U+2029,
 * bidirectional controls, hidden format characters) written as `\uXXXX` escapes. They can only
 * occur inside strings, where the escape means the same character: the document parses to the
 * same value, and prints as what it is.
 */
export function escapeUnsafeInJson(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (character) => unicodeEscape(character.charCodeAt(0)));
}

/**
 * `text` without its hidden characters, for a page or an email that shows it: what is shown is
 * then what is stored, in the order it is stored.
 */
export function withoutHiddenCharacters(text: string): string {
  return text.replace(HIDDEN, '');
}

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
  return escapeUnsafeInJson(JSON.stringify(shown));
}

/** "a number", "an array", "null": for causes such as "subject must be a string, not a number". */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/**
 * Which characters a check refuses. `request`: what a person may put in a request (CheckRequest,
 * `approval start`). `task`: the worker's second look at each task, which also sees tasks of
 * requests accepted before the bidirectional marks and the hidden format characters were refused;
 * those are tolerated there, and dropped wherever the email shows the text.
 */
export type CharacterRules = 'request' | 'task';

interface RefusedCharacters {
  /** What the text contains, before the code points found: "contains Unicode bidirectional controls". */
  readonly problem: string;
  /** Why they are refused, after the code points, when the problem does not say it. */
  readonly why?: string;
  /** The characters each check refuses; none when it lets them through. */
  readonly pattern: Readonly<Partial<Record<CharacterRules, RegExp>>>;
}

const CONTROLS = new RegExp(CONTROL_CHARACTERS, 'g');

const REFUSED_CHARACTERS: readonly RefusedCharacters[] = [
  { problem: 'contains control characters such as line breaks', pattern: { request: CONTROLS, task: CONTROLS } },
  {
    problem: 'contains Unicode bidirectional controls',
    why: 'which can make text read differently from what it is',
    pattern: { request: new RegExp(`${BIDI_EMBEDDINGS}|${BIDI_MARKS}`, 'g'), task: new RegExp(BIDI_EMBEDDINGS, 'g') },
  },
  {
    problem: 'contains invisible format characters',
    why: 'which can change or hide what is shown',
    pattern: { request: new RegExp(HIDDEN_FORMAT_CHARACTERS, 'g') },
  },
];

// A cause names a few of the characters found, enough to find them; not all of a hostile input's.
const NAMED_CHARACTERS = 3;

/** "U+202E", "U+202E, U+2066", "U+0001, U+0002, U+0003 and more": the distinct characters found, in order. */
function namedCharacters(found: readonly string[]): string {
  const distinct = [...new Set(found)];
  const named = distinct.slice(0, NAMED_CHARACTERS).map(codePointName).join(', ');
  return distinct.length > NAMED_CHARACTERS ? `${named} and more` : named;
}

/**
 * The characters `text` must not hold, as problems naming the field (`label`) and the code points
 * found: `subject contains Unicode bidirectional controls (U+202E), which can make text read ...`.
 */
export function characterProblems(label: string, text: string, rules: CharacterRules = 'request'): string[] {
  return REFUSED_CHARACTERS.flatMap(({ problem, why, pattern }) => {
    const found = pattern[rules] === undefined ? null : text.match(pattern[rules]);
    if (found === null) return [];
    return [`${label} ${problem} (${namedCharacters(found)})${why === undefined ? '' : `, ${why}`}`];
  });
}

export interface TextRule {
  /** Most code points allowed. */
  readonly maxLength: number;
  /** Whether an empty or all-blank value is refused. */
  readonly required: boolean;
}

/** Problems of one text field that is present; `label` names it in the cause. */
export function textProblems(label: string, value: unknown, rule: TextRule, rules: CharacterRules = 'request'): string[] {
  if (typeof value !== 'string') return [`${label} must be a string, not ${describeType(value)}`];
  if (rule.required && value.trim() === '') return [`${label} is empty`];
  const problems: string[] = [];
  const length = characterCount(value);
  if (length > rule.maxLength) problems.push(`${label} is ${length} characters long; the limit is ${rule.maxLength}`);
  return [...problems, ...characterProblems(label, value, rules)];
}
