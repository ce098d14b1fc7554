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

/** Java `Matcher.appendReplacement` rules: `$n` and `${name}` refer to groups, `\` quotes the next character. */
function expandJavaReplacement(replacement: string, match: RegExpExecArray, groupCount: number): string {
  let out = '';
  for (let i = 0; i < replacement.length; i++) {
    const char = replacement.charAt(i);
    if (char === '\\') {
      i++;
      if (i >= replacement.length) throw new MappingTemplateError('Replacement: character to be escaped is missing');
      out += replacement.charAt(i);
    } else if (char === '$') {
      i++;
      if (i >= replacement.length) throw new MappingTemplateError('Replacement: illegal group reference, group index is missing');
      if (replacement.charAt(i) === '{') {
        const end = replacement.indexOf('}', i);
        const name = end === -1 ? '' : replacement.slice(i + 1, end);
        if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(name) || !match.groups || !(name in match.groups)) {
          throw new MappingTemplateError(`Replacement: no group with name {${name}}`);
        }
        out += match.groups[name] ?? '';
        i = end;
        continue;
      }
      let group = replacement.charCodeAt(i) - 48;
      if (group < 0 || group > 9) throw new MappingTemplateError('Replacement: illegal group reference');
      // Like Java, take further digits only while they still name an existing group.
      while (i + 1 < replacement.length) {
        const digit = replacement.charCodeAt(i + 1) - 48;
        if (digit < 0 || digit > 9 || group * 10 + digit > groupCount) break;
        group = group * 10 + digit;
        i++;
      }
      if (group > groupCount) throw new MappingTemplateError(`Replacement: no group ${group}`);
      out += match[group] ?? '';
    } else {
      out += char;
    }
  }
  return out;
}

/** Java `String.replaceAll` / `replaceFirst`. */
export function javaReplace(input: string, regex: string, replacement: string, all: boolean): string {
  const compiled = javaRegExp(regex);
  const global = new RegExp(compiled.source, `${compiled.flags}g`);
  const groupCount = groupCountOf(compiled);
  let out = '';
  let last = 0;
  for (let match = global.exec(input); match !== null; match = global.exec(input)) {
    out += input.slice(last, match.index) + expandJavaReplacement(replacement, match, groupCount);
    last = match.index + match[0].length;
    if (match[0].length === 0) global.lastIndex++;
    if (!all) break;
  }
  return out + input.slice(last);
}

/** Java `String.matches`: the whole string must match. */
export function javaMatches(input: string, regex: string): boolean {
  const compiled = javaRegExp(regex);
  return new RegExp(`(?<![\\s\\S])(?:${compiled.source})(?![\\s\\S])`, compiled.flags).test(input);
}

/** Java `String.split(regex, limit)`, including the removal of trailing empty strings when limit is 0. */
export function javaSplit(input: string, regex: string, limit = 0): string[] {
  const compiled = javaRegExp(regex);
  const global = new RegExp(compiled.source, `${compiled.flags}g`);
  const parts: string[] = [];
  let index = 0;
  for (let match = global.exec(input); match !== null; match = global.exec(input)) {
    if (match[0].length === 0) global.lastIndex++;
    if (limit > 0 && parts.length >= limit - 1) break;
    // A zero-width match at the very beginning never yields a leading empty string.
    if (index === 0 && match.index === 0 && match[0].length === 0) continue;
    parts.push(input.slice(index, match.index));
    index = match.index + match[0].length;
  }
  if (index === 0 && parts.length === 0) return [input];
  parts.push(input.slice(index));
  if (limit === 0) {
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  }
  return parts;
}
