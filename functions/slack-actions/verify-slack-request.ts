import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How far Slack's request timestamp may be from our clock, either way: five minutes, as Slack
 * advises against replays ("Verifying requests from Slack",
 * https://docs.slack.dev/authentication/verifying-requests-from-slack).
 */
export const SLACK_REQUEST_MAX_SKEW_SECONDS = 5 * 60;

/** Why a request is not accepted as Slack's; never anything about the secret. */
export type SlackRequestRefusal = 'missing-headers' | 'malformed-timestamp' | 'stale-timestamp' | 'bad-signature';

export type SlackRequestVerification = { readonly valid: true } | { readonly valid: false; readonly reason: SlackRequestRefusal };

/** A request as API Gateway hands it over: headers in whatever case they arrived, the body as sent. */
export interface SignedSlackRequest {
  readonly headers: Readonly<Record<string, string | undefined>> | null;
  /** The raw body, byte for byte as Slack signed it (decoded from base64 if API Gateway encoded it). */
  readonly rawBody: Buffer;
}

/** Header names are case-insensitive (RFC 9110), and Slack says not to assume a case (page above). */
function header(headers: SignedSlackRequest['headers'], name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined && value !== '') return value;
  }
  return undefined;
}

/**
 * Slack's signature of a request: `v0=` and the hex HMAC-SHA256, keyed with the app's signing
 * secret, of `v0:<X-Slack-Request-Timestamp>:<raw body>` (page above).
 */
export function slackSignature(signingSecret: string, timestamp: string, rawBody: Buffer | string): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest('hex')}`;
}

/**
 * Whether the request comes from Slack: signed with this signing secret, and sent within
 * SLACK_REQUEST_MAX_SKEW_SECONDS of `nowMs`. The signatures are compared in constant time.
 */
export function verifySlackRequest(request: SignedSlackRequest, signingSecret: string, nowMs: number): SlackRequestVerification {
  const timestamp = header(request.headers, 'X-Slack-Request-Timestamp');
  const signature = header(request.headers, 'X-Slack-Signature');
  if (timestamp === undefined || signature === undefined) return { valid: false, reason: 'missing-headers' };
  if (!/^\d{1,15}$/.test(timestamp)) return { valid: false, reason: 'malformed-timestamp' };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > SLACK_REQUEST_MAX_SKEW_SECONDS) return { valid: false, reason: 'stale-timestamp' };
  const expected = Buffer.from(slackSignature(signingSecret, timestamp, request.rawBody), 'utf8');
  const received = Buffer.from(signature, 'utf8');
  // timingSafeEqual needs equal lengths; the expected length is public (v0= and 64 hex digits).
  if (received.length !== expected.length || !timingSafeEqual(received, expected)) return { valid: false, reason: 'bad-signature' };
  return { valid: true };
}
