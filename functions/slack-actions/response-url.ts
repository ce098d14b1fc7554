import type { SlackResponseMessage } from './decision-messages';

/** How long one POST to a response_url may take, so the answer to Slack stays within its 3 seconds. */
export const RESPONSE_URL_TIMEOUT_MS = 2_000;

/** Slack did not accept a message sent to a response_url. Names the status only: the URL is a bearer credential. */
export class ResponseUrlError extends Error {
  override readonly name = 'ResponseUrlError';
  constructor(readonly status: number) {
    super(`Slack answered ${status} to a message sent to a response_url.`);
  }
}

/**
 * POSTs the message as JSON to a response_url ("Handling user interaction in your Slack apps",
 * message responses, https://docs.slack.dev/interactivity/handling-user-interaction#message_responses).
 */
export async function postToResponseUrl(url: string, message: SlackResponseMessage, fetchFn: typeof fetch = fetch): Promise<void> {
  const response = await fetchFn(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(message),
    signal: AbortSignal.timeout(RESPONSE_URL_TIMEOUT_MS),
  });
  // The body is read so that the connection can be reused.
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) throw new ResponseUrlError(response.status);
}
