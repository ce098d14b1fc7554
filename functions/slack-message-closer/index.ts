import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LogLevel, WebClient } from '@slack/web-api';
import type { EventBridgeEvent } from 'aws-lambda';
import { parseSlackSecret } from '../commons/slack-contract';
import { SlackMessageStore } from '../commons/slack-message-store';
import { escapeUnsafeCharacters } from '../commons/text-checks';
import { closeRequestMessages, type ClosedMessages, type ExecutionStatusChange } from './close-messages';
import { readSlackMessageCloserConfig } from './config';

/** The service name of this function's log lines. */
export const SLACK_MESSAGE_CLOSER_SERVICE_NAME = 'approval-slack-message-closer';

const config = readSlackMessageCloserConfig(process.env);
const logger = new Logger({ serviceName: SLACK_MESSAGE_CLOSER_SERVICE_NAME });
const store = new SlackMessageStore(new DynamoDBClient({}), config.messagesTable);
const secretsManager = new SecretsManagerClient({});

/** The Web API client, made on first use; dropped after a failed invocation so that a replaced token is read again. */
let client: Promise<WebClient> | undefined;
function slackClient(): Promise<WebClient> {
  client ??= secretsManager.send(new GetSecretValueCommand({ SecretId: config.secretId })).then(
    ({ SecretString }) =>
      // A few quick retries (rate limits included): nobody waits on this function, and Lambda tries
      // a failed invocation twice more later.
      new WebClient(parseSlackSecret(SecretString).botToken, {
        slackApiUrl: config.apiUrl,
        retryConfig: { retries: 2 },
        timeout: 10_000,
        logLevel: LogLevel.ERROR,
      }),
  );
  return client;
}

/**
 * EventBridge's "Step Functions Execution Status Change" events of the approval state machine (the
 * stack's rule sends only its ended executions): closes every approver's Slack message of the
 * request with its outcome (close-messages.ts). Logs counts and the execution's name, never the
 * event (its input may hold a parent's task token).
 */
export async function handler(
  event: EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange>,
): Promise<ClosedMessages> {
  logger.appendKeys({ executionName: escapeUnsafeCharacters(event.detail.name) });
  try {
    const slack = await slackClient();
    return await closeRequestMessages(event.detail, {
      store,
      updateMessage: (args) => slack.chat.update(args),
      logger,
      now: () => new Date(Date.now()),
    });
  } catch (error) {
    client = undefined;
    logger.error('Could not close the Slack messages of an ended request', {
      error: (error as Error).name,
      cause: (error as Error).message,
    });
    throw error;
  } finally {
    logger.removeKeys(['executionName']);
  }
}
