import { WebAPIPlatformError } from '@slack/web-api';
import type { SlackMessagingApi, SlackPostMessageArguments } from '../../functions/approval-worker/send-approval-slack';
import type { SlackUpdateMessageArguments } from '../../functions/commons/slack-errors';

/** Slack's users in this workspace, by email address. */
export const SLACK_USERS: Record<string, string> = { 'ana@example.com': 'U07ANA4242', 'ben@example.com': 'U07BEN1717' };

/** A Slack workspace as the two Web API methods see it; `fail` makes a method throw as @slack/web-api does. */
export class FakeSlack implements SlackMessagingApi {
  readonly posted: SlackPostMessageArguments[] = [];
  readonly updated: SlackUpdateMessageArguments[] = [];
  readonly lookedUp: string[] = [];
  fail: { lookupByEmail?: Error; postMessage?: Error; update?: Error } = {};

  readonly users = {
    lookupByEmail: async ({ email }: { email: string }): Promise<{ user?: { id?: string } }> => {
      this.lookedUp.push(email);
      if (this.fail.lookupByEmail) throw this.fail.lookupByEmail;
      const id = SLACK_USERS[email];
      if (id === undefined) throw new WebAPIPlatformError({ ok: false, error: 'users_not_found' });
      return Promise.resolve({ user: { id } });
    },
  };

  readonly chat = {
    postMessage: async (args: SlackPostMessageArguments): Promise<{ ts?: string; channel?: string }> => {
      if (this.fail.postMessage) throw this.fail.postMessage;
      this.posted.push(args);
      // Slack answers with the direct message's conversation id, not the user id it was given.
      return Promise.resolve({ ts: `1795258800.${String(this.posted.length).padStart(6, '0')}`, channel: `D${args.channel.slice(1)}` });
    },
    update: async (args: SlackUpdateMessageArguments): Promise<unknown> => {
      if (this.fail.update) throw this.fail.update;
      this.updated.push(args);
      return Promise.resolve({ ok: true });
    },
  };
}
