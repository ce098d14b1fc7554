/**
 * A task token shaped like the real ones: long, base64 with `+`, `/` and `=` in it.
 * Deterministic for a given seed so failures are reproducible.
 */
export function realisticTaskToken(length = 900, seed = 7): string {
  let state = seed;
  const bytes = Buffer.alloc(Math.ceil((length * 3) / 4));
  for (let i = 0; i < bytes.length; i++) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    bytes[i] = state % 256;
  }
  let token = `AQCEAAAAKgAAAA${bytes.toString('base64')}`.slice(0, length - 2);
  if (!token.includes('+')) token = `${token.slice(0, 10)}+${token.slice(11)}`;
  if (!token.includes('/')) token = `${token.slice(0, 20)}/${token.slice(21)}`;
  return `${token}==`;
}

export const HOSTILE_NAME = `<img src=x onerror="alert('pwned')">&<b>Jim</b> "O'Brien"`;
