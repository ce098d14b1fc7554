import { parseSlackSecret } from '../commons/slack-contract';
import type { SlackSettings } from './config';
import { classifySlackError } from '../commons/slack-errors';
import type { SlackMessagingApi } from './send-approval-slack';

/** The Slack secret could not be read or is malformed: every Slack message of the deployment fails until a person acts. */
export class SlackSecretError extends Error {
  override readonly name = 'SlackSecretError';
}

export interface SlackClientSources {
  /** The secret's SecretString (Secrets Manager GetSecretValue). */
  readonly readSecret: (secretId: string) => Promise<string | undefined>;
  /** A Web API client with this bot token for this base URL. */
  readonly createClient: (botToken: string, apiUrl: string) => SlackMessagingApi;
}

/**
 * The worker's Slack client, made on first use and kept for the container's life: the secret is
 * read once per container, not once per task. A failed read is not kept, so a later run tries again
 * (after a person fixed the secret, say); nor is a client Slack refused as an account problem
 * (invalid_auth, token_revoked, account_inactive, missing_scope, ... see SlackErrorKind): the next
 * task reads the secret again, so a token an operator replaced is used without a new container.
 * The error names what went wrong, never the secret's values.
 */
export function slackClientOnce(settings: SlackSettings, sources: SlackClientSources): () => Promise<SlackMessagingApi> {
  let client: Promise<SlackMessagingApi> | undefined;
  const load = async (): Promise<SlackMessagingApi> => {
    let secretString: string | undefined;
    try {
      secretString = await sources.readSecret(settings.secretId);
    } catch (error) {
      throw new SlackSecretError(
        `Could not read the Slack secret ${settings.secretId}: ${(error as Error).name}: ${(error as Error).message}`,
      );
    }
    try {
      return sources.createClient(parseSlackSecret(secretString).botToken, settings.apiUrl);
    } catch (error) {
      throw new SlackSecretError((error as Error).message);
    }
  };
  /** The client's calls, each dropping the kept client when Slack refuses the app itself. */
  const forgettingOnAccountProblem = (kept: Promise<SlackMessagingApi>, api: SlackMessagingApi): SlackMessagingApi => {
    const watched = async <T>(request: () => Promise<T>): Promise<T> => {
      try {
        return await request();
      } catch (error) {
        // Only this client: a newer one, made meanwhile from a fixed secret, is kept.
        if (classifySlackError(error).kind === 'account-problem' && client === kept) client = undefined;
        throw error;
      }
    };
    return {
      users: { lookupByEmail: (args) => watched(() => api.users.lookupByEmail(args)) },
      chat: {
        postMessage: (args) => watched(() => api.chat.postMessage(args)),
        update: (args) => watched(() => api.chat.update(args)),
      },
    };
  };
  return () => {
    if (client === undefined) {
      const loading: Promise<SlackMessagingApi> = load().then(
        (api) => forgettingOnAccountProblem(loading, api),
        (error: unknown) => {
          if (client === loading) client = undefined;
          throw error;
        },
      );
      client = loading;
    }
    return client;
  };
}
