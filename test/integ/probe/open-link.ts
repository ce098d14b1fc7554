import { clip, PROBE_USER_AGENT, type PageSeen } from './summary';

/** A page as the probe read it: `<status> <page title>`, and the body for the probe's own checks. */
export interface FetchedPage {
  readonly seen: PageSeen;
  /** The HTML; it may hold the task token (the confirmation form does): never returned or logged. */
  readonly body: string;
}

/**
 * Opens a link as a mail client's browser would (or, with `form`, submits a form as a browser
 * does), and reads the answer. The URL and the form carry a task token: neither is ever logged,
 * and neither is the body.
 */
export async function fetchPage(url: string, form?: URLSearchParams): Promise<FetchedPage> {
  try {
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        'user-agent': PROBE_USER_AGENT,
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form?.toString(),
      signal: AbortSignal.timeout(15_000),
    });
    const body = await response.text();
    const title = /<title>([^<]*)<\/title>/i.exec(body)?.[1]?.trim();
    return { seen: clip(`${response.status} ${title ?? '(no page title)'}`, 60), body };
  } catch (error) {
    // Only the error's name: a message could quote the URL, and with it the token.
    return { seen: `no answer (${(error as Error).name})`, body: '' };
  }
}

/** Opens a link and reads the answer as `<status> <page title>`. */
export async function openLink(url: string): Promise<PageSeen> {
  return (await fetchPage(url)).seen;
}
