import { WebAPIPlatformError, WebAPIRateLimitedError } from '@slack/web-api';
import type { SlackMessagingApi, SlackPostMessageArguments } from '../../functions/approval-worker/send-approval-slack';
import {
  SLACK_USER_ID_TTL_MS,
  SLACK_USER_NOT_FOUND_TTL_MS,
  withSlackUserLookupCache,
} from '../../functions/approval-worker/slack-user-lookup-cache';

/** A workspace that counts its users.lookupByEmail calls; `members` may change between calls. */
class CountingSlack implements SlackMessagingApi {
  readonly lookedUp: string[] = [];
  readonly posted: SlackPostMessageArguments[] = [];
  members: Record<string, string> = { 'ana@example.com': 'U07ANA4242' };
  failNext: Error | undefined;

  readonly users = {
    lookupByEmail: ({ email }: { email: string }): Promise<{ user?: { id?: string } }> => {
      this.lookedUp.push(email);
      const failure = this.failNext;
      this.failNext = undefined;
      if (failure) return Promise.reject(failure);
      const id = this.members[email];
      if (id === undefined) return Promise.reject(new WebAPIPlatformError({ ok: false, error: 'users_not_found' }));
      return Promise.resolve({ user: { id } });
    },
  };

  readonly chat = {
    postMessage: (args: SlackPostMessageArguments): Promise<{ ts?: string }> => {
      this.posted.push(args);
      return Promise.resolve({ ts: '1795258800.000100' });
    },
    update: (): Promise<unknown> => Promise.resolve({ ok: true }),
  };
}

describe('withSlackUserLookupCache', () => {
  const START = Date.parse('2026-11-21T10:00:00Z');
  let clock: number;
  let workspace: CountingSlack;
  let cached: SlackMessagingApi;

  beforeEach(() => {
    clock = START;
    workspace = new CountingSlack();
    cached = withSlackUserLookupCache(workspace, { now: () => clock });
  });

  it('looks an approver up once for a request and its reminders within ten minutes, then again', async () => {
    const first = await cached.users.lookupByEmail({ email: 'ana@example.com' });
    clock = START + SLACK_USER_ID_TTL_MS - 1;
    const reminder = await cached.users.lookupByEmail({ email: 'ana@example.com' });
    clock = START + SLACK_USER_ID_TTL_MS;
    await cached.users.lookupByEmail({ email: 'ana@example.com' });

    expect(first).toEqual({ user: { id: 'U07ANA4242' } });
    expect(reminder).toEqual({ user: { id: 'U07ANA4242' } });
    expect(SLACK_USER_ID_TTL_MS).toBe(10 * 60_000);
    expect(workspace.lookedUp).toEqual(['ana@example.com', 'ana@example.com']);
  });

  it('keeps "no such user" for a minute only, so an approver who joins gets Slack soon', async () => {
    await expect(cached.users.lookupByEmail({ email: 'cy@example.com' })).rejects.toMatchObject({ data: { error: 'users_not_found' } });
    workspace.members['cy@example.com'] = 'U07CY9999';
    clock = START + 30_000;
    await expect(cached.users.lookupByEmail({ email: 'cy@example.com' })).rejects.toMatchObject({ data: { error: 'users_not_found' } });
    clock = START + SLACK_USER_NOT_FOUND_TTL_MS;
    const joined = await cached.users.lookupByEmail({ email: 'cy@example.com' });

    expect(SLACK_USER_NOT_FOUND_TTL_MS).toBe(60_000);
    expect(joined).toEqual({ user: { id: 'U07CY9999' } });
    expect(workspace.lookedUp).toEqual(['cy@example.com', 'cy@example.com']);
  });

  it('keeps no other failure: a rate-limited lookup is made again on the next message', async () => {
    workspace.failNext = new WebAPIRateLimitedError(30);
    await expect(cached.users.lookupByEmail({ email: 'ana@example.com' })).rejects.toThrow();
    const retried = await cached.users.lookupByEmail({ email: 'ana@example.com' });

    expect(retried).toEqual({ user: { id: 'U07ANA4242' } });
    expect(workspace.lookedUp).toEqual(['ana@example.com', 'ana@example.com']);
  });

  it('keeps each address apart and posts messages unchanged', async () => {
    workspace.members['ben@example.com'] = 'U07BEN1717';
    const ana = await cached.users.lookupByEmail({ email: 'ana@example.com' });
    const ben = await cached.users.lookupByEmail({ email: 'ben@example.com' });
    await cached.chat.postMessage({ channel: 'U07BEN1717', text: 'Approval requested: Deploy release 42', blocks: [] });

    expect([ana, ben]).toEqual([{ user: { id: 'U07ANA4242' } }, { user: { id: 'U07BEN1717' } }]);
    expect(workspace.posted).toEqual([{ channel: 'U07BEN1717', text: 'Approval requested: Deploy release 42', blocks: [] }]);
  });
});
