import { DEFAULT_SLACK_API_URL, SLACK_ENV } from '../commons/slack-contract';

export interface SlackActionsConfig {
  /** ARN of the Secrets Manager secret with the bot token and the signing secret. */
  readonly secretArn: string;
  /** Base URL of Slack's Web API, ending in `/`. */
  readonly apiUrl: string;
}

export class SlackActionsConfigError extends Error {
  override readonly name = 'SlackActionsConfigError';
}

/** Reads the function's settings once, at load, and says exactly which one is wrong. */
export function readSlackActionsConfig(env: NodeJS.ProcessEnv): SlackActionsConfig {
  const secretArn = env[SLACK_ENV.secretArn]?.trim();
  if (!secretArn) {
    throw new SlackActionsConfigError(
      `Environment variable ${SLACK_ENV.secretArn} is not set; the stack sets it to the ARN of the Slack secret.`,
    );
  }
  if (!/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(secretArn)) {
    throw new SlackActionsConfigError(`${SLACK_ENV.secretArn} ${JSON.stringify(secretArn)} is not a Secrets Manager secret ARN.`);
  }
  const rawApiUrl = env[SLACK_ENV.apiUrl]?.trim() || DEFAULT_SLACK_API_URL;
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(rawApiUrl)) {
    throw new SlackActionsConfigError(`${SLACK_ENV.apiUrl} ${JSON.stringify(rawApiUrl)} is not an http(s) URL without a query string.`);
  }
  // The Web API client appends the method name to this base, so it ends in a slash.
  return { secretArn, apiUrl: rawApiUrl.endsWith('/') ? rawApiUrl : `${rawApiUrl}/` };
}
