import { createHash, randomBytes } from 'node:crypto';

/**
 * The ids the local Slack hands out, in the shapes Slack's own take: user ids `U…`, direct message
 * channels `D…`, views `V…`, message timestamps `1700000000.000100`, trigger ids
 * `132456.7890123.abcdef` (views.open's error table names that format:
 * https://docs.slack.dev/reference/methods/views.open). A user's ids come from their address, so
 * they stay the same across restarts of `npm start`.
 */

/** RFC 4648 base32: upper-case letters and digits, as Slack's ids are made of. */
const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const ID_LENGTH = 10;

function base32(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let text = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      text += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return text;
}

/** The address as Slack compares it: without surrounding blanks, case folded. */
export function normalizedEmail(email: string): string {
  return email.trim().toLowerCase();
}

function idBody(email: string): string {
  return base32(createHash('sha256').update(normalizedEmail(email)).digest()).slice(0, ID_LENGTH);
}

/** The user id of an address: the same address (in any case) always gets the same id. */
export function localSlackUserId(email: string): string {
  return `U${idBody(email)}`;
}

/** The direct message channel between the app and a user: `D` and the rest of the user's id. */
export function directMessageChannelOf(userId: string): string {
  return `D${userId.slice(1)}`;
}

/** A random id with a letter before it, e.g. a view id `V…`. */
export function randomSlackId(prefix: string): string {
  return `${prefix}${base32(randomBytes(8)).slice(0, ID_LENGTH)}`;
}

/** A trigger id: `<seconds>.<digits>.<hex>`. */
export function newTriggerId(now: number): string {
  const digits = randomBytes(6).readUIntBE(0, 6) % 10_000_000_000;
  return `${Math.floor(now / 1000)}.${digits}.${randomBytes(16).toString('hex')}`;
}

/**
 * Message timestamps: seconds, a dot, six digits. They are unique per channel in Slack; here they
 * are unique across the stand-in, so that a `ts` alone names a message.
 */
export class MessageClock {
  private lastSeconds = 0;
  private counter = 0;

  next(now: number): string {
    const seconds = Math.max(Math.floor(now / 1000), this.lastSeconds);
    this.counter = seconds === this.lastSeconds ? this.counter + 1 : 1;
    if (this.counter > 999_999) return this.next((seconds + 1) * 1000);
    this.lastSeconds = seconds;
    return `${seconds}.${String(this.counter).padStart(6, '0')}`;
  }
}
