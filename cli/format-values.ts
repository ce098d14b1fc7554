// Execution input is anyone's: control and bidi characters could move the cursor or recolour the
// terminal, so they are shown escaped.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Everything printed from execution data goes through here. */
export function printable(value: string): string {
  return value.replace(UNPRINTABLE, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function shorten(value: string, width: number): string {
  return value.length > width ? `${value.slice(0, width - 3)}...` : value;
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
