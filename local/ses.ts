import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import startSesServer from 'aws-ses-v2-local';

export interface LocalSes {
  /** Base URL: the SES v2 endpoint, with the inbox page at `/` and the sent emails at `/store`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** One email as `GET /store` lists it. */
export interface StoredEmail {
  readonly messageId: string;
  readonly from: string;
  readonly destination: { readonly to: readonly string[] };
  readonly subject: string;
  readonly body: { readonly html?: string; readonly text?: string };
  /** Seconds since the epoch. */
  readonly at: number;
}

/**
 * SES v2 on loopback (aws-ses-v2-local): SendEmail stores the message instead of sending it, and
 * its inbox page shows the stored emails with clickable links.
 */
export async function startLocalSes(options: { host?: string; port?: number } = {}): Promise<LocalSes> {
  const host = options.host ?? '127.0.0.1';
  const server: Server = await startSesServer({ host, port: options.port ?? 8005 });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The emails the local SES has stored, oldest first. */
export async function fetchStoredEmails(sesUrl: string): Promise<StoredEmail[]> {
  const response = await fetch(`${sesUrl}/store`);
  if (!response.ok) throw new Error(`GET ${sesUrl}/store answered ${response.status}`);
  const { emails } = (await response.json()) as { emails: StoredEmail[] };
  return emails;
}
