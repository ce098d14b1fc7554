import type { SlackSecret } from '../commons/slack-contract';

/** A cached copy older than this is read again when an invocation starts, so a rotation is picked up within minutes. */
export const SECRET_MAX_AGE_MS = 5 * 60 * 1000;

/** After a failed signature the secret is read again, but at most this often: forged requests cannot drive reads. */
export const SECRET_RECHECK_AFTER_MS = 60 * 1000;

/** Reads the secret; the signal aborts the read at the invocation's deadline. */
export type FetchSlackSecret = (signal?: AbortSignal) => Promise<SlackSecret>;

/**
 * The Slack secret, kept between invocations of a container. It is read again when the copy is
 * older than SECRET_MAX_AGE_MS or was marked stale (Slack refused the bot token), and after a
 * failed signature at most once per SECRET_RECHECK_AFTER_MS. When a read fails, the copy held is
 * used and the next invocation tries again.
 */
export class SlackSecretCache {
  private cached: { readonly secret: SlackSecret; readonly fetchedAtMs: number } | undefined;
  private stale = false;

  constructor(
    private readonly fetchSecret: FetchSlackSecret,
    private readonly nowMs: () => number = () => Date.now(),
    /** Told when a read failed and the copy held is used instead. */
    private readonly onReadFailed: (error: unknown) => void = () => undefined,
  ) {}

  /** The secret at the start of an invocation: the copy held, unless it is missing, old or stale. */
  async current(signal?: AbortSignal): Promise<SlackSecret> {
    if (this.cached !== undefined && !this.stale && this.nowMs() - this.cached.fetchedAtMs < SECRET_MAX_AGE_MS) {
      return this.cached.secret;
    }
    return this.read(signal);
  }

  /** After a signature failed with current(): a fresh copy if the held one is old enough, else undefined. */
  async refetchIfOld(signal?: AbortSignal): Promise<SlackSecret | undefined> {
    if (this.cached !== undefined && this.nowMs() - this.cached.fetchedAtMs < SECRET_RECHECK_AFTER_MS) return undefined;
    return this.read(signal);
  }

  /** Slack refused the bot token (revoked or rotated): the next invocation reads the secret again. */
  markStale(): void {
    this.stale = true;
  }

  private async read(signal: AbortSignal | undefined): Promise<SlackSecret> {
    try {
      const secret = await this.fetchSecret(signal);
      this.cached = { secret, fetchedAtMs: this.nowMs() };
      this.stale = false;
      return secret;
    } catch (error) {
      if (this.cached === undefined) throw error;
      this.onReadFailed(error);
      return this.cached.secret;
    }
  }
}
