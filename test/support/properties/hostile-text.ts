import fc from 'fast-check';

/**
 * Text an attacker or a careless user could put into a request: any Unicode, weighted towards the
 * characters that mean something to JSON, JavaScript escaping, HTML, URLs, VTL, or the reader's eye.
 */

const character = (codePoint: number): string => String.fromCodePoint(codePoint);

/** Any ASCII character, the controls included. */
const ascii = fc.integer({ min: 0x00, max: 0x7f }).map(character);
/** Printable ASCII only. */
export const printableAscii = fc.integer({ min: 0x20, max: 0x7e }).map(character);
/** The Basic Multilingual Plane beyond ASCII, surrogates excepted. */
const bmp = fc.oneof(fc.integer({ min: 0x80, max: 0xd7ff }), fc.integer({ min: 0xe000, max: 0xfffd })).map(character);
/** Outside the BMP: two UTF-16 units, which a cut by units splits. */
export const astral = fc.integer({ min: 0x10000, max: 0x10ffff }).map(character);
/** Half of a surrogate pair on its own: a JavaScript string may hold one, UTF-8 cannot. */
export const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));

/** Single code points with a meaning somewhere on the way. */
const meaningful = fc.constantFrom(
  ...['"', "'", '\\', '/', '<', '>', '&', '%', '+', '=', '#', '$', '{', '}', '?', ';', ' '],
  ...['\n', '\r', '\t', '\b', '\f', '\u0000', '\u001f', '\u007f', '\u0085', '\u00a0', '\u2028', '\u2029'],
  // Bidirectional controls, a zero-width joiner, a byte order mark, the replacement character.
  ...['\u202a', '\u202e', '\u2066', '\u2069', '\u200d', '\ufeff', '\ufffd'],
  ...['é', '日', 'ß', '😀', '𝄞'],
);

/** One code point (a well-formed string of one character). */
export const codePoint = fc.oneof(
  { arbitrary: ascii, weight: 4 },
  { arbitrary: meaningful, weight: 3 },
  { arbitrary: bmp, weight: 2 },
  { arbitrary: astral, weight: 2 },
);

/** Pieces of markup, JSON, escapes and template syntax that an injection would use. */
const fragment = fc.constantFrom(
  '</script>',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '","output":"{}',
  '\\","error":"x',
  '"}',
  '{"decision":"approved"}',
  "\\'",
  '\\u0000',
  '\\"',
  '#set($taskToken = "x")',
  '$context.requestId',
  '${input.body}',
  '$util.escapeJavaScript("x")',
  '#end',
  '%zz',
  '%E9',
  '%00',
  '%2B',
  '&amp;',
  '&#39;',
  '&taskToken=forged',
  '\r\n',
);

/** Well-formed text of up to `maxPieces` code points and fragments. */
export function hostileText(options: { readonly minPieces?: number; readonly maxPieces: number }): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof({ arbitrary: codePoint, weight: 5 }, { arbitrary: fragment, weight: 1 }), {
      minLength: options.minPieces ?? 0,
      maxLength: options.maxPieces,
      // Lengths across the whole range, not only the short ones fast-check prefers by default.
      size: 'max',
    })
    .map((pieces) => pieces.join(''));
}

/** Exactly `min` to `max` code points, so the length of the result is known in code points. */
export function codePoints(min: number, max: number, unit: fc.Arbitrary<string> = codePoint): fc.Arbitrary<string> {
  return fc.array(unit, { minLength: min, maxLength: max, size: 'max' }).map((characters) => characters.join(''));
}

/** What a well-formed channel (UTF-8, a browser's form encoding) makes of a string: lone surrogates become U+FFFD. */
export function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** The first `limit` code points of `text`, as a person counts characters. */
export function firstCodePoints(text: string, limit: number): string {
  return Array.from(text).slice(0, limit).join('');
}
