import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import type { ApprovalRequestCheck } from '../commons/approval-request';
import { SlackMessageStore } from '../commons/slack-message-store';
import { WORKER_SERVICE_NAME } from '../commons/worker-metrics';
import { checkRequest } from './check-request';
import { readWorkerConfig } from './config';
import { POLL_HOLD_MS, runWorker, type WorkerRunSummary } from './drain-activity-tasks';
import { handOverHop, isHandOverEvent } from './hand-over-event';
import { slackClientOnce } from './slack-client';
import { withSlackUserLookupCache } from './slack-user-lookup-cache';
import { createSlackWebClient } from './slack-web-client';

const config = readWorkerConfig(process.env);
const logger = new Logger({ serviceName: WORKER_SERVICE_NAME });
const metrics = new Metrics({ namespace: config.metricsNamespace, serviceName: WORKER_SERVICE_NAME });
// The socket must outlive the 60 s long poll; never abort a poll client-side (the task would be lost).
const sfn = new SFNClient({ requestHandler: { requestTimeout: POLL_HOLD_MS + 10_000, connectionTimeout: 5_000 } });
// sendApprovalEmail owns the retry policy for SES, so the SDK does not retry underneath it.
const ses = new SESv2Client({ maxAttempts: 1 });
const dynamodb = config.slots || config.slack?.messagesTable ? new DynamoDBClient({}) : undefined;
const slackMessages = config.slack?.messagesTable && dynamodb ? new SlackMessageStore(dynamodb, config.slack.messagesTable) : undefined;
// Only for the hand-over: an asynchronous invoke is accepted at once, so a short timeout keeps a
// stuck call from holding the run (the schedule remains the safety net). AWS_ENDPOINT_URL_LAMBDA
// points it at a local endpoint, as AWS_ENDPOINT_URL_SFN does the Step Functions client.
const lambda = new LambdaClient({ requestHandler: { requestTimeout: 5_000, connectionTimeout: 3_000 } });
// Only with a Slack app: the secret is read on the first Slack task and kept for the container
// (read again after Slack refuses the app, see slack-client.ts).
const slack = config.slack
  ? slackClientOnce(config.slack, {
      readSecret: async (secretId) => {
        const secrets = new SecretsManagerClient({});
        return (await secrets.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
      },
      // Approvers' user ids are kept with the client: reminders and bursts look each one up once.
      createClient: (botToken, apiUrl) => withSlackUserLookupCache(createSlackWebClient(botToken, apiUrl)),
    })
  : undefined;

/** The state machine's CheckRequest state: a synchronous invoke with the whole execution input. */
interface CheckRequestEvent {
  readonly action: 'checkRequest';
  readonly request: unknown;
}

function isCheckRequest(event: unknown): event is CheckRequestEvent {
  return typeof event === 'object' && event !== null && (event as { action?: unknown }).action === 'checkRequest';
}

/**
 * With `{"action": "checkRequest"}`: answers the CheckRequest state at once (valid and normalized,
 * or the InvalidRequest cause). Any other event comes from the state machine's WakeWorker state for
 * each email that is due, from the EventBridge schedule as a safety net, or from a run that handed
 * over (`{"reason": "handOver", "hop": n}`, the chain's n-th hand-over): takes a worker slot,
 * drains the activity's waiting tasks, then stops and publishes the run's counts as CloudWatch
 * metrics. A run that stops for time while tasks are still arriving starts its successor, an
 * asynchronous invoke of this same function, unless its chain has reached MAX_HAND_OVER_HOPS
 * (hand-over-event.ts).
 */
export async function handler(event: unknown, context: Context): Promise<WorkerRunSummary | ApprovalRequestCheck> {
  logger.addContext(context);
  if (isCheckRequest(event)) return checkRequest(event.request, logger, { slackConfigured: config.slack !== undefined });
  const hop = handOverHop(event);
  try {
    const summary = await runWorker(
      {
        sfn,
        ses,
        config,
        logger,
        slack,
        slackMessages,
        remainingTimeMs: () => context.getRemainingTimeInMillis(),
        workerName: context.functionName,
        metrics: { count: (name, value = 1) => metrics.addMetric(name, MetricUnit.Count, value) },
        handOverHop: hop,
        handOver: async (next) => {
          // The unqualified name: the role may invoke exactly this function ($LATEST), nothing else.
          await lambda.send(
            new InvokeCommand({
              FunctionName: context.functionName,
              InvocationType: 'Event',
              Payload: Buffer.from(JSON.stringify(next)),
            }),
          );
        },
      },
      config.slots && dynamodb
        ? { dynamodb, tableName: config.slots.tableName, count: config.slots.count, holder: context.awsRequestId }
        : undefined,
    );
    logger.info('Worker run finished', { ...summary, ...(isHandOverEvent(event) ? { startedBy: 'handOver', hop } : {}) });
    return summary;
  } finally {
    // A run that handled nothing has nothing to publish (and Powertools would warn about it).
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
