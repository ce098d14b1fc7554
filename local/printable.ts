/**
 * What a terminal would obey or hide instead of show: control characters (C0, C1), line and
 * paragraph separators, format characters (bidirectional controls, soft hyphen, tags: Unicode's
 * category Cf) except the zero-width joiners that emoji are made of, and lone surrogates.
 */
const UNSAFE = /[\p{Cc}\u2028\u2029]|(?![\u200c\u200d])\p{Cf}|\p{Cs}/gu;

/**
 * `text` with every character a terminal would obey or hide written as a `\uXXXX` escape: the
 * local stack's log lines carry names that whoever calls its endpoints chooses (execution names),
 * which may hold bidirectional controls.
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, (character) =>
    Array.from({ length: character.length }, (_, index) => `\\u${character.charCodeAt(index).toString(16).padStart(4, '0')}`).join(''),
  );
}
