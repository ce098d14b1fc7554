import { escapeUnsafeCharacters, escapeUnsafeInJson, firstCharacters } from '../functions/commons/text-checks';

/**
 * Everything printed from execution data goes through here. Execution input, names, decision
 * records and AWS messages are anyone's: control characters could move the cursor or recolour the
 * terminal, and bidirectional controls reorder the line (an ARN or a name read in another order
 * than it is), so they are shown as `\uXXXX` escapes.
 */
export function printable(value: string): string {
  return escapeUnsafeCharacters(value);
}

/** Text of several lines, each made printable: the last guard of everything the CLI writes. */
export function printableLines(text: string): string {
  return text.split('\n').map(printable).join('\n');
}

/**
 * `--json` output. JSON.stringify escapes control characters but leaves C1 controls, U+2028,
 * U+2029 and the bidirectional controls as they are, which a terminal or a log viewer would obey:
 * those are written as `\uXXXX` escapes too, which parse back to the same value.
 */
export function formatJson(value: unknown): string {
  return escapeUnsafeInJson(JSON.stringify(value, null, 2));
}

/** At most `width` characters (code points, so no emoji is split), with `...` when cut. */
export function shorten(value: string, width: number): string {
  return Array.from(value).length > width ? `${firstCharacters(value, width - 3)}...` : value;
}

/** `2026-11-21 10:00:00 UTC` from an ISO date. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '-';
  return iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC');
}

/** `2d 3h`, `3h 5m`, `5m 10s`, `40s`: a time left, to the two largest units. */
export function formatDuration(milliseconds: number): string {
  const seconds = Math.max(0, Math.round(milliseconds / 1_000));
  const units: ReadonlyArray<readonly [string, number]> = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  const first = units.findIndex(([, size]) => seconds >= size);
  if (first === -1) return '0s';
  const [bigUnit, bigSize] = units[first] ?? ['s', 1];
  const big = Math.floor(seconds / bigSize);
  const next = units[first + 1];
  if (next === undefined) return `${big}${bigUnit}`;
  const small = Math.floor((seconds - big * bigSize) / next[1]);
  return small === 0 ? `${big}${bigUnit}` : `${big}${bigUnit} ${small}${next[0]}`;
}
