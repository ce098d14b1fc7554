import { MappingTemplateError } from './errors';
import { javaMatches, javaReplace, javaSplit } from './java-regex';

/** Java's `toString()` of a template value: maps as `{a=1, b=2}`, lists as `[1, 2]`. */
export function javaToString(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(javaToString).join(', ')}]`;
  if (typeof value === 'object') {
    const custom = value as { toString(): string };
    if (custom.toString !== Object.prototype.toString) return custom.toString();
    const entries = Object.entries(value).filter(([, v]) => typeof v !== 'function');
    return `{${entries.map(([k, v]) => `${k}=${javaToString(v)}`).join(', ')}}`;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  // What is left: a function or a symbol.
  return (value as symbol | (() => unknown)).toString();
}

/** Java `String.trim`: strips every character up to U+0020, and nothing else. */
function javaTrim(text: string): string {
  return text.replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, '');
}

function stringArg(args: readonly unknown[], index: number, method: string): string {
  const value = args[index];
  if (value === null || value === undefined)
    throw new MappingTemplateError(`String.${method}: argument is null (java.lang.NullPointerException)`);
  return javaToString(value);
}

function intArg(args: readonly unknown[], index: number, method: string): number {
  const value = args[index];
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new MappingTemplateError(`String.${method}: argument ${index + 1} is not an int`);
  return value;
}

function checkIndex(text: string, begin: number, end: number, method: string): void {
  if (begin < 0 || end > text.length || begin > end) {
    throw new MappingTemplateError(`String.${method}: begin ${begin}, end ${end}, length ${text.length} (StringIndexOutOfBoundsException)`);
  }
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/**
 * Java `String.codePointCount(begin, end)`: the code points of the units from `begin` to `end`, a
 * surrogate pair counting as one and a lone surrogate as one; IndexOutOfBoundsException unless
 * 0 <= begin <= end <= length. (Java SE API, String.codePointCount.)
 */
function codePointCount(text: string, begin: number, end: number): number {
  if (begin < 0 || end > text.length || begin > end) {
    throw new MappingTemplateError(`String.codePointCount: begin ${begin}, end ${end}, length ${text.length} (IndexOutOfBoundsException)`);
  }
  let count = end - begin;
  for (let index = begin; index < end - 1; index++) {
    if (isHighSurrogate(text.charCodeAt(index)) && isLowSurrogate(text.charCodeAt(index + 1))) {
      count--;
      index++;
    }
  }
  return count;
}

/**
 * Java `String.offsetByCodePoints(index, offset)`: the index `offset` code points away from `index`
 * (backwards when negative), a surrogate pair counting as one and a lone surrogate as one.
 * IndexOutOfBoundsException when `index` is outside 0..length or the text has fewer code points
 * than `offset` on that side. (Java SE API, String.offsetByCodePoints and Character.offsetByCodePoints.)
 */
function offsetByCodePoints(text: string, index: number, offset: number): number {
  const outOfBounds = () =>
    new MappingTemplateError(
      `String.offsetByCodePoints: index ${index}, offset ${offset}, length ${text.length} (IndexOutOfBoundsException)`,
    );
  if (index < 0 || index > text.length) throw outOfBounds();
  let at = index;
  if (offset >= 0) {
    let moved = 0;
    for (; at < text.length && moved < offset; moved++) {
      if (isHighSurrogate(text.charCodeAt(at++)) && at < text.length && isLowSurrogate(text.charCodeAt(at))) at++;
    }
    if (moved < offset) throw outOfBounds();
  } else {
    let moved = offset;
    for (; at > 0 && moved < 0; moved++) {
      if (isLowSurrogate(text.charCodeAt(--at)) && at > 0 && isHighSurrogate(text.charCodeAt(at - 1))) at--;
    }
    if (moved < 0) throw outOfBounds();
  }
  return at;
}

type JavaStringMethod = (text: string, args: readonly unknown[]) => unknown;

/** The java.lang.String methods a template may call, with Java's semantics. */
export const JAVA_STRING_METHODS: Readonly<Record<string, JavaStringMethod>> = {
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
  codePointCount: (text, args) => codePointCount(text, intArg(args, 0, 'codePointCount'), intArg(args, 1, 'codePointCount')),
  offsetByCodePoints: (text, args) =>
    offsetByCodePoints(text, intArg(args, 0, 'offsetByCodePoints'), intArg(args, 1, 'offsetByCodePoints')),
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
