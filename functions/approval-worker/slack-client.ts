import { parseSlackSecret } from '../commons/slack-contract';
import type { SlackSettings } from './config';
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
 * (after a person fixed the secret, say). The error names what went wrong, never the secret's values.
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
  return () => {
    client ??= load().catch((error: unknown) => {
      client = undefined;
      throw error;
    });
    return client;
  };
}
