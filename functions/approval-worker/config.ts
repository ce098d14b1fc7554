import { isEmailAddress } from '../commons/approval-request';
import { readSlackApiUrl, SLACK_ENV } from '../commons/slack-contract';
import { SLACK_MESSAGES_TABLE_ENV } from '../commons/slack-message-records';
import { WORKER_METRICS_NAMESPACE_DEFAULT } from '../commons/worker-metrics';

/** The worker's environment variables; the stack sets them (infra/constructs/activity-worker.ts), and SLACK_ENV's when it has Slack. */
export const WORKER_ENV = {
  activityArn: 'ACTIVITY_ARN',
  approvalApiUrl: 'APPROVAL_API_URL',
  senderEmail: 'SENDER_EMAIL',
  maxSendRate: 'MAX_SEND_RATE',
  sesConfigurationSet: 'SES_CONFIGURATION_SET',
  slotsTable: 'WORKER_SLOTS_TABLE',
  slotCount: 'WORKER_SLOTS',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;

export interface WorkerConfig {
  /** The Step Functions activity the ManualApproval state waits on. */
  readonly activityArn: string;
  /** Base URL of the approval API stage, e.g. https://abc.execute-api.eu-west-1.amazonaws.com/respond */
  readonly approvalApiUrl: string;
  /** Verified SES identity to send from; undefined sends from the approver's own address. */
  readonly senderEmail: string | undefined;
  /** Emails per second this instance may send (its share of the stack's maxSendRate). */
  readonly maxSendRate: number;
  /** SES configuration set to send with; undefined for none. */
  readonly sesConfigurationSet: string | undefined;
  /**
   * The DynamoDB table of worker slots and how many there are: a run works only while it holds a
   * slot, which bounds the instances working at once. Undefined: no bound (the local mode's runner
   * bounds instances itself).
   */
  readonly slots: { readonly tableName: string; readonly count: number } | undefined;
  /** CloudWatch namespace of the worker's metrics. */
  readonly metricsNamespace: string;
  /** The deployment's Slack app; undefined when it has none, and requests that ask for Slack are refused. */
  readonly slack?: SlackSettings;
}

export interface SlackSettings {
  /** The Secrets Manager secret holding the bot token (SLACK_ENV.secretId). */
  readonly secretId: string;
  /** Slack's Web API base URL, ending in `/` (SLACK_ENV.apiUrl, else DEFAULT_SLACK_API_URL). */
  readonly apiUrl: string;
  /**
   * The table of Slack messages (SLACK_MESSAGES_TABLE_ENV), where the worker records how each
   * approver was reached; undefined for a stack that has none, whose messages are then never closed.
   */
  readonly messagesTable?: string;
}

/** The SES sandbox rate: safe anywhere when the stack does not say otherwise. */
export const DEFAULT_MAX_SEND_RATE = 1;

export class WorkerConfigError extends Error {
  override readonly name = 'WorkerConfigError';
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new WorkerConfigError(`Environment variable ${name} is not set; the stack sets it on the worker function.`);
  }
  return value.trim();
}

/** Reads the worker's settings once, at load, and says exactly which one is wrong. */
export function readWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const activityArn = required(env, WORKER_ENV.activityArn);
  if (!/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:activity:.+$/.test(activityArn)) {
    throw new WorkerConfigError(`${WORKER_ENV.activityArn} ${JSON.stringify(activityArn)} is not a Step Functions activity ARN.`);
  }
  const approvalApiUrl = required(env, WORKER_ENV.approvalApiUrl);
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(approvalApiUrl)) {
    throw new WorkerConfigError(
      `${WORKER_ENV.approvalApiUrl} ${JSON.stringify(approvalApiUrl)} is not an http(s) URL without a query string.`,
    );
  }
  const sender = env[WORKER_ENV.senderEmail]?.trim();
  if (sender && !isEmailAddress(sender)) {
    throw new WorkerConfigError(`${WORKER_ENV.senderEmail} ${JSON.stringify(sender)} is not an email address.`);
  }
  const rawRate = env[WORKER_ENV.maxSendRate]?.trim();
  const maxSendRate = rawRate ? Number(rawRate) : DEFAULT_MAX_SEND_RATE;
  if (!Number.isFinite(maxSendRate) || maxSendRate <= 0) {
    throw new WorkerConfigError(`${WORKER_ENV.maxSendRate} ${JSON.stringify(rawRate)} is not a positive number of emails per second.`);
  }
  const sesConfigurationSet = env[WORKER_ENV.sesConfigurationSet]?.trim() || undefined;
  const slotsTable = env[WORKER_ENV.slotsTable]?.trim();
  let slots: WorkerConfig['slots'];
  if (slotsTable) {
    const rawCount = env[WORKER_ENV.slotCount]?.trim();
    const count = Number(rawCount);
    if (!Number.isInteger(count) || count < 1) {
      throw new WorkerConfigError(`${WORKER_ENV.slotCount} ${JSON.stringify(rawCount)} is not a whole number of worker slots (1 or more).`);
    }
    slots = { tableName: slotsTable, count };
  }
  const metricsNamespace = env[WORKER_ENV.metricsNamespace]?.trim() || WORKER_METRICS_NAMESPACE_DEFAULT;
  const slack = readSlackSettings(env);
  return {
    activityArn,
    approvalApiUrl,
    senderEmail: sender || undefined,
    maxSendRate,
    sesConfigurationSet,
    slots,
    metricsNamespace,
    ...(slack === undefined ? {} : { slack }),
  };
}

/** Slack is optional: without SLACK_ENV.secretId the deployment has no Slack app. */
function readSlackSettings(env: NodeJS.ProcessEnv): SlackSettings | undefined {
  const secretId = env[SLACK_ENV.secretId]?.trim();
  if (!secretId) return undefined;
  const apiUrl = readSlackApiUrl(env, (message) => new WorkerConfigError(message));
  const messagesTable = env[SLACK_MESSAGES_TABLE_ENV]?.trim() || undefined;
  return { secretId, apiUrl, ...(messagesTable === undefined ? {} : { messagesTable }) };
}
