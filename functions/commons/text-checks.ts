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

/** Code point ranges as a regex character class, for a regex with the u flag (`\u{e0000}`). */
function rangeClass(ranges: ReadonlyArray<readonly [number, number]>): string {
  const escape = (codePoint: number): string => `\\u{${codePoint.toString(16)}}`;
  return `[${ranges.map(([first, last]) => (first === last ? escape(first) : `${escape(first)}-${escape(last)}`)).join('')}]`;
}

/**
 * Characters that change how the text around them is shown while showing nothing themselves, as
 * code point ranges:
 * - Unicode's Bidi_Control characters. The embeddings, overrides and isolates (U+202A to U+202E,
 *   U+2066 to U+2069) make text display in another order than it is stored ("Trojan Source"); the
 *   marks (U+061C, U+200E, U+200F) move the digits and punctuation around them.
 * - The deprecated format characters U+206A to U+206F, which swap brackets and digit shapes, and
 *   the interlinear annotation characters U+FFF9 to U+FFFB, which some renderers use to hide text.
 * - The soft hyphen U+00AD (shown only where a line breaks), the Mongolian vowel separator U+180E
 *   (a blank-looking format character since Unicode 6.3), the invisible mathematical operators
 *   U+2061 to U+2064, and the tag characters U+E0000 to U+E007F, which mirror ASCII invisibly and
 *   can carry a whole hidden sentence ("ASCII smuggling"). All are Default_Ignorable_Code_Point in
 *   Unicode's DerivedCoreProperties: a renderer shows nothing for them. Tags are also what the
 *   England, Scotland and Wales flag emoji are made of: those three flags (the only tag sequences
 *   Unicode recommends for general interchange, UTS #51) are kept whole; any other tag is hidden.
 * Pages and emails drop them; the CLI prints them escaped.
 */
const HIDDEN_CHARACTER_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x00ad, 0x00ad],
  [0x061c, 0x061c],
  [0x180e, 0x180e],
  [0x200e, 0x200f],
  [0x202a, 0x202e],
  [0x2061, 0x2064],
  [0x2066, 0x206f],
  [0xfff9, 0xfffb],
  [0xe0000, 0xe007f],
];

// The hidden characters as a regex character class (with the u flag: the tags lie beyond U+FFFF).
const HIDDEN_CHARACTER_CLASS = rangeClass(HIDDEN_CHARACTER_RANGES);

// C0 and C1 control characters, line and paragraph separators: nothing a field needs, and what
// breaks a subject line, a "Key: Value" line of the text email or a log line.
const CONTROL_CHARACTERS = '[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]';
// The bidirectional controls refused since requests were first checked for them: the embeddings,
// overrides and isolates.
const BIDI_EMBEDDINGS = '[\\u202a-\\u202e\\u2066-\\u2069]';
const BIDI_MARKS = '[\\u061c\\u200e\\u200f]';
// The hidden characters that are not bidirectional controls.
const HIDDEN_FORMAT_CHARACTERS = rangeClass([
  [0x00ad, 0x00ad],
  [0x180e, 0x180e],
  [0x2061, 0x2064],
  [0x206a, 0x206f],
  [0xfff9, 0xfffb],
  [0xe0000, 0xe007f],
]);
// Half of a surrogate pair on its own: not a character, and no UTF-8 text can hold it. With the u
// flag a regex reads a well-formed pair as one code point, so this matches lone halves only.
const LONE_SURROGATE = '[\\ud800-\\udfff]';

// The England, Scotland and Wales flags: a black flag, the tags "gbeng", "gbsct" or "gbwls", a cancel tag.
const FLAG_TAG_SEQUENCE =
  '\\u{1f3f4}\\u{e0067}\\u{e0062}(?:\\u{e0065}\\u{e006e}\\u{e0067}|\\u{e0073}\\u{e0063}\\u{e0074}|\\u{e0077}\\u{e006c}\\u{e0073})\\u{e007f}';
const FLAG_TAG_SEQUENCES = new RegExp(FLAG_TAG_SEQUENCE, 'gu');
const IS_FLAG_TAG_SEQUENCE = new RegExp(`^${FLAG_TAG_SEQUENCE}$`, 'u');

/** A regex matching a flag tag sequence or `pattern`: a replacement then keeps the flags as they are. */
function besideFlags(pattern: string): RegExp {
  return new RegExp(`${FLAG_TAG_SEQUENCE}|${pattern}`, 'gu');
}

/** A replacement function that leaves a flag tag sequence alone and hands anything else to `replace`. */
function exceptFlags(replace: (match: string) => string): (match: string) => string {
  return (match) => (IS_FLAG_TAG_SEQUENCE.test(match) ? match : replace(match));
}

const HIDDEN = besideFlags(HIDDEN_CHARACTER_CLASS);
const LONE_SURROGATES = new RegExp(LONE_SURROGATE, 'gu');
// What a printed value (a cause, a log field, the CLI's output) shows as an escape instead.
const UNSAFE_TO_PRINT = besideFlags([CONTROL_CHARACTERS, HIDDEN_CHARACTER_CLASS, LONE_SURROGATE].join('|'));
// The same, minus what JSON.stringify escapes already (C0 controls, lone surrogates).
const UNSAFE_IN_JSON = besideFlags(`[\\u007f-\\u009f\\u2028\\u2029]|${HIDDEN_CHARACTER_CLASS}`);

/** Every UTF-16 unit of `character` as a `\uXXXX` escape: a tag character becomes a pair of them. */
function escapedUnits(character: string): string {
  return Array.from({ length: character.length }, (_, index) => unicodeEscape(character.charCodeAt(index))).join('');
}

/**
 * `text` with every control character, bidirectional control, hidden format character and lone
 * surrogate written as `\uXXXX` escapes: safe to print on a terminal or in a log line, where
 * those characters would be obeyed (reorder the line, move the cursor) or hidden instead of seen.
 */
export function escapeUnsafeCharacters(text: string): string {
  return text.replace(UNSAFE_TO_PRINT, exceptFlags(escapedUnits));
}

/**
 * JSON text with the characters JSON.stringify leaves as they are (C1 controls, U+2028, U+2029,
 * bidirectional controls, hidden format characters) written as `\uXXXX` escapes. They can only
 * occur inside strings, where the escape means the same character: the document parses to the
 * same value, and prints as what it is.
 */
export function escapeUnsafeInJson(json: string): string {
  return json.replace(UNSAFE_IN_JSON, exceptFlags(escapedUnits));
}

/**
 * `text` as a page or an email shows it: without its hidden characters, so what is shown is what
 * is stored, in the order it is stored; and with any lone surrogate replaced by U+FFFD, the
 * replacement character, which UTF-8 can carry.
 */
export function withoutHiddenCharacters(text: string): string {
  return text
    .replace(
      HIDDEN,
      exceptFlags(() => ''),
    )
    .replace(LONE_SURROGATES, '\ufffd');
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
 * requests accepted before the bidirectional marks, the hidden format characters, lone surrogates,
 * runs of combining marks, text that shows nothing and encoded words were refused; those are
 * tolerated there (its list is the older one: control characters and bidirectional embeddings,
 * overrides and isolates), and wherever the email shows the text, hidden characters are dropped
 * and lone surrogates replaced.
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

const CONTROLS = new RegExp(CONTROL_CHARACTERS, 'gu');

const REFUSED_CHARACTERS: readonly RefusedCharacters[] = [
  { problem: 'contains control characters such as line breaks', pattern: { request: CONTROLS, task: CONTROLS } },
  {
    problem: 'contains Unicode bidirectional controls',
    why: 'which can make text read differently from what it is',
    pattern: { request: new RegExp(`${BIDI_EMBEDDINGS}|${BIDI_MARKS}`, 'gu'), task: new RegExp(BIDI_EMBEDDINGS, 'gu') },
  },
  {
    problem: 'contains invisible format characters',
    why: 'which can change or hide what is shown',
    pattern: { request: new RegExp(HIDDEN_FORMAT_CHARACTERS, 'gu') },
  },
  {
    problem: 'contains lone surrogates',
    why: 'halves of a UTF-16 pair that are no character and cannot be sent as UTF-8',
    pattern: { request: LONE_SURROGATES },
  },
];

/**
 * Most combining marks (`\p{M}`) allowed in a row. Real writing stacks a few on one letter:
 * Vietnamese two, Hebrew with points and cantillation up to about five; the tallest stack in use,
 * Tibetan's Kalachakra monogram, has eight. "Zalgo" text stacks dozens, which draw over the lines
 * above and below and hide them. (Unicode's Stream-Safe Text Format, UAX #15, allows up to 30
 * non-starters in a row, a bound meant to lie far beyond any linguistic use; 8 covers every script
 * and keeps a stack within about a line.)
 */
export const MAX_COMBINING_MARKS_IN_A_ROW = 8;
/**
 * A run of marks, counting through the invisible characters put between them (joiners, U+200B:
 * Default_Ignorable_Code_Point), after which the next marks still stack on the same letter. Only
 * the marks count; variation selectors and U+034F are marks (Mn) themselves, so they count too.
 */
const COMBINING_RUN = /\p{M}(?:\p{M}|\p{Default_Ignorable_Code_Point})*/gu;
const MARK = /\p{M}/gu;

/**
 * What shows nothing: Unicode's White_Space and Default_Ignorable_Code_Point characters
 * (PropList.txt and DerivedCoreProperties.txt; the second holds U+200B to U+200F, U+2060 to
 * U+206F, the Hangul fillers U+115F, U+1160, U+3164, U+FFA0, the variation selectors, the tags),
 * and the Braille pattern blank U+2800, which is neither but is drawn as an empty cell.
 */
const SHOWS_NOTHING = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}\u2800]*$/u;

/**
 * RFC 2047 encoded words: `=?charset?B?...?=` or `=?charset?Q?...?=`, any case. A mail client
 * decodes one in a Subject header, so `=?UTF-8?B?4oCuRGVwbG95?=` arrives as U+202E and "Deploy":
 * any character at all, past every check of the text as written. Lenient decoders accept more
 * than RFC 2047 allows, so anything between the question marks counts.
 */
const ENCODED_WORD = /=\?[^?]*\?[bq]\?[^?]*\?=/giu;

// A cause names a few of the characters found, enough to find them; not all of a hostile input's.
const NAMED_CHARACTERS = 3;

/** "U+202E", "U+202E, U+2066", "U+0001, U+0002, U+0003 and more": the distinct characters found, in order. */
function namedCharacters(found: readonly string[]): string {
  const distinct = [...new Set(found)];
  const named = distinct.slice(0, NAMED_CHARACTERS).map(codePointName).join(', ');
  return distinct.length > NAMED_CHARACTERS ? `${named} and more` : named;
}

/** The longest run of combining marks in `text`, in code points; 0 when none is too long. */
function longestCombiningRun(text: string): number {
  let longest = 0;
  for (const [run] of text.matchAll(COMBINING_RUN)) {
    const marks = run.match(MARK)?.length ?? 0;
    if (marks > MAX_COMBINING_MARKS_IN_A_ROW) longest = Math.max(longest, marks);
  }
  return longest;
}

/**
 * The characters `text` must not hold, as problems naming the field (`label`) and the code points
 * found: `subject contains Unicode bidirectional controls (U+202E), which can make text read ...`.
 * Under the `request` rules, also a run of more than MAX_COMBINING_MARKS_IN_A_ROW combining marks.
 */
export function characterProblems(label: string, text: string, rules: CharacterRules = 'request'): string[] {
  const withoutFlags = text.replace(FLAG_TAG_SEQUENCES, '\u{1f3f4}');
  const problems = REFUSED_CHARACTERS.flatMap(({ problem, why, pattern }) => {
    const found = pattern[rules] === undefined ? null : withoutFlags.match(pattern[rules]);
    if (found === null) return [];
    return [`${label} ${problem} (${namedCharacters(found)})${why === undefined ? '' : `, ${why}`}`];
  });
  const run = rules === 'request' ? longestCombiningRun(text) : 0;
  if (run > 0) {
    problems.push(
      `${label} has ${run} combining marks in a row; at most ${MAX_COMBINING_MARKS_IN_A_ROW} may stack, as more draw over the text around them`,
    );
  }
  return problems;
}

/**
 * A value that is not blank to `trim()` yet shows nothing (U+200B, U+3164, U+2800...): the problem
 * naming the field and the characters, or none. Empty and blank values are the caller's to judge.
 */
export function nothingShownProblems(label: string, text: string): string[] {
  if (text.trim() === '' || !SHOWS_NOTHING.test(text)) return [];
  const found = Array.from(text).filter((character) => character !== ' ');
  return [`${label} shows nothing: it holds only blank or invisible characters (${namedCharacters(found)})`];
}

/**
 * Problems of text that becomes part of an email header (the subject line): encoded words, which
 * a mail client would decode into other text than what was checked.
 */
export function headerTextProblems(label: string, text: string): string[] {
  const found = text.match(ENCODED_WORD);
  if (found === null) return [];
  return [
    `${label} contains MIME encoded-word syntax (${quote(found[0])}), which a mail client decodes in the subject line into other characters`,
  ];
}

export interface TextRule {
  /** Most code points allowed. */
  readonly maxLength: number;
  /** Whether an empty or blank value, and under the `request` rules one that shows nothing, is refused. */
  readonly required: boolean;
  /** Whether the text becomes part of an email header: then encoded words are refused too (`request` rules). */
  readonly inHeader?: boolean;
}

/** Problems of one text field that is present; `label` names it in the cause. */
export function textProblems(label: string, value: unknown, rule: TextRule, rules: CharacterRules = 'request'): string[] {
  if (typeof value !== 'string') return [`${label} must be a string, not ${describeType(value)}`];
  if (rule.required && value.trim() === '') return [`${label} is empty`];
  const problems: string[] = [];
  const length = characterCount(value);
  if (length > rule.maxLength) problems.push(`${label} is ${length} characters long; the limit is ${rule.maxLength}`);
  problems.push(...characterProblems(label, value, rules));
  if (rules === 'request' && rule.required) problems.push(...nothingShownProblems(label, value));
  if (rules === 'request' && rule.inHeader === true) problems.push(...headerTextProblems(label, value));
  return problems;
}
