import { clip, PROBE_USER_AGENT, type PageSeen } from './summary';

/**
 * Opens a link as a mail client's browser would, and reads the answer as `<status> <page title>`.
 * The URL carries a task token: it is never logged, and neither is the body.
 */
export async function openLink(url: string): Promise<PageSeen> {
  try {
    const response = await fetch(url, {
      redirect: 'manual',
      headers: { accept: 'text/html', 'user-agent': PROBE_USER_AGENT },
      signal: AbortSignal.timeout(15_000),
    });
    const body = await response.text();
    const title = /<title>([^<]*)<\/title>/i.exec(body)?.[1]?.trim();
    return clip(`${response.status} ${title ?? '(no page title)'}`, 60);
  } catch (error) {
    // Only the error's name: a message could quote the URL, and with it the token.
    return `no answer (${(error as Error).name})`;
  }
}
