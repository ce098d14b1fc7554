import { Logger } from '@aws-lambda-powertools/logger';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { readWorkerConfig } from './config';
import { drainActivityTasks, POLL_HOLD_MS, type DrainSummary } from './drain-activity-tasks';

const config = readWorkerConfig(process.env);
const logger = new Logger({ serviceName: 'approval-worker' });
// The socket must outlive the 60 s long poll; never abort a poll client-side (the task would be lost).
const sfn = new SFNClient({ requestHandler: { requestTimeout: POLL_HOLD_MS + 10_000, connectionTimeout: 5_000 } });
// sendApprovalEmail owns the retry policy for SES, so the SDK does not retry underneath it.
const ses = new SESv2Client({ maxAttempts: 1 });

/** Started by the EventBridge schedule: drains the activity's waiting tasks, then stops. */
export async function handler(_event: unknown, context: Context): Promise<DrainSummary> {
  logger.addContext(context);
  const summary = await drainActivityTasks({
    sfn,
    ses,
    config,
    logger,
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
    workerName: context.functionName,
  });
  logger.info('Worker run finished', { ...summary });
  return summary;
}
