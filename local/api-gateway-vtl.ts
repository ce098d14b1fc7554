import { Compile, Helper, parse } from 'velocityjs';

/**
 * Renders API Gateway (REST API) mapping templates the way API Gateway does, so that tests and the
 * local stand-in exercise the very templates that get deployed.
 *
 * velocityjs provides the Velocity parser and evaluator; this module adds what API Gateway adds
 * (`$input`, `$util`, `$context`), the Java String methods templates may call, and the Velocity 1.7
 * behaviour velocityjs lacks. Where API Gateway's behaviour is not documented, the choice made here
 * is stated next to the code.
 */

/** What API Gateway knows about the method request when it renders a template. */
export interface ApiGatewayRequestContext {
  /** Query string parameters, already URL-decoded (see {@link parseQueryString}). */
  readonly queryString: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly stageVariables?: Readonly<Record<string, string>>;
  readonly sourceIp: string;
  /** Absent when the client sent no User-Agent; `$context.identity.userAgent` is then null. */
  readonly userAgent?: string;
  readonly requestId: string;
  /** CLF-formatted, as API Gateway gives it: `21/Nov/2026:09:15:03 +0000` (see {@link formatRequestTime}). */
  readonly requestTime: string;
  /** Milliseconds since the epoch. */
  readonly requestTimeEpoch: number;
  readonly httpMethod: string;
  /** The resource, not the concrete path: `/succeed`, `/items/{id}`. */
  readonly resourcePath: string;
  readonly stage: string;
}

export interface RenderMappingTemplateOptions {
  readonly request: ApiGatewayRequestContext;
  /** The body the template maps: the method request body, or the integration response body. */
  readonly body?: string;
}

export interface RenderedMappingTemplate {
  readonly output: string;
  /** `#set($context.responseOverride.status = ...)`, when the template set a valid status. */
  readonly statusOverride?: number;
  /** `#set($context.responseOverride.header.Name = ...)`. */
  readonly headerOverrides: Record<string, string>;
}

/**
 * A template failed the way it would fail in API Gateway (a Java exception inside a method call, an
 * unsupported construct). API Gateway answers such requests with 500 Internal Server Error.
 */
export class MappingTemplateError extends Error {
  override readonly name = 'MappingTemplateError';
}

/**
 * Decodes a raw query string (with or without the leading `?`) the way API Gateway REST APIs do
 * before mapping: percent-decoding as UTF-8, and `+` as a space.
 *
 * A repeated key keeps its last value, which is what `$input.params('name')` gives in REST APIs.
 * A malformed escape (`%zz`, a lone `%`, bytes that are not UTF-8) is kept as raw text instead of
 * failing the whole request.
 */
export function parseQueryString(rawQuery: string): Record<string, string> {
  const query = rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery;
  const entries = new Map<string, string>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const separator = pair.indexOf('=');
    const name = decodeQueryComponent(separator === -1 ? pair : pair.slice(0, separator));
    const value = separator === -1 ? '' : decodeQueryComponent(pair.slice(separator + 1));
    entries.set(name, value);
  }
  // fromEntries defines properties, so a `__proto__` parameter stays an ordinary key.
  return Object.fromEntries(entries);
}

function decodeQueryComponent(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    // Decode each run of well-formed escapes on its own, keeping the runs that are not UTF-8.
    return spaced.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** `$context.requestTime` format: `dd/MMM/yyyy:HH:mm:ss +0000`, always UTC. */
export function formatRequestTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const day = `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}`;
  return `${day}:${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}

/**
 * Picks the template for a media type: the first media type of `accept` (or a Content-Type) that has
 * a template, else `application/json`, else the first template. Parameters (`;q=0.9`,
 * `;charset=...`) are ignored and media types compare case-insensitively.
 */
export function selectTemplate(templates: Readonly<Record<string, string>>, accept?: string): string | undefined {
  const byType = new Map(Object.entries(templates).map(([type, template]) => [type.trim().toLowerCase(), template]));
  for (const part of (accept ?? '').split(',')) {
    const type = part.split(';')[0]?.trim().toLowerCase();
    if (type && byType.has(type)) return byType.get(type);
  }
  return byType.get('application/json') ?? Object.values(templates)[0];
}

/**
 * Picks the integration response for `subject` (the status code of an AWS-service integration, the
 * error message of a Lambda integration): the first whose selection pattern matches the whole
 * subject as a Java regex, else the default one (no pattern).
 */
export function selectIntegrationResponse<T>(
  responses: readonly T[],
  subject: string,
  selectionPatternOf: (response: T) => string | undefined,
): T | undefined {
  const matched = responses.find((response) => {
    const pattern = selectionPatternOf(response);
    return pattern !== undefined && pattern !== '' && javaMatches(subject, pattern);
  });
  return matched ?? responses.find((response) => !selectionPatternOf(response));
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  "'": "\\'",
  '"': '\\"',
  '\\': '\\\\',
  '/': '\\/',
};

/**
 * `$util.escapeJavaScript`: Apache Commons Lang `StringEscapeUtils.escapeJavaScript`. Beyond JSON
 * string escaping it turns `'` into `\'` (not valid JSON) and `/` into `\/`; every UTF-16 code unit
 * outside 0x20-0x7f becomes `\uXXXX` with upper-case hex (DEL, 0x7f, passes through as in Commons
 * Lang). Null stays null.
 */
export function escapeJavaScript(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = javaToString(value);
  let escaped = '';
  for (let i = 0; i < text.length; i++) {
    const char = text.charAt(i);
    const code = text.charCodeAt(i);
    const short = SHORT_ESCAPES[char];
    if (short !== undefined) escaped += short;
    else if (code < 0x20 || code > 0x7f) escaped += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else escaped += char;
  }
  return escaped;
}

/** `$util.urlEncode`: Java `URLEncoder.encode(s, "UTF-8")`, which differs from encodeURIComponent on ` !'()~`. */
export function urlEncode(value: unknown): string {
  const text = requireString(value, 'urlEncode');
  // Java encodes an unpaired surrogate as '?'.
  const wellFormed = text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '?');
  return encodeURIComponent(wellFormed)
    .replace(/[!'()~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** `$util.urlDecode`: Java `URLDecoder.decode(s, "UTF-8")`; it throws on a malformed escape, so this does too. */
export function urlDecode(value: unknown): string {
  const text = requireString(value, 'urlDecode');
  const bytes: number[] = [];
  let decoded = '';
  const flush = () => {
    if (bytes.length > 0) decoded += Buffer.from(bytes).toString('utf8');
    bytes.length = 0;
  };
  for (let i = 0; i < text.length; i++) {
    const char = text.charAt(i);
    if (char === '%') {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
        throw new MappingTemplateError(`$util.urlDecode: illegal hex characters in escape (%) pattern at index ${i} of "${text}"`);
      }
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      flush();
      decoded += char === '+' ? ' ' : char;
    }
  }
  flush();
  return decoded;
}

/** `$util.base64Encode`: standard alphabet, with padding, of the UTF-8 bytes. */
export function base64Encode(value: unknown): string {
  return Buffer.from(requireString(value, 'base64Encode'), 'utf8').toString('base64');
}

/** `$util.base64Decode`: decodes to a UTF-8 string; like Node it accepts missing padding. */
export function base64Decode(value: unknown): string {
  const text = requireString(value, 'base64Decode');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1) {
    throw new MappingTemplateError(`$util.base64Decode: "${text}" is not Base64`);
  }
  return Buffer.from(text, 'base64').toString('utf8');
}

/** `$util.parseJson`: a JSON string to an object; invalid JSON fails the template. */
export function parseJson(value: unknown): unknown {
  const text = requireString(value, 'parseJson');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MappingTemplateError(`$util.parseJson: ${(error as Error).message}`);
  }
}

function requireString(value: unknown, method: string): string {
  if (value === null || value === undefined) {
    throw new MappingTemplateError(`$util.${method}: argument is null (java.lang.NullPointerException)`);
  }
  return javaToString(value);
}

/** Java's `toString()` of a template value: maps as `{a=1, b=2}`, lists as `[1, 2]`. */
function javaToString(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(javaToString).join(', ')}]`;
  if (typeof value === 'object') {
    if (value.toString !== Object.prototype.toString) return String(value);
    const entries = Object.entries(value).filter(([, v]) => typeof v !== 'function');
    return `{${entries.map(([k, v]) => `${k}=${javaToString(v)}`).join(', ')}}`;
  }
  return String(value);
}

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
export function javaRegExp(pattern: string): RegExp {
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

/** Java `String.trim`: strips every character up to U+0020, and nothing else. */
function javaTrim(text: string): string {
  return text.replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, '');
}

function stringArg(args: readonly unknown[], index: number, method: string): string {
  const value = args[index];
  if (value === null || value === undefined) throw new MappingTemplateError(`String.${method}: argument is null (java.lang.NullPointerException)`);
  return javaToString(value);
}

function intArg(args: readonly unknown[], index: number, method: string): number {
  const value = args[index];
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new MappingTemplateError(`String.${method}: argument ${index + 1} is not an int`);
  return value;
}

function checkIndex(text: string, begin: number, end: number, method: string): void {
  if (begin < 0 || end > text.length || begin > end) {
    throw new MappingTemplateError(`String.${method}: begin ${begin}, end ${end}, length ${text.length} (StringIndexOutOfBoundsException)`);
  }
}

type JavaStringMethod = (text: string, args: readonly unknown[]) => unknown;

/** The java.lang.String methods a template may call, with Java's semantics. */
const JAVA_STRING_METHODS: Readonly<Record<string, JavaStringMethod>> = {
  length: (text) => text.length,
  isEmpty: (text) => text.length === 0,
  equals: (text, args) => typeof args[0] === 'string' && args[0] === text,
  equalsIgnoreCase: (text, args) => typeof args[0] === 'string' && args[0].toLowerCase() === text.toLowerCase(),
  contains: (text, args) => text.includes(stringArg(args, 0, 'contains')),
  startsWith: (text, args) => text.startsWith(stringArg(args, 0, 'startsWith'), args.length > 1 ? intArg(args, 1, 'startsWith') : 0),
  endsWith: (text, args) => text.endsWith(stringArg(args, 0, 'endsWith')),
  indexOf: (text, args) => {
    const target = typeof args[0] === 'number' ? String.fromCharCode(args[0]) : stringArg(args, 0, 'indexOf');
    return text.indexOf(target, args.length > 1 ? Math.max(0, intArg(args, 1, 'indexOf')) : 0);
  },
  lastIndexOf: (text, args) => {
    const target = typeof args[0] === 'number' ? String.fromCharCode(args[0]) : stringArg(args, 0, 'lastIndexOf');
    return args.length > 1 ? text.lastIndexOf(target, intArg(args, 1, 'lastIndexOf')) : text.lastIndexOf(target);
  },
  substring: (text, args) => {
    const begin = intArg(args, 0, 'substring');
    const end = args.length > 1 ? intArg(args, 1, 'substring') : text.length;
    checkIndex(text, begin, end, 'substring');
    return text.slice(begin, end);
  },
  charAt: (text, args) => {
    const index = intArg(args, 0, 'charAt');
    checkIndex(text, index, index + 1, 'charAt');
    return text.charAt(index);
  },
  concat: (text, args) => text + stringArg(args, 0, 'concat'),
  toLowerCase: (text) => text.toLowerCase(),
  toUpperCase: (text) => text.toUpperCase(),
  trim: (text) => javaTrim(text),
  toString: (text: string) => text,
  // replace(CharSequence, CharSequence) replaces every occurrence, literally.
  replace: (text, args) => {
    const replacement = stringArg(args, 1, 'replace');
    return text.replaceAll(stringArg(args, 0, 'replace'), () => replacement);
  },
  replaceAll: (text, args) => javaReplace(text, stringArg(args, 0, 'replaceAll'), stringArg(args, 1, 'replaceAll'), true),
  replaceFirst: (text, args) => javaReplace(text, stringArg(args, 0, 'replaceFirst'), stringArg(args, 1, 'replaceFirst'), false),
  matches: (text, args) => javaMatches(text, stringArg(args, 0, 'matches')),
  split: (text, args) => javaSplit(text, stringArg(args, 0, 'split'), args.length > 1 ? intArg(args, 1, 'split') : 0),
};

interface MethodCall {
  property: string;
  context: unknown;
  params: unknown[];
}

/**
 * velocityjs would call the JavaScript method of the same name (JS `replaceAll` takes no regex, JS
 * `length` is not a method) or crash (`'isEmpty' in "text"` throws in its built-in handlers). Every
 * call on a string is therefore answered here; a method Java's String lacks yields undefined, which
 * renders the reference as written, as Velocity does when a method is not found.
 */
const CUSTOM_METHOD_HANDLERS = [
  {
    uid: 'java.lang.String',
    match: ({ context }: MethodCall) => typeof context === 'string',
    resolve: ({ context, property, params }: MethodCall) =>
      Object.hasOwn(JAVA_STRING_METHODS, property) ? JAVA_STRING_METHODS[property]?.(context as string, params) : undefined,
  },
  {
    uid: 'java.lang.Object.equals',
    match: ({ context, property }: MethodCall) => property === 'equals' && (typeof context === 'number' || typeof context === 'boolean'),
    resolve: ({ context, params }: MethodCall) => params[0] === context,
  },
];

type VelocityAst = ReturnType<typeof parse>[number];
type ReferenceAst = Parameters<typeof Helper.getRefText>[0];

/** A #set right-hand side that was already evaluated (see VelocityEngine.setValue). */
const EVALUATED = 'apigateway-vtl:evaluated';

interface EvaluatedValueAst {
  type: typeof EVALUATED;
  value: unknown;
}

/** Velocity 1.7 `#if`: only null and false are false; an empty string, 0 and empty lists are true. */
function isVelocityTrue(value: unknown): boolean {
  return value !== null && value !== undefined && value !== false;
}

/** Velocity 1.7 `==`: numbers by value, same types by equals, different types by their toString(). */
function velocityEquals(left: unknown, right: unknown): boolean {
  if (left === null || left === undefined || right === null || right === undefined) {
    return (left === null || left === undefined) && (right === null || right === undefined);
  }
  if (typeof left === 'number' && typeof right === 'number') return left === right;
  if (typeof left === typeof right && typeof left !== 'object') return left === right;
  return javaToString(left) === javaToString(right);
}

/**
 * velocityjs unescapes `\"` inside double-quoted string literals; Java Velocity 1.7 keeps both
 * characters (which is also why `"\\'"` reaches `replaceAll` as the regex `\\'`). A `"` in a parsed
 * double-quoted literal can only come from `\"`, so the backslash is put back.
 */
function restoreStringEscapes(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(restoreStringEscapes);
  } else if (typeof node === 'object' && node !== null) {
    const record = node as Record<string, unknown>;
    if (record.type === 'string' && record.isEval === true && typeof record.value === 'string') {
      record.value = record.value.replace(/"/g, '\\"');
    }
    Object.values(record).forEach(restoreStringEscapes);
  }
}

function parseTemplate(template: string): VelocityAst[] {
  let asts: VelocityAst[];
  try {
    asts = parse(template);
  } catch (error) {
    throw new MappingTemplateError(`Invalid mapping template: ${(error as Error).message}`);
  }
  restoreStringEscapes(asts);
  return asts;
}

/**
 * velocityjs's evaluator with the Velocity 1.7 rules API Gateway follows where velocityjs differs:
 * - a null result renders as the reference's own text (`$!` renders nothing), not as "null";
 * - `#set` with a null right-hand side leaves the variable as it was;
 * - `#if`, `!`, `&&`, `||` treat only null and false as false, `==` compares like Velocity.
 * Known remaining differences: `""` inside a double-quoted literal (Velocity 1.7's escaped quote) is
 * a parse error in velocityjs; `\$name` of an undefined reference drops the backslash.
 */
class VelocityEngine extends Compile {
  protected override getReferences(ast: VelocityAst, isVal?: boolean): string {
    const value: unknown = super.getReferences(ast, isVal);
    if (isVal && value === null) {
      const reference = ast as ReferenceAst;
      return this.silence || ('leader' in reference && reference.leader === '$!') ? '' : Helper.getRefText(reference);
    }
    return value as string;
  }

  protected override getLiteral(ast: VelocityAst | EvaluatedValueAst): string {
    if (ast.type === EVALUATED) return (ast as EvaluatedValueAst).value as string;
    return super.getLiteral(ast as VelocityAst);
  }

  protected override evalStr(text: string): string {
    // Interpolated strings are parsed again at render time; keep their literals Velocity-faithful too.
    return this.renderAstList(parseTemplate(text), this.contextId);
  }

  protected override setValue(ast: Parameters<Compile['setValue']>[0]): void {
    const [target, source] = ast.equal;
    const value: unknown = source.type === 'math' ? this.getExpression(source) : this.getLiteral(source);
    if (value === null || value === undefined) return;
    const evaluated: EvaluatedValueAst = { type: EVALUATED, value };
    super.setValue({ ...ast, equal: [target, evaluated as unknown as typeof source] });
  }

  protected override getExpression(ast: VelocityAst): string {
    if (ast.type === 'math' && 'expression' in ast && 'operator' in ast) {
      const [left, right] = ast.expression as VelocityAst[];
      const evaluate = (operand: VelocityAst | undefined): unknown => (operand === undefined ? undefined : this.getExpression(operand));
      switch (ast.operator) {
        case 'not':
          return !isVelocityTrue(evaluate(left)) as unknown as string;
        case '&&':
          return (isVelocityTrue(evaluate(left)) && isVelocityTrue(evaluate(right))) as unknown as string;
        case '||':
          return (isVelocityTrue(evaluate(left)) || isVelocityTrue(evaluate(right))) as unknown as string;
        case '==':
          return velocityEquals(evaluate(left), evaluate(right)) as unknown as string;
        case '!=':
          return !velocityEquals(evaluate(left), evaluate(right)) as unknown as string;
      }
    }
    return super.getExpression(ast);
  }

  /** velocityjs's #if/#elseif/#else with Velocity's notion of true. */
  getBlockIf(block: VelocityAst[]): string {
    const chosen: VelocityAst[] = [];
    let taken = false;
    block.some((ast) => {
      const hasCondition = ast.type === 'if' || ast.type === 'elseif';
      if (!hasCondition && ast.type !== 'else') {
        if (taken) chosen.push(ast);
        return false;
      }
      if (taken) return true;
      taken = hasCondition ? isVelocityTrue(this.getExpression((ast as VelocityAst & { condition: VelocityAst }).condition)) : true;
      return false;
    });
    return this.renderAstList(chosen, this.contextId);
  }
}

/**
 * The value of a simple JSONPath (`$`, `$.a.b`, `$.a[0]`, `$['a-b']`), or undefined when it does not
 * exist. Wildcards, filters and recursive descent throw rather than answer differently from API Gateway.
 */
export function evaluateJsonPath(document: unknown, path: string): unknown {
  const expression = path.trim();
  if (!expression.startsWith('$')) throw new MappingTemplateError(`Unsupported JSONPath "${path}": it must start with $`);
  const step = /\.([A-Za-z_$][\w$-]*)|\[\s*(\d+)\s*\]|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]/y;
  let current = document;
  let position = 1;
  while (position < expression.length) {
    step.lastIndex = position;
    const match = step.exec(expression);
    if (!match) throw new MappingTemplateError(`Unsupported JSONPath "${path}" at "${expression.slice(position)}"`);
    position = step.lastIndex;
    const key = match[1] ?? match[3] ?? match[4];
    if (current === null || typeof current !== 'object') return undefined;
    if (match[2] !== undefined) {
      if (!Array.isArray(current)) return undefined;
      current = current[Number(match[2])];
    } else if (key !== undefined && Object.hasOwn(current, key)) {
      current = (current as Record<string, unknown>)[key];
    } else {
      return undefined;
    }
  }
  return current;
}

function createInput(request: ApiGatewayRequestContext, rawBody: string) {
  const path = { ...(request.pathParameters ?? {}) };
  const querystring = { ...request.queryString };
  const header = { ...request.headers };
  let parsedBody: unknown;
  const document = () => {
    if (parsedBody === undefined) {
      try {
        parsedBody = rawBody.trim() === '' ? {} : JSON.parse(rawBody);
      } catch {
        // API Gateway does not fail the template on a body that is not JSON; paths find nothing.
        parsedBody = {};
      }
    }
    return parsedBody;
  };
  return {
    // API Gateway gives "{}" for an empty body (reported and reproduced by LocalStack's AWS-validated tests).
    body: rawBody === '' ? '{}' : rawBody,
    /**
     * One parameter, searched in path, query string, then headers (API Gateway's order); an empty
     * string when absent. Header names are matched exactly first, then ignoring case, since HTTP
     * header names are case-insensitive. Without a name: the `path` / `querystring` / `header` maps.
     */
    params(name?: unknown): unknown {
      if (name === undefined || name === null) return { path: { ...path }, querystring: { ...querystring }, header: { ...header } };
      const key = javaToString(name);
      for (const source of [path, querystring, header]) {
        if (Object.hasOwn(source, key)) return source[key];
      }
      const lower = key.toLowerCase();
      const headerName = Object.keys(header).find((candidate) => candidate.toLowerCase() === lower);
      return headerName === undefined ? '' : header[headerName];
    },
    /** The JSONPath's value as an object (maps render like Java's Map.toString); null when absent. */
    path(jsonPath: unknown): unknown {
      return evaluateJsonPath(document(), javaToString(jsonPath ?? '$')) ?? null;
    },
    /**
     * The JSONPath's value as JSON text. When the path finds nothing this gives an empty string;
     * AWS does not document that case.
     */
    json(jsonPath: unknown): string {
      const value = evaluateJsonPath(document(), javaToString(jsonPath ?? '$'));
      return value === undefined ? '' : JSON.stringify(value);
    },
  };
}

function createContext(request: ApiGatewayRequestContext) {
  return {
    requestId: request.requestId,
    requestTime: request.requestTime,
    requestTimeEpoch: request.requestTimeEpoch,
    httpMethod: request.httpMethod,
    resourcePath: request.resourcePath,
    stage: request.stage,
    identity: { sourceIp: request.sourceIp, userAgent: request.userAgent ?? null },
    responseOverride: { header: {} as Record<string, unknown> } as { status?: unknown; header: Record<string, unknown> },
  };
}

const UTIL = { escapeJavaScript, urlEncode, urlDecode, base64Encode, base64Decode, parseJson };

/**
 * Renders one mapping template with API Gateway's `$input`, `$util` and `$context` (and
 * `$stageVariables`). Throws {@link MappingTemplateError} where API Gateway would fail the request
 * with a 500.
 */
export function renderMappingTemplate(template: string, options: RenderMappingTemplateOptions): RenderedMappingTemplate {
  const { request } = options;
  const context = createContext(request);
  const variables = {
    input: createInput(request, options.body ?? ''),
    util: { ...UTIL },
    context,
    stageVariables: { ...(request.stageVariables ?? {}) },
  };
  const engine = new VelocityEngine(parseTemplate(template), {
    escape: false,
    customMethodHandlers: CUSTOM_METHOD_HANDLERS,
  });
  const output = engine.render(variables);

  const status = Number(context.responseOverride.status);
  const headerOverrides: Record<string, string> = {};
  for (const [name, value] of Object.entries(context.responseOverride.header)) {
    if (value !== null && value !== undefined && typeof value !== 'function') headerOverrides[name] = javaToString(value);
  }
  return {
    output,
    ...(Number.isInteger(status) && status >= 100 && status <= 599 ? { statusOverride: status } : {}),
    headerOverrides,
  };
}
