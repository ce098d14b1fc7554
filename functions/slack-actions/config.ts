import { DEFAULT_SLACK_API_URL, SLACK_ENV } from '../commons/slack-contract';

export interface SlackActionsConfig {
  /** The Secrets Manager secret with the bot token and the signing secret: its name (or ARN). */
  readonly secretId: string;
  /** Base URL of Slack's Web API, ending in `/`. */
  readonly apiUrl: string;
}

export class SlackActionsConfigError extends Error {
  override readonly name = 'SlackActionsConfigError';
}

/** Reads the function's settings once, at load, and says exactly which one is wrong. */
export function readSlackActionsConfig(env: NodeJS.ProcessEnv): SlackActionsConfig {
  const secretId = env[SLACK_ENV.secretId]?.trim();
  if (!secretId) {
    throw new SlackActionsConfigError(
      `Environment variable ${SLACK_ENV.secretId} is not set; the stack sets it to the name of the Slack secret (slackSecretName).`,
    );
  }
  const rawApiUrl = env[SLACK_ENV.apiUrl]?.trim() || DEFAULT_SLACK_API_URL;
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(rawApiUrl)) {
    throw new SlackActionsConfigError(`${SLACK_ENV.apiUrl} ${JSON.stringify(rawApiUrl)} is not an http(s) URL without a query string.`);
  }
  // The Web API client appends the method name to this base, so it ends in a slash.
  return { secretId, apiUrl: rawApiUrl.endsWith('/') ? rawApiUrl : `${rawApiUrl}/` };
}
