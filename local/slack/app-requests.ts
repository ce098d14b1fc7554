import { createHmac } from 'node:crypto';

/**
 * How Slack sends an interaction to the app's request URL: "an HTTP POST request in the form
 * application/x-www-form-urlencoded", whose body's `payload` parameter is the JSON payload
 * ("Handling user interaction", https://api.slack.com/interactivity/handling), signed with the
 * app's signing secret ("Verifying requests from Slack",
 * https://api.slack.com/authentication/verifying-requests-from-slack).
 */

/**
 * `v0=` and the hex HMAC-SHA256, keyed with the signing secret, of `v0:<timestamp>:<body>`, the
 * timestamp being X-Slack-Request-Timestamp (seconds since the epoch) and the body the raw request
 * body (https://api.slack.com/authentication/verifying-requests-from-slack).
 */
export function slackSignature(signingSecret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/**
 * How long the stand-in waits for the app's answer. Slack wants it within 3 seconds (the
 * acknowledgment response, https://api.slack.com/interactivity/handling#acknowledgment_response)
 * and shows the user an error after that; a local Lambda's cold start may take longer, so the
 * stand-in waits longer and records how long it took.
 */
const ANSWER_TIMEOUT_MS = 10_000;
export const SLACK_ACKNOWLEDGE_MS = 3_000;
/** The most of an app's answer kept (its body is JSON, e.g. `response_action: errors`, or empty). */
const MAX_ANSWER_CHARS = 64 * 1024;

export interface AppAnswer {
  /** The HTTP status; 0 when the app could not be reached or did not answer in time. */
  readonly status: number;
  readonly body: string;
  readonly ms: number;
}

/** POSTs a payload to the request URL as Slack does, and reads the app's answer. */
export async function sendToApp(requestUrl: string, signingSecret: string, payload: unknown): Promise<AppAnswer> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = String(Math.floor(Date.now() / 1000));
  const started = Date.now();
  try {
    const response = await fetch(requestUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': slackSignature(signingSecret, timestamp, body),
        'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
    });
    const answer = await response.text();
    return { status: response.status, body: answer.slice(0, MAX_ANSWER_CHARS), ms: Date.now() - started };
  } catch {
    return { status: 0, body: '', ms: Date.now() - started };
  }
}
