import { Logger } from '@aws-lambda-powertools/logger';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { LogLevel, WebClient } from '@slack/web-api';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { parseSlackSecret, type SlackSecret } from '../commons/slack-contract';
import { readSlackActionsConfig } from './config';
import { handleInteraction, type InteractionDependencies, type SlackAcknowledgement } from './handle-interaction';
import { postToResponseUrl } from './response-url';
import { SlackSecretCache } from './slack-secret-cache';
import { verifySlackRequest, type SlackRequestVerification } from './verify-slack-request';

/** The service name of this function's log lines. */
export const SLACK_ACTIONS_SERVICE_NAME = 'approval-slack-actions';

const config = readSlackActionsConfig(process.env);
const logger = new Logger({ serviceName: SLACK_ACTIONS_SERVICE_NAME });
// Slack waits 3 seconds for the answer ("Handling user interaction in your Slack apps",
// https://docs.slack.dev/interactivity/handling-user-interaction): short timeouts and one retry at most.
const sfn = new SFNClient({ maxAttempts: 2, requestHandler: { requestTimeout: 1_000, connectionTimeout: 500 } });
const secretsManager = new SecretsManagerClient({ maxAttempts: 2, requestHandler: { requestTimeout: 1_000, connectionTimeout: 500 } });

const secrets = new SlackSecretCache(async () => {
  const { SecretString } = await secretsManager.send(new GetSecretValueCommand({ SecretId: config.secretId }));
  return parseSlackSecret(SecretString);
});

/** One Web API client per bot token: a rotated token gets a new client. */
let slack: { readonly botToken: string; readonly client: WebClient } | undefined;

function slackClient(botToken: string): WebClient {
  if (slack?.botToken !== botToken) {
    // No retries (a trigger_id lasts 3 seconds), and only errors from the client's own logger.
    const client = new WebClient(botToken, {
      slackApiUrl: config.apiUrl,
      retryConfig: { retries: 0 },
      timeout: 2_000,
      logLevel: LogLevel.ERROR,
    });
    slack = { botToken, client };
  }
  return slack.client;
}

const errorName = (error: unknown): string => (error instanceof Error ? error.name : typeof error);

function dependencies(secret: SlackSecret): InteractionDependencies {
  return {
    sendToStepFunctions: (command) => (command instanceof SendTaskSuccessCommand ? sfn.send(command) : sfn.send(command)),
    openView: async (triggerId, view) => {
      await slackClient(secret.botToken).views.open({ trigger_id: triggerId, view });
    },
    postToResponseUrl: (url, message) => postToResponseUrl(url, message),
    now: () => new Date(Date.now()),
    logger,
  };
}

const plain = (statusCode: number, error: string): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ error }),
});

function answer(acknowledgement: SlackAcknowledgement): APIGatewayProxyResult {
  if (acknowledgement.kind === 'empty') return { statusCode: 200, body: '' };
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ response_action: 'errors', errors: acknowledgement.errors }),
  };
}

/**
 * POST /slack/actions (API Gateway REST, Lambda proxy integration): Slack's interaction requests
 * for approval messages. A request whose signature does not verify gets 401 and decides nothing;
 * a verified one is handled by handleInteraction and acknowledged with its answer.
 */
export async function handler(event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> {
  if (context) logger.addContext(context);
  // The signature covers the bytes Slack sent; API Gateway may hand them over in base64.
  const rawBody = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  const request = { headers: event.headers, rawBody };
  let secret: SlackSecret;
  let verification: SlackRequestVerification;
  try {
    secret = await secrets.current();
    verification = verifySlackRequest(request, secret.signingSecret, Date.now());
    if (!verification.valid && verification.reason === 'bad-signature') {
      const fresh = await secrets.refetchIfOld();
      if (fresh !== undefined) {
        secret = fresh;
        verification = verifySlackRequest(request, secret.signingSecret, Date.now());
      }
    }
  } catch (error) {
    logger.error('Could not read the Slack secret', { errorName: errorName(error) });
    return plain(500, 'the Slack secret could not be read');
  }
  if (!verification.valid) {
    logger.warn('Refused a request that Slack did not sign', { reason: verification.reason });
    return plain(401, 'invalid signature');
  }
  try {
    return answer(await handleInteraction(rawBody.toString('utf8'), dependencies(secret)));
  } catch (error) {
    logger.error('Could not handle a Slack interaction', { errorName: errorName(error) });
    return plain(500, 'the interaction could not be handled');
  }
}
