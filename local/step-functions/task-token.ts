import { randomBytes } from 'node:crypto';

/**
 * Bytes behind a token. Real tokens are base64 blobs of several hundred characters; 526 bytes give
 * 704 characters ending in `==`, so every token exercises URL encoding of `=`.
 */
const TOKEN_BYTES = 526;

/** Longest token the API accepts. */
export const MAX_TASK_TOKEN_LENGTH = 2_048;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * A fresh, unguessable task token that contains `+`, `/` and `=`, the characters that break when a
 * token travels through a URL unencoded.
 */
export function newTaskToken(): string {
  for (;;) {
    const token = randomBytes(TOKEN_BYTES).toString('base64');
    if (token.includes('+') && token.includes('/')) return token;
  }
}

/** Whether the text could be a token this engine issued (base64 of the right shape). */
export function isWellFormedTaskToken(token: string): boolean {
  return token.length % 4 === 0 && BASE64.test(token);
}
