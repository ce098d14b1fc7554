import { printable } from './format-values';

/**
 * Where a text stops being JSON (RFC 8259), said for a person: `line 3, column 14: expected ','
 * or '}', found: "details": {...`. JSON.parse's own messages differ from case to case: some give a
 * position, others echo the text instead, so the place is found here.
 */

/** The first place a text is not JSON, and what is wrong there. */
export interface JsonSyntaxError {
  /** In UTF-16 units from the start of the text; the text's length when it ends too early. */
  readonly offset: number;
  /** `expected ',' or '}'`, `a line break inside a string (write it as \n)`. */
  readonly problem: string;
}

type Expecting = 'value' | 'value-or-]' | 'name' | 'name-or-}' | 'colon' | 'comma-or-close' | 'end';

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const SINGLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const LITERALS = ['true', 'false', 'null'] as const;
const HEX_DIGIT = /^[0-9A-Fa-f]$/;
/** How much of the text a message shows from the place of the error: it is anyone's text. */
const SHOWN_CHARACTERS = 40;

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

function expected(offset: number, what: string): JsonSyntaxError {
  return { offset, problem: `expected ${what}` };
}

/** The offset after the string that starts at `start` (a `"`), or what is wrong in it. */
function stringEnd(text: string, start: number): number | JsonSyntaxError {
  let at = start + 1;
  for (;;) {
    if (at >= text.length) return expected(at, `'"' to close the string`);
    const code = text.charCodeAt(at);
    if (code === 0x22) return at + 1;
    if (code < 0x20) return { offset: at, problem: 'a control character inside a string (write a line break as \\n, a tab as \\t)' };
    if (code !== 0x5c) {
      at += 1;
      continue;
    }
    const escape = text[at + 1];
    if (escape === 'u') {
      const hex = text.slice(at + 2, at + 6);
      if (hex.length < 4 || ![...hex].every((digit) => HEX_DIGIT.test(digit))) return expected(at, 'four hexadecimal digits after \\u');
      at += 6;
    } else if (escape !== undefined && SINGLE_ESCAPES.has(escape)) {
      at += 2;
    } else {
      return expected(at, 'an escape JSON knows: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX');
    }
  }
}

/** The offset after the number that starts at `start`, or where it stops being one. */
function numberEnd(text: string, start: number): number | JsonSyntaxError {
  let at = text[start] === '-' ? start + 1 : start;
  const digits = (): boolean => {
    if (!isDigit(text[at])) return false;
    while (isDigit(text[at])) at += 1;
    return true;
  };
  if (text[at] === '0') at += 1;
  else if (!digits()) return expected(at, 'a digit');
  if (text[at] === '.') {
    at += 1;
    if (!digits()) return expected(at, 'a digit after the decimal point');
  }
  if (text[at] === 'e' || text[at] === 'E') {
    at += 1;
    if (text[at] === '+' || text[at] === '-') at += 1;
    if (!digits()) return expected(at, 'a digit in the exponent');
  }
  return at;
}

function valueEnd(text: string, start: number): number | JsonSyntaxError {
  const char = text[start];
  if (char === '"') return stringEnd(text, start);
  if (char === '-' || isDigit(char)) return numberEnd(text, start);
  const literal = LITERALS.find((candidate) => text.startsWith(candidate, start));
  return literal === undefined
    ? expected(start, 'a value (an object, an array, a string in double quotes, a number, true, false or null)')
    : start + literal.length;
}

/** Where `text` stops being one JSON value, or undefined when it is one. */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  // The open objects and arrays, innermost last; a stack, not recursion, so deep nesting cannot overflow.
  const open: Array<'{' | '['> = [];
  let expecting: Expecting = 'value';
  let at = 0;
  const afterValue = (): Expecting => (open.length === 0 ? 'end' : 'comma-or-close');
  for (;;) {
    while (at < text.length && WHITESPACE.has(text[at] ?? '')) at += 1;
    const char = text[at];
    switch (expecting) {
      case 'end':
        return char === undefined ? undefined : expected(at, 'nothing more after the JSON value');
      case 'colon':
        if (char !== ':') return expected(at, "':' after the property name");
        at += 1;
        expecting = 'value';
        break;
      case 'name':
      case 'name-or-}': {
        if (char === '}' && expecting === 'name-or-}') {
          open.pop();
          at += 1;
          expecting = afterValue();
          break;
        }
        if (char !== '"')
          return expected(at, expecting === 'name' ? 'a property name in double quotes' : "a property name in double quotes or '}'");
        const end = stringEnd(text, at);
        if (typeof end !== 'number') return end;
        at = end;
        expecting = 'colon';
        break;
      }
      case 'comma-or-close': {
        const close = open.at(-1) === '{' ? '}' : ']';
        if (char !== ',' && char !== close) return expected(at, `',' or '${close}'`);
        at += 1;
        if (char === ',') {
          expecting = close === '}' ? 'name' : 'value';
        } else {
          open.pop();
          expecting = afterValue();
        }
        break;
      }
      case 'value':
      case 'value-or-]': {
        if (char === ']' && expecting === 'value-or-]') {
          open.pop();
          at += 1;
          expecting = afterValue();
        } else if (char === '{' || char === '[') {
          open.push(char);
          at += 1;
          expecting = char === '{' ? 'name-or-}' : 'value-or-]';
        } else {
          const end = valueEnd(text, at);
          if (typeof end !== 'number') return end;
          at = end;
          expecting = afterValue();
        }
        break;
      }
    }
  }
}

/**
 * The error as one line: its line and column (counted in characters, from 1) and at most
 * SHOWN_CHARACTERS of the text from there, escaped; or that the text ends too early.
 */
export function describeJsonSyntaxError(text: string, error: JsonSyntaxError): string {
  const lineStart = text.lastIndexOf('\n', error.offset - 1) + 1;
  const line = text.slice(0, lineStart).split('\n').length;
  const column = Array.from(text.slice(lineStart, error.offset)).length + 1;
  if (error.offset >= text.length) return `it ends at line ${line}, column ${column}: ${error.problem}`;
  // The rest of the line, from the very character at fault (which may be the line break itself).
  const lineEnd = text.indexOf('\n', error.offset + 1);
  const rest = Array.from(text.slice(error.offset, lineEnd === -1 ? undefined : lineEnd).replace(/(?<=.)\r$/su, ''));
  const shown = rest.slice(0, SHOWN_CHARACTERS).join('') + (rest.length > SHOWN_CHARACTERS ? '...' : '');
  return `line ${line}, column ${column}: ${error.problem}, found: ${printable(shown)}`;
}
