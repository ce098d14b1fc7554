import { MappingTemplateError } from './errors';

/**
 * java.util.regex on JavaScript's RegExp, for what templates and API Gateway match with Java regexes:
 * String `matches`, `replaceAll`, `replaceFirst`, `split`, and integration-response selection patterns.
 */

const LINE_TERMINATORS = '\\n\\r\\u0085\\u2028\\u2029';
const JAVA_SPACE = ' \\t\\n\\x0B\\f\\r';

/** POSIX classes of java.util.regex (US-ASCII only), as class contents. */
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  ASCII: '\\x00-\\x7F',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~',
  Graph: '!-~',
  Print: ' -~',
  Blank: ' \\t',
  Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F',
  Space: JAVA_SPACE,
};

const regexCache = new Map<string, RegExp>();

/**
 * Translates a java.util.regex pattern into an equivalent JavaScript RegExp (no `u` flag: Java and
 * non-Unicode JavaScript both accept escapes such as `\'`). Covered: leading inline flags `(?i)`,
 * `(?s)`, `(?m)`, `\Q...\E`, `\A`, `\z`, `\Z`, `\a`, `\e`, POSIX `\p{...}`, and Java's meaning of
 * `.`, `$` and `\s`. Constructs with no JavaScript equivalent (possessive quantifiers, atomic
 * groups, class unions and intersections, `\G`, `\R`...) throw rather than match differently.
 */
function javaRegExp(pattern: string): RegExp {
  const cached = regexCache.get(pattern);
  if (cached) return new RegExp(cached.source, cached.flags);
  let source = pattern;
  let flags = '';
  const inline = /^\(\?([a-zA-Z]+)\)/.exec(source);
  if (inline?.[1]) {
    for (const flag of inline[1]) {
      if (flag === 'i' || flag === 'm' || flag === 's') flags += flags.includes(flag) ? '' : flag;
      else if (flag !== 'u') throw unsupported(pattern, `inline flag ${flag}`);
    }
    source = source.slice(inline[0].length);
  }
  const translated = translateJavaRegex(source, pattern, flags.includes('s'), flags.includes('m'));
  let regex: RegExp;
  try {
    regex = new RegExp(translated, flags);
  } catch (error) {
    throw new MappingTemplateError(`Invalid or unsupported Java regex "${pattern}": ${(error as Error).message}`);
  }
  regexCache.set(pattern, regex);
  return new RegExp(regex.source, regex.flags);
}

function unsupported(pattern: string, what: string): MappingTemplateError {
  return new MappingTemplateError(`Java regex "${pattern}" uses ${what}, which this renderer does not support`);
}

function escapeForRegex(text: string, inClass: boolean): string {
  return text.replace(inClass ? /[\\\]^-]/g : /[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

function translateJavaRegex(source: string, pattern: string, dotAll: boolean, multiline: boolean): string {
  let out = '';
  let inClass = false;
  let afterQuantifier = false;
  for (let i = 0; i < source.length; i++) {
    const char = source.charAt(i);
    const wasQuantifier = afterQuantifier;
    afterQuantifier = false;
    if (char === '\\') {
      const next = source.charAt(i + 1);
      if (next === '') throw unsupported(pattern, 'a trailing backslash');
      i++;
      if (next === 'Q') {
        const end = source.indexOf('\\E', i + 1);
        const quoted = end === -1 ? source.slice(i + 1) : source.slice(i + 1, end);
        out += escapeForRegex(quoted, inClass);
        i = end === -1 ? source.length : end + 1;
      } else if (next === 'p' || next === 'P') {
        const match = /^\{(\w+)\}/.exec(source.slice(i + 1));
        const posix = match?.[1] === undefined ? undefined : POSIX_CLASSES[match[1].replace(/^Is/, '')];
        if (!match || posix === undefined) throw unsupported(pattern, `\\${next}${match?.[0] ?? ''}`);
        if (inClass && next === 'P') throw unsupported(pattern, `\\P inside a character class`);
        out += inClass ? posix : `[${next === 'P' ? '^' : ''}${posix}]`;
        i += match[0].length;
      } else if (next === 's') out += inClass ? JAVA_SPACE : `[${JAVA_SPACE}]`;
      else if (next === 'S' && !inClass) out += `[^${JAVA_SPACE}]`;
      else if (next === 'A' && !inClass) out += '(?<![\\s\\S])';
      else if (next === 'z' && !inClass) out += '(?![\\s\\S])';
      else if (next === 'Z' && !inClass) out += `(?=(?:\\r\\n|[${LINE_TERMINATORS}])?(?![\\s\\S]))`;
      else if (next === 'a') out += '\\x07';
      else if (next === 'e') out += '\\x1B';
      else if (/[a-zA-Z]/.test(next) && !/[tnrfdDsSwWbBxuck]/.test(next)) throw unsupported(pattern, `\\${next}`);
      else out += `\\${next}`;
    } else if (inClass) {
      if (char === '[') throw unsupported(pattern, 'a nested character class');
      if (char === '&' && source.charAt(i + 1) === '&') throw unsupported(pattern, 'a character class intersection');
      if (char === ']') inClass = false;
      out += char;
    } else if (char === '[') {
      inClass = true;
      out += char;
    } else if (char === '.') {
      out += dotAll ? '[\\s\\S]' : `[^${LINE_TERMINATORS}]`;
    } else if (char === '$') {
      // Without MULTILINE, Java's `$` also matches before a final line terminator.
      out += multiline ? '$' : `(?=(?:\\r\\n|[${LINE_TERMINATORS}])?(?![\\s\\S]))`;
    } else if (char === '+' && wasQuantifier) {
      throw unsupported(pattern, 'a possessive quantifier');
    } else if (char === '(' && source.startsWith('(?>', i)) {
      throw unsupported(pattern, 'an atomic group');
    } else {
      afterQuantifier = char === '*' || char === '+' || char === '?' || char === '}';
      // `+?` and `*?` are lazy, not possessive: only the quantifier right before counts.
      if (char === '?' && wasQuantifier) afterQuantifier = false;
      out += char;
    }
  }
  if (inClass) throw unsupported(pattern, 'an unclosed character class');
  return out;
}

function groupCountOf(regex: RegExp): number {
  return (new RegExp(`${regex.source}|`, regex.flags).exec('')?.length ?? 1) - 1;
}

/**
 * The text a Java regex matches when it is plain text (no metacharacter; `\` only before characters
 * that are neither letters nor digits, which it quotes), else undefined. Such a pattern is searched
 * for with indexOf: no regex engine, and no match objects.
 */
function literalOf(regex: string): string | undefined {
  let text = '';
  for (let i = 0; i < regex.length; i++) {
    const char = regex.charAt(i);
    if (char === '\\') {
      const next = regex.charAt(i + 1);
      if (next === '' || /[0-9A-Za-z]/.test(next)) return undefined;
      text += next;
      i++;
    } else if ('^$.|?*+()[]{}'.includes(char)) {
      return undefined;
    } else {
      text += char;
    }
  }
  return text === '' ? undefined : text;
}

const BEYOND_LATIN1 = /[^\x00-\xff]/;

/**
 * Every `literal` in `input` replaced. One-byte text, which escaped text always is, is rewritten in a
 * single pass over its bytes: undoing the `\'` of a 5 MB token of quotes makes no string per match.
 */
function replaceAllLiteral(input: string, literal: string, replacement: string): string {
  const first = input.indexOf(literal);
  if (first === -1) return input;
  if (BEYOND_LATIN1.test(input) || BEYOND_LATIN1.test(literal) || BEYOND_LATIN1.test(replacement)) {
    return input.split(literal).join(replacement);
  }
  const source = Buffer.from(input, 'latin1');
  const target = Buffer.from(literal, 'latin1');
  const substitute = Buffer.from(replacement, 'latin1');
  const growth = Math.max(0, substitute.length - target.length) * Math.floor(source.length / target.length);
  const out = Buffer.allocUnsafe(source.length + growth);
  let at = source.copy(out, 0, 0, first);
  let i = first;
  while (i < source.length) {
    let found = source[i] === target[0];
    for (let k = 1; found && k < target.length; k++) found = source[i + k] === target[k];
    if (found) {
      for (let k = 0; k < substitute.length; k++) out[at++] = substitute[k] ?? 0;
      i += target.length;
    } else {
      out[at++] = source[i++] ?? 0;
    }
  }
  return out.toString('latin1', 0, at);
}

/** A piece of a Java replacement string: literal text, a numbered group or a named group. */
type ReplacementPart = string | number | { readonly name: string };

/**
 * Java `Matcher.appendReplacement` rules: `$n` and `${name}` refer to groups, `\` quotes the next
 * character. Parsed once per call, not once per match. Java reports a malformed replacement only
 * when there is a match to replace, so the error is returned rather than thrown.
 */
function parseJavaReplacement(replacement: string, regex: RegExp): ReplacementPart[] | MappingTemplateError {
  const groupCount = groupCountOf(regex);
  const groupNames = new Set(Object.keys(new RegExp(`${regex.source}|`, regex.flags).exec('')?.groups ?? {}));
  const parts: ReplacementPart[] = [];
  let literal = '';
  const flush = () => {
    if (literal !== '') parts.push(literal);
    literal = '';
  };
  for (let i = 0; i < replacement.length; i++) {
    const char = replacement.charAt(i);
    if (char === '\\') {
      i++;
      if (i >= replacement.length) return new MappingTemplateError('Replacement: character to be escaped is missing');
      literal += replacement.charAt(i);
    } else if (char === '$') {
      i++;
      if (i >= replacement.length) return new MappingTemplateError('Replacement: illegal group reference, group index is missing');
      if (replacement.charAt(i) === '{') {
        const end = replacement.indexOf('}', i);
        const name = end === -1 ? '' : replacement.slice(i + 1, end);
        if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(name) || !groupNames.has(name)) {
          return new MappingTemplateError(`Replacement: no group with name {${name}}`);
        }
        flush();
        parts.push({ name });
        i = end;
        continue;
      }
      let group = replacement.charCodeAt(i) - 48;
      if (group < 0 || group > 9) return new MappingTemplateError('Replacement: illegal group reference');
      // Like Java, take further digits only while they still name an existing group.
      while (i + 1 < replacement.length) {
        const digit = replacement.charCodeAt(i + 1) - 48;
        if (digit < 0 || digit > 9 || group * 10 + digit > groupCount) break;
        group = group * 10 + digit;
        i++;
      }
      if (group > groupCount) return new MappingTemplateError(`Replacement: no group ${group}`);
      flush();
      parts.push(group);
    } else {
      literal += char;
    }
  }
  flush();
  return parts;
}

/**
 * Java `String.replaceAll` / `replaceFirst`. Plain text replaced by plain text needs no regex engine;
 * anything else runs on JavaScript's own replace loop, with the replacement parsed once, not once per
 * match.
 */
export function javaReplace(input: string, regex: string, replacement: string, all: boolean): string {
  const literal = literalOf(regex);
  if (literal !== undefined && !/[\\$]/.test(replacement)) {
    if (all) return replaceAllLiteral(input, literal, replacement);
    const index = input.indexOf(literal);
    return index === -1 ? input : input.slice(0, index) + replacement + input.slice(index + literal.length);
  }
  const compiled = javaRegExp(regex);
  const pattern = all ? new RegExp(compiled.source, `${compiled.flags}g`) : compiled;
  const parts = parseJavaReplacement(replacement, compiled);
  if (parts instanceof MappingTemplateError) {
    if (pattern.test(input)) throw parts;
    return input;
  }
  if (parts.every((part) => typeof part === 'string')) {
    // Plain text: `$` is the only character JavaScript's replace would interpret.
    return input.replace(pattern, parts.join('').replaceAll('$', '$$$$'));
  }
  return input.replace(pattern, (...args: unknown[]) => {
    const named = args.at(-1);
    const groups = typeof named === 'object' && named !== null ? (named as Record<string, string | undefined>) : {};
    return parts
      .map((part) => {
        if (typeof part === 'string') return part;
        if (typeof part === 'number') return (args[part] as string | undefined) ?? '';
        return groups[part.name] ?? '';
      })
      .join('');
  });
}

/** Whether a Java pattern has a `|` outside every group and class, or a `\Q` quote (not looked into). */
function hasTopLevelAlternativeOrQuote(pattern: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern.charAt(i);
    if (char === '\\') {
      if (pattern.charAt(i + 1) === 'Q') return true;
      i++;
    } else if (inClass) {
      if (char === ']') inClass = false;
    } else if (char === '[') {
      inClass = true;
    } else if (char === '(') {
      depth++;
    } else if (char === ')') {
      depth--;
    } else if (char === '|' && depth === 0) {
      return true;
    }
  }
  return false;
}

/**
 * `(?s).*X.*`, Java's way to ask whether X occurs anywhere, as the pattern X alone: a search, instead
 * of a full match that backtracks over the whole input (tens of milliseconds for a 5 MB form field).
 * Undefined for any other pattern.
 */
function occurrencePattern(pattern: string): string | undefined {
  const inline = /^\(\?([a-zA-Z]+)\)/.exec(pattern);
  if (inline?.[1]?.includes('s') !== true) return undefined;
  const body = pattern.slice(inline[0].length);
  if (body.length < 4 || !body.startsWith('.*') || /^\.\*[?+]/.test(body) || !body.endsWith('.*')) return undefined;
  const middle = body.slice(2, -2);
  // The final `.*` must be a dot and a star of its own, not `\.*`.
  const backslashes = /\\*$/.exec(middle)?.[0].length ?? 0;
  if (backslashes % 2 === 1 || hasTopLevelAlternativeOrQuote(middle)) return undefined;
  return `${inline[0]}${middle}`;
}

/** Java `String.matches`: the whole string must match. */
export function javaMatches(input: string, regex: string): boolean {
  const occurrence = occurrencePattern(regex);
  if (occurrence !== undefined) return javaRegExp(occurrence).test(input);
  const compiled = javaRegExp(regex);
  return new RegExp(`(?<![\\s\\S])(?:${compiled.source})(?![\\s\\S])`, compiled.flags).test(input);
}

interface SeparatorMatch {
  readonly index: number;
  readonly end: number;
}

/** Finds the separators of `split` from a position on (Java's String.split, too, skips its regex engine for plain text). */
function separatorFinder(input: string, regex: string): { next: (from: number) => SeparatorMatch | undefined; literal?: string } {
  const literal = literalOf(regex);
  if (literal !== undefined) {
    return {
      literal,
      next: (from) => {
        const index = input.indexOf(literal, from);
        return index === -1 ? undefined : { index, end: index + literal.length };
      },
    };
  }
  const compiled = javaRegExp(regex);
  const global = new RegExp(compiled.source, `${compiled.flags}g`);
  return {
    next: (from) => {
      global.lastIndex = from;
      const match = global.exec(input);
      return match === null ? undefined : { index: match.index, end: match.index + match[0].length };
    },
  };
}

/**
 * Java `String.split(regex, limit)`, including the removal of trailing empty strings when limit is 0.
 * With `maxParts`, only the first that many parts are made (the same ones the whole split begins
 * with): a #foreach, which stops at MAX_FOREACH_ITERATIONS, need not cut 5 MB into a million strings.
 */
export function javaSplit(input: string, regex: string, limit = 0, maxParts = Number.POSITIVE_INFINITY): string[] {
  const { next, literal } = separatorFinder(input, regex);
  // After a zero-width match the search moves on by one character, as in Java.
  const after = (match: SeparatorMatch) => (match.end > match.index ? match.end : match.index + 1);
  const parts: string[] = [];
  let index = 0;
  let match = next(0);
  for (; match !== undefined && parts.length < maxParts; match = next(after(match))) {
    if (limit > 0 && parts.length >= limit - 1) break;
    // A zero-width match at the very beginning never yields a leading empty string.
    if (index === 0 && match.index === 0 && match.end === 0) continue;
    parts.push(input.slice(index, match.index));
    index = match.end;
  }
  if (parts.length < maxParts) {
    if (index === 0 && parts.length === 0) return [input];
    parts.push(input.slice(index));
    if (limit === 0) removeTrailingEmpty(parts);
    return parts;
  }
  // Enough parts, and more follow. Removing trailing empty strings reaches back into these only if
  // every later part is empty too.
  if (limit !== 0) return parts;
  if (literal !== undefined) {
    if (!isRepeatOf(input, index, literal)) return parts;
    removeTrailingEmpty(parts);
    return parts;
  }
  for (; match !== undefined; match = next(after(match))) {
    if (match.index > index) return parts;
    index = match.end;
  }
  if (index < input.length) return parts;
  removeTrailingEmpty(parts);
  return parts;
}

/** Whether the text from `from` on is `literal` over and over (or nothing). */
function isRepeatOf(input: string, from: number, literal: string): boolean {
  if (literal.length === 1) {
    const code = literal.charCodeAt(0);
    for (let i = from; i < input.length; i++) if (input.charCodeAt(i) !== code) return false;
    return true;
  }
  for (let i = from; i < input.length; i += literal.length) if (!input.startsWith(literal, i)) return false;
  return true;
}

function removeTrailingEmpty(parts: string[]): void {
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
}
