import type { SlackSecret } from '../commons/slack-contract';

/** A cached secret older than this is fetched again when a signature fails with it (a rotation). */
export const SECRET_RECHECK_AFTER_MS = 5 * 60 * 1000;

/**
 * The Slack secret, fetched once and kept for the life of the container. A signature that fails
 * with an older copy may mean the signing secret was rotated, so such a copy is fetched again,
 * at most once per SECRET_RECHECK_AFTER_MS; forged requests cannot make it fetch more often.
 */
export class SlackSecretCache {
  private cached: { readonly secret: SlackSecret; readonly fetchedAtMs: number } | undefined;

  constructor(
    private readonly fetchSecret: () => Promise<SlackSecret>,
    private readonly nowMs: () => number = () => Date.now(),
  ) {}

  async current(): Promise<SlackSecret> {
    if (this.cached === undefined) this.cached = { secret: await this.fetchSecret(), fetchedAtMs: this.nowMs() };
    return this.cached.secret;
  }

  /** After a signature failed with current(): a fresh copy if the cached one is old enough, else undefined. */
  async refetchIfOld(): Promise<SlackSecret | undefined> {
    if (this.cached !== undefined && this.nowMs() - this.cached.fetchedAtMs < SECRET_RECHECK_AFTER_MS) return undefined;
    this.cached = { secret: await this.fetchSecret(), fetchedAtMs: this.nowMs() };
    return this.cached.secret;
  }
}
