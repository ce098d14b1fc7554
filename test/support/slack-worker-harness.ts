import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { WorkerConfig } from '../../functions/approval-worker/config';
import type { DrainDependencies, WorkerLogger } from '../../functions/approval-worker/drain-activity-tasks';
import type { WorkerMetricName } from '../../functions/commons/worker-metrics';
import { FakeSlack } from './fake-slack';

/** A deployment with a Slack app, as the worker reads it from its environment. */
export const SLACK_WORKER_CONFIG: WorkerConfig = {
  activityArn: 'arn:aws:states:us-east-1:123456789012:activity:approval',
  approvalApiUrl: 'https://abc123.execute-api.us-east-1.amazonaws.com/respond/',
  senderEmail: 'approvals@example.com',
  maxSendRate: 1000,
  sesConfigurationSet: undefined,
  slots: undefined,
  metricsNamespace: 'HumanApproval',
  slack: { secretId: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:approval-slack-AbCdEf', apiUrl: 'https://slack.com/api/' },
};

export interface LogLine {
  level: string;
  message: string;
  extra: unknown[];
}

/**
 * The worker's dependencies around a fake Slack workspace, with every log line and metric kept
 * (the SDK clients are the real ones: tests mock them with aws-sdk-client-mock).
 */
export function slackWorkerHarness(overrides: Partial<DrainDependencies> = {}): {
  deps: DrainDependencies;
  slack: FakeSlack;
  logs: LogLine[];
  counted: WorkerMetricName[];
} {
  const logs: LogLine[] = [];
  const counted: WorkerMetricName[] = [];
  const slack = new FakeSlack();
  const at =
    (level: string) =>
    (message: string, ...extra: unknown[]) =>
      logs.push({ level, message, extra });
  const logger: WorkerLogger = { info: at('info'), warn: at('warn'), error: at('error') };
  const deps: DrainDependencies = {
    sfn: new SFNClient({}),
    ses: new SESv2Client({}),
    config: SLACK_WORKER_CONFIG,
    logger,
    slack: () => Promise.resolve(slack),
    metrics: { count: (name) => counted.push(name) },
    remainingTimeMs: () => 290_000,
    now: () => new Date('2026-11-21T10:00:00Z'),
    sleep: () => Promise.resolve(),
    ...overrides,
  };
  return { deps, slack, logs, counted };
}
