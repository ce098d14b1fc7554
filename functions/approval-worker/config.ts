import { isEmailAddress } from '../commons/approval-request';

export interface WorkerConfig {
  /** The Step Functions activity the ManualApproval state waits on. */
  readonly activityArn: string;
  /** Base URL of the approval API stage, e.g. https://abc.execute-api.eu-west-1.amazonaws.com/respond */
  readonly approvalApiUrl: string;
  /** Verified SES identity to send from; undefined sends from the manager's own address. */
  readonly senderEmail: string | undefined;
  /** Emails per second this instance may send (its share of the stack's maxSendRate). */
  readonly maxSendRate: number;
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
  const activityArn = required(env, 'ACTIVITY_ARN');
  if (!/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:activity:.+$/.test(activityArn)) {
    throw new WorkerConfigError(`ACTIVITY_ARN ${JSON.stringify(activityArn)} is not a Step Functions activity ARN.`);
  }
  const approvalApiUrl = required(env, 'APPROVAL_API_URL');
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(approvalApiUrl)) {
    throw new WorkerConfigError(`APPROVAL_API_URL ${JSON.stringify(approvalApiUrl)} is not an http(s) URL without a query string.`);
  }
  const sender = env.SENDER_EMAIL?.trim();
  if (sender && !isEmailAddress(sender)) {
    throw new WorkerConfigError(`SENDER_EMAIL ${JSON.stringify(sender)} is not an email address.`);
  }
  const rawRate = env.MAX_SEND_RATE?.trim();
  const maxSendRate = rawRate ? Number(rawRate) : DEFAULT_MAX_SEND_RATE;
  if (!Number.isFinite(maxSendRate) || maxSendRate <= 0) {
    throw new WorkerConfigError(`MAX_SEND_RATE ${JSON.stringify(rawRate)} is not a positive number of emails per second.`);
  }
  return { activityArn, approvalApiUrl, senderEmail: sender || undefined, maxSendRate };
}
