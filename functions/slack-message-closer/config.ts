import { SLACK_MESSAGES_TABLE_ENV } from '../commons/slack-message-records';
import { readSlackActionsConfig, SlackActionsConfigError, type SlackActionsConfig } from '../slack-actions/config';

export interface SlackMessageCloserConfig extends SlackActionsConfig {
  /** The table of Slack messages (SLACK_MESSAGES_TABLE_ENV). */
  readonly messagesTable: string;
}

/** The Slack secret and API as the Slack actions function reads them, plus the table of messages. */
export function readSlackMessageCloserConfig(env: NodeJS.ProcessEnv): SlackMessageCloserConfig {
  const messagesTable = env[SLACK_MESSAGES_TABLE_ENV]?.trim();
  if (!messagesTable) {
    throw new SlackActionsConfigError(
      `Environment variable ${SLACK_MESSAGES_TABLE_ENV} is not set; the stack sets it to the table of Slack messages.`,
    );
  }
  return { ...readSlackActionsConfig(env), messagesTable };
}
