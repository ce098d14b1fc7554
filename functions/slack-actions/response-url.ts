import type { SlackResponseMessage } from './decision-messages';

/** Slack did not accept a message sent to a response_url. Names the status only: the URL is a bearer credential. */
export class ResponseUrlError extends Error {
  override readonly name = 'ResponseUrlError';
  constructor(readonly status: number) {
    super(`Slack answered ${status} to a message sent to a response_url.`);
  }
}

/**
 * POSTs the message as JSON to a response_url ("Handling user interaction in your Slack apps",
 * message responses, https://docs.slack.dev/interactivity/handling-user-interaction#message_responses);
 * the signal aborts it at the invocation's deadline.
 */
export async function postToResponseUrl(
  url: string,
  message: SlackResponseMessage,
  signal: AbortSignal,
  fetchFn: typeof fetch = fetch,
): Promise<void> {
  const response = await fetchFn(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(message),
    signal,
  });
  // The body is read so that the connection can be reused.
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) throw new ResponseUrlError(response.status);
}
