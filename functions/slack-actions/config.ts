import { readSlackApiUrl, SLACK_ENV } from '../commons/slack-contract';

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
  return { secretId, apiUrl: readSlackApiUrl(env, (message) => new SlackActionsConfigError(message)) };
}
