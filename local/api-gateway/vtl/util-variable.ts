import { MappingTemplateError } from './errors';
import { javaToString } from './java-string';

/** The characters with a short escape, each with the letter Commons Lang writes after the backslash. */
const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '\b': 'b',
  '\f': 'f',
  '\n': 'n',
  '\r': 'r',
  '\t': 't',
  "'": "'",
  '"': '"',
  '\\': '\\',
  '/': '/',
};

/** SHORT_ESCAPES by character code: the letter's code, or 0 for a character without a short escape. */
const SHORT_ESCAPE_LETTER = new Uint8Array(128);
for (const [char, letter] of Object.entries(SHORT_ESCAPES)) SHORT_ESCAPE_LETTER[char.charCodeAt(0)] = letter.charCodeAt(0);

const NEEDS_ESCAPE = /[\x00-\x1f"'\\/\u0080-\uffff]/;
const UPPER_HEX = Buffer.from('0123456789ABCDEF', 'latin1');

/**
 * `$util.escapeJavaScript`: Apache Commons Lang `StringEscapeUtils.escapeJavaScript`. Beyond JSON
 * string escaping it turns `'` into `\'` (not valid JSON) and `/` into `\/`; every UTF-16 code unit
 * outside 0x20-0x7f becomes `\uXXXX` with upper-case hex (DEL, 0x7f, passes through as in Commons
 * Lang). Null stays null.
 *
 * The escaped text is ASCII, so it is written into one buffer of its exact length: a token of 5 MB
 * that needs millions of escapes costs two passes, not millions of small strings.
 */
export function escapeJavaScript(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = javaToString(value);
  if (!NEEDS_ESCAPE.test(text)) return text;
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    length += code < 0x80 && SHORT_ESCAPE_LETTER[code] !== 0 ? 2 : code < 0x20 || code > 0x7f ? 6 : 1;
  }
  const escaped = Buffer.allocUnsafe(length);
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const letter = code < 0x80 ? (SHORT_ESCAPE_LETTER[code] ?? 0) : 0;
    if (letter !== 0) {
      escaped[at++] = 0x5c;
      escaped[at++] = letter;
    } else if (code < 0x20 || code > 0x7f) {
      escaped[at++] = 0x5c;
      escaped[at++] = 0x75;
      for (let shift = 12; shift >= 0; shift -= 4) escaped[at++] = UPPER_HEX[(code >> shift) & 0xf] ?? 0;
    } else {
      escaped[at++] = code;
    }
  }
  return escaped.toString('latin1');
}

/** `$util.urlEncode`: Java `URLEncoder.encode(s, "UTF-8")`, which differs from encodeURIComponent on ` !'()~`. */
function urlEncode(value: unknown): string {
  const text = requireString(value, 'urlEncode');
  // Java encodes an unpaired surrogate as '?'.
  const wellFormed = text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '?');
  return encodeURIComponent(wellFormed)
    .replace(/[!'()~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** The value of a hex digit's character code (0-9, A-F, a-f). */
function hexValue(code: number): number {
  return code <= 0x39 ? code - 0x30 : (code | 0x20) - 0x57;
}

/**
 * `$util.urlDecode`: Java `URLDecoder.decode(s, "UTF-8")`; it throws on a malformed escape, so this
 * does too (without the text, which may hold a token). Each run of escapes is one byte sequence,
 * decoded as UTF-8.
 */
function urlDecode(value: unknown): string {
  const text = requireString(value, 'urlDecode');
  const malformed = /%(?![0-9A-Fa-f]{2})/.exec(text);
  if (malformed) {
    throw new MappingTemplateError(`$util.urlDecode: illegal hex characters in escape (%) pattern at index ${malformed.index}`);
  }
  return text.replace(/\+|(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    if (run === '+') return ' ';
    const bytes = Buffer.allocUnsafe(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (hexValue(run.charCodeAt(i * 3 + 1)) << 4) | hexValue(run.charCodeAt(i * 3 + 2));
    return bytes.toString('utf8');
  });
}

/** `$util.base64Encode`: standard alphabet, with padding, of the UTF-8 bytes. */
function base64Encode(value: unknown): string {
  return Buffer.from(requireString(value, 'base64Encode'), 'utf8').toString('base64');
}

/** `$util.base64Decode`: decodes to a UTF-8 string; like Node it accepts missing padding. */
function base64Decode(value: unknown): string {
  const text = requireString(value, 'base64Decode');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1) {
    throw new MappingTemplateError('$util.base64Decode: the text is not Base64');
  }
  return Buffer.from(text, 'base64').toString('utf8');
}

/** `$util.parseJson`: a JSON string to an object; invalid JSON fails the template. */
function parseJson(value: unknown): unknown {
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

/** `$util`: the helper functions API Gateway gives templates, with the Java behaviour behind them. */
export const UTIL = { escapeJavaScript, urlEncode, urlDecode, base64Encode, base64Decode, parseJson };
