import { classifySlackError } from '../commons/slack-errors';
import type { SlackMessagingApi } from './send-approval-slack';

/**
 * How long an approver's Slack user id is kept: reminders and bursts of requests to the same people
 * then make one users.lookupByEmail call, not one a message. The method is rate-limited at Tier 3,
 * some 50 calls a minute per workspace (https://docs.slack.dev/reference/methods/users.lookupByEmail,
 * https://docs.slack.dev/apis/web-api/rate-limits). A user id does not change; ten minutes bounds
 * how long a deactivated user still gets messages Slack then refuses (the approver is emailed).
 */
export const SLACK_USER_ID_TTL_MS = 10 * 60_000;

/**
 * How long "Slack knows no one with this address" (users_not_found) is kept: short, so an approver
 * who joins the workspace, or whose address is corrected, gets Slack messages soon after.
 */
export const SLACK_USER_NOT_FOUND_TTL_MS = 60_000;

interface Remembered {
  readonly until: number;
  readonly answer: { readonly user: { readonly id: string } } | { readonly notFound: unknown };
}

/** At most this many addresses are kept; a container that meets more starts over (a bound, not a policy). */
const MAX_REMEMBERED = 10_000;

export interface SlackUserLookupCacheOptions {
  /** Milliseconds since the epoch; Date.now by default. */
  readonly now?: () => number;
}

/**
 * `api` with its users.lookupByEmail answers kept per email address (SLACK_USER_ID_TTL_MS for a
 * user id, SLACK_USER_NOT_FOUND_TTL_MS for users_not_found, which is thrown again as it came); any
 * other failure is not kept. Made with the client, so it lives as long as the container keeps that
 * client (slack-client.ts), and goes with it when Slack refuses the app.
 */
export function withSlackUserLookupCache(api: SlackMessagingApi, options: SlackUserLookupCacheOptions = {}): SlackMessagingApi {
  const now = options.now ?? Date.now;
  const remembered = new Map<string, Remembered>();
  const lookupByEmail = async (args: { email: string }): Promise<{ user?: { id?: string } }> => {
    const key = args.email;
    const kept = remembered.get(key);
    if (kept !== undefined && kept.until > now()) {
      if ('notFound' in kept.answer) throw kept.answer.notFound;
      return kept.answer;
    }
    remembered.delete(key);
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    try {
      const found = await api.users.lookupByEmail(args);
      const id = found.user?.id;
      if (id !== undefined && id !== '') remembered.set(key, { until: now() + SLACK_USER_ID_TTL_MS, answer: { user: { id } } });
      return found;
    } catch (error) {
      if (classifySlackError(error).kind === 'approver-not-found') {
        remembered.set(key, { until: now() + SLACK_USER_NOT_FOUND_TTL_MS, answer: { notFound: error } });
      }
      throw error;
    }
  };
  return { users: { lookupByEmail }, chat: api.chat };
}
