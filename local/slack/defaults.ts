/**
 * The local Slack's fixed values, apart from its server so that the CLI can name them in its help
 * without loading the server.
 */

/** The signing secret the local Slack signs requests with unless one is given (also the local stack's default). */
export const DEFAULT_LOCAL_SLACK_SIGNING_SECRET = 'local-slack-signing-secret';
/** The environment variable that replaces that default. */
export const LOCAL_SLACK_SIGNING_SECRET_ENV = 'APPROVAL_LOCAL_SLACK_SIGNING_SECRET';
/** The bot token the local Slack's Web API takes: a `xoxb-` token, as a bot token is written. */
export const LOCAL_SLACK_BOT_TOKEN = 'xoxb-local-approval-bot';
export const LOCAL_SLACK_TEAM_ID = 'T0LOCAL001';
