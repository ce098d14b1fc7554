import { Logger } from '@aws-lambda-powertools/logger';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { parseSlackSecret, type SlackSecret } from '../commons/slack-contract';
import { readSlackActionsConfig } from './config';
import { InvocationDeadline } from './deadline';
import { handleInteraction, type InteractionDependencies, type SlackAcknowledgement } from './handle-interaction';
import { postToResponseUrl } from './response-url';
import { SlackSecretCache } from './slack-secret-cache';
import { verifySlackRequest, type SlackRequestVerification } from './verify-slack-request';

/** The service name of this function's log lines. */
export const SLACK_ACTIONS_SERVICE_NAME = 'approval-slack-actions';

const config = readSlackActionsConfig(process.env);
const logger = new Logger({ serviceName: SLACK_ACTIONS_SERVICE_NAME });
/**
 * Step Functions answers a SendTask whose first try succeeded, when retried, with TaskTimedOut,
 * which would tell the approver "no longer open" (SendTaskSuccess API reference, Errors): one attempt,
 * whose time the invocation's deadline bounds.
 */
export const SFN_CLIENT_CONFIG = { maxAttempts: 1, requestHandler: { connectionTimeout: 500 } } as const;

/** Reading the secret decides nothing, so a failed try is retried, within the invocation's deadline. */
export const SECRETS_MANAGER_CLIENT_CONFIG = { maxAttempts: 2, requestHandler: { requestTimeout: 1_000, connectionTimeout: 500 } } as const;

const sfn = new SFNClient(SFN_CLIENT_CONFIG);
const secretsManager = new SecretsManagerClient(SECRETS_MANAGER_CLIENT_CONFIG);

const errorName = (error: unknown): string => (error instanceof Error ? error.name : typeof error);

const secrets = new SlackSecretCache(
  async (abortSignal) => {
    const { SecretString } = await secretsManager.send(new GetSecretValueCommand({ SecretId: config.secretId }), { abortSignal });
    return parseSlackSecret(SecretString);
  },
  () => Date.now(),
  (error) => logger.warn('Could not read the Slack secret again; using the copy held', { errorName: errorName(error) }),
);

/**
 * Web API errors that mean the bot token no longer works: revoked, or replaced by a rotation
 * (views.open reference, errors, https://docs.slack.dev/reference/methods/views.open).
 */
const TOKEN_REFUSED_ERRORS: readonly string[] = ['invalid_auth', 'token_revoked'];

function refusesToken(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, data } = error as { code?: unknown; data?: { error?: unknown } };
  return code === ErrorCode.PlatformError && typeof data?.error === 'string' && TOKEN_REFUSED_ERRORS.includes(data.error);
}

/**
 * A Web API client for one call, with the time left as its timeout; no retries (a trigger_id
 * lasts 3 seconds), a rate-limited call fails at once instead of waiting (as the worker's client),
 * and only errors from the client's own logger.
 */
function slackClient(botToken: string, deadline: InvocationDeadline): WebClient {
  return new WebClient(botToken, {
    slackApiUrl: config.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: deadline.remainingMs(),
    logLevel: LogLevel.ERROR,
  });
}

function dependencies(secret: SlackSecret, deadline: InvocationDeadline): InteractionDependencies {
  return {
    sendToStepFunctions: (command) =>
      command instanceof SendTaskSuccessCommand
        ? sfn.send(command, { abortSignal: deadline.signal() })
        : sfn.send(command, { abortSignal: deadline.signal() }),
    openView: async (triggerId, view) => {
      try {
        await slackClient(secret.botToken, deadline).views.open({ trigger_id: triggerId, view });
      } catch (error) {
        // The next invocation reads the secret again, to pick up a rotated bot token.
        if (refusesToken(error)) secrets.markStale();
        throw error;
      }
    },
    postToResponseUrl: (url, message) => postToResponseUrl(url, message, deadline.signal()),
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
  const deadline = new InvocationDeadline();
  if (context) logger.addContext(context);
  // The signature covers the bytes Slack sent; API Gateway may hand them over in base64.
  const rawBody = Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');
  const request = { headers: event.headers, rawBody };
  let secret: SlackSecret;
  let verification: SlackRequestVerification;
  try {
    secret = await secrets.current(deadline.signal());
    verification = verifySlackRequest(request, secret.signingSecret, Date.now());
    if (!verification.valid && verification.reason === 'bad-signature') {
      const fresh = await secrets.refetchIfOld(deadline.signal());
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
    return answer(await handleInteraction(rawBody.toString('utf8'), dependencies(secret, deadline)));
  } catch (error) {
    logger.error('Could not handle a Slack interaction', { errorName: errorName(error) });
    return plain(500, 'the interaction could not be handled');
  }
}
