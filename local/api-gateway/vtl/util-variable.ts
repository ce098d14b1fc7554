import { MappingTemplateError } from './errors';
import { javaToString } from './java-string';

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
function urlEncode(value: unknown): string {
  const text = requireString(value, 'urlEncode');
  // Java encodes an unpaired surrogate as '?'.
  const wellFormed = text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '?');
  return encodeURIComponent(wellFormed)
    .replace(/[!'()~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** `$util.urlDecode`: Java `URLDecoder.decode(s, "UTF-8")`; it throws on a malformed escape, so this does too. */
function urlDecode(value: unknown): string {
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
function base64Encode(value: unknown): string {
  return Buffer.from(requireString(value, 'base64Encode'), 'utf8').toString('base64');
}

/** `$util.base64Decode`: decodes to a UTF-8 string; like Node it accepts missing padding. */
function base64Decode(value: unknown): string {
  const text = requireString(value, 'base64Decode');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1) {
    throw new MappingTemplateError(`$util.base64Decode: "${text}" is not Base64`);
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
