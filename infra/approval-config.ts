import { isEmailAddress } from '../functions/commons/approval-request';
import { LINK_MODES, type LinkMode } from './constructs/approval-api';

/** Settings of the approval service, read from cdk.json "context" or `-c name=value`. */
export interface ApprovalConfig {
  /**
   * Verified SES identity the emails come from. A deployment needs one (`cdk synth` stops without
   * it); the local mode runs without it and sends from the manager's own address.
   */
  readonly senderEmail: string | undefined;
  /** SES configuration set every email is sent with (event publishing, dedicated IPs); undefined for none. */
  readonly sesConfigurationSet: string | undefined;
  /** How long a link stays valid before a reminder (with new links) is sent. */
  readonly reminderIntervalSeconds: number;
  /** Reminders after the first email; after the last one runs out, the request expires. */
  readonly reminderCount: number;
  /** How often the schedule starts the worker as a safety net; each request also wakes it at once. */
  readonly workerScheduleMinutes: number;
  /** Most worker instances working at once: each run first takes one of this many slots, or stops. */
  readonly workerMaxConcurrency: number;
  /** Lambda reserved concurrency of the worker; 0 (the default) reserves none, which new accounts cannot give. */
  readonly workerReservedConcurrency: number;
  /** Most emails per second, across all worker instances (the account's SES sending rate or less). */
  readonly maxSendRate: number;
  /** First wait before a new email after a failed delivery; doubles each time. */
  readonly deliveryRetryIntervalSeconds: number;
  /** New emails tried after a failed delivery before the request ends as EmailDeliveryFailed. */
  readonly deliveryRetryAttempts: number;
  /** Steady-state requests per second the approval API accepts. */
  readonly apiThrottlingRateLimit: number;
  /** Burst of requests the approval API accepts. */
  readonly apiThrottlingBurstLimit: number;
  /** Create the account-wide API Gateway CloudWatch Logs role (needed once per account and region for access logs). */
  readonly createApiGatewayAccountRole: boolean;
  /** `direct`: opening a link decides. `confirm`: it shows a page whose button decides (safe from mail link scanners). */
  readonly linkMode: LinkMode;
  /** X-Ray tracing of the approval API stage. Off by default: API Gateway's segments record the URL, task token included. */
  readonly apiTracing: boolean;
  /** Address the CloudWatch alarms are emailed to (through SNS); undefined for alarms without notifications. */
  readonly alarmEmail: string | undefined;
  /** A CloudWatch dashboard with the approval funnel ($3 a month beyond the free tier's three dashboards). */
  readonly dashboard: boolean;
}

interface IntegerSetting {
  readonly key: keyof ApprovalConfig;
  readonly min: number;
  readonly max: number;
  readonly default: number;
  readonly unit: string;
}

const INTEGER_SETTINGS: readonly IntegerSetting[] = [
  { key: 'reminderIntervalSeconds', min: 1, max: 31_536_000, default: 86_400, unit: 'seconds' },
  { key: 'reminderCount', min: 0, max: 20, default: 2, unit: 'reminders' },
  { key: 'workerScheduleMinutes', min: 1, max: 1_440, default: 60, unit: 'minutes' },
  { key: 'workerMaxConcurrency', min: 1, max: 100, default: 2, unit: 'concurrent instances' },
  { key: 'workerReservedConcurrency', min: 0, max: 1_000, default: 0, unit: 'reserved instances' },
  { key: 'maxSendRate', min: 1, max: 1_000, default: 10, unit: 'emails per second' },
  { key: 'deliveryRetryIntervalSeconds', min: 1, max: 3_600, default: 60, unit: 'seconds' },
  { key: 'deliveryRetryAttempts', min: 0, max: 10, default: 4, unit: 'attempts' },
  { key: 'apiThrottlingRateLimit', min: 1, max: 10_000, default: 10, unit: 'requests per second' },
  { key: 'apiThrottlingBurstLimit', min: 1, max: 5_000, default: 20, unit: 'requests' },
];

/** Longest a Standard state machine execution may run (one year). */
export const MAX_EXECUTION_SECONDS = 31_536_000;

export class ApprovalConfigError extends Error {
  override readonly name = 'ApprovalConfigError';
}

const HOW_TO_SET = 'Set it in cdk.json under "context", or with `-c name=value` on the cdk command line.';

function readInteger(context: (key: string) => unknown, setting: IntegerSetting): number {
  const raw = context(setting.key);
  if (raw === undefined || raw === null || raw === '') return setting.default;
  // `-c name=value` arrives as a string, cdk.json gives numbers.
  const value = typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < setting.min || value > setting.max) {
    throw new ApprovalConfigError(
      `Context value ${setting.key}=${JSON.stringify(raw)} is not valid: use a whole number of ${setting.unit} from ${setting.min} to ${setting.max}. ${HOW_TO_SET}`,
    );
  }
  return value;
}

function readBoolean(context: (key: string) => unknown, key: string, fallback: boolean): boolean {
  const raw = context(key);
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new ApprovalConfigError(`Context value ${key}=${JSON.stringify(raw)} is not valid: use true or false. ${HOW_TO_SET}`);
}

function readOptionalString(context: (key: string) => unknown, key: string, what: string): string | undefined {
  const raw = context(key);
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') throw new ApprovalConfigError(`Context value ${key}=${JSON.stringify(raw)} is not valid: use ${what}. ${HOW_TO_SET}`);
  return raw.trim() || undefined;
}

function readOptionalEmail(context: (key: string) => unknown, key: string, example: string): string | undefined {
  const value = readOptionalString(context, key, 'an email address');
  if (value !== undefined && !isEmailAddress(value)) {
    throw new ApprovalConfigError(`Context value ${key}=${JSON.stringify(value)} is not an email address. Use one such as ${example}. ${HOW_TO_SET}`);
  }
  return value;
}

/** SES configuration set names: letters, digits, `_` and `-`, at most 64 characters. */
const CONFIGURATION_SET_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function readLinkMode(context: (key: string) => unknown): LinkMode {
  const raw = context('linkMode');
  if (raw === undefined || raw === null || raw === '') return 'direct';
  if (typeof raw === 'string' && (LINK_MODES as readonly string[]).includes(raw)) return raw as LinkMode;
  throw new ApprovalConfigError(`Context value linkMode=${JSON.stringify(raw)} is not valid: use ${LINK_MODES.join(' or ')}. ${HOW_TO_SET}`);
}

/**
 * Reads and checks every setting, so a wrong value stops `cdk synth` with a message naming it
 * rather than failing later in CloudFormation or at run time.
 */
export function readApprovalConfig(context: (key: string) => unknown): ApprovalConfig {
  if (context('workerMaxConcurrency') === 0 || context('workerMaxConcurrency') === '0') {
    throw new ApprovalConfigError(
      `Context value workerMaxConcurrency=0 is no longer needed: the stack reserves no Lambda concurrency unless workerReservedConcurrency is set, and the worker bounds itself to workerMaxConcurrency instances (1 to 100). ${HOW_TO_SET}`,
    );
  }
  const integers = Object.fromEntries(INTEGER_SETTINGS.map((setting) => [setting.key, readInteger(context, setting)])) as Record<
    IntegerSetting['key'],
    number
  >;

  const senderEmail = readOptionalEmail(context, 'senderEmail', 'approvals@example.com, a verified SES identity');
  const sesConfigurationSet = readOptionalString(context, 'sesConfigurationSet', 'the name of an SES configuration set');
  if (sesConfigurationSet !== undefined && !CONFIGURATION_SET_NAME.test(sesConfigurationSet)) {
    throw new ApprovalConfigError(
      `Context value sesConfigurationSet=${JSON.stringify(sesConfigurationSet)} is not a configuration set name: use letters, digits, _ and -, at most 64 characters. ${HOW_TO_SET}`,
    );
  }

  const config: ApprovalConfig = {
    senderEmail,
    sesConfigurationSet,
    reminderIntervalSeconds: integers.reminderIntervalSeconds,
    reminderCount: integers.reminderCount,
    workerScheduleMinutes: integers.workerScheduleMinutes,
    workerMaxConcurrency: integers.workerMaxConcurrency,
    workerReservedConcurrency: integers.workerReservedConcurrency,
    maxSendRate: integers.maxSendRate,
    deliveryRetryIntervalSeconds: integers.deliveryRetryIntervalSeconds,
    deliveryRetryAttempts: integers.deliveryRetryAttempts,
    apiThrottlingRateLimit: integers.apiThrottlingRateLimit,
    apiThrottlingBurstLimit: integers.apiThrottlingBurstLimit,
    createApiGatewayAccountRole: readBoolean(context, 'createApiGatewayAccountRole', true),
    linkMode: readLinkMode(context),
    apiTracing: readBoolean(context, 'apiTracing', false),
    alarmEmail: readOptionalEmail(context, 'alarmEmail', 'ops@example.com'),
    dashboard: readBoolean(context, 'dashboard', false),
  };
  if (config.apiThrottlingBurstLimit < config.apiThrottlingRateLimit) {
    throw new ApprovalConfigError(
      `Context value apiThrottlingBurstLimit=${config.apiThrottlingBurstLimit} is smaller than apiThrottlingRateLimit=${config.apiThrottlingRateLimit}; the burst must be at least the rate. ${HOW_TO_SET}`,
    );
  }
  const backstop = executionTimeoutSeconds(config);
  if (backstop > MAX_EXECUTION_SECONDS) {
    throw new ApprovalConfigError(
      `reminderIntervalSeconds=${config.reminderIntervalSeconds} with reminderCount=${config.reminderCount} makes a request last ${backstop} seconds, more than the one year a Step Functions execution may run. Lower one of them.`,
    );
  }
  return config;
}

/** Longest a Lambda run of the worker lasts, which also bounds how late a task may be picked up. */
export const WORKER_TIMEOUT_SECONDS = 300;

/**
 * The state machine's own TimeoutSeconds: a backstop above the longest a request can legitimately
 * take (every attempt waiting for pick-up, its reminder interval, and every delivery retry), plus an hour.
 */
export function executionTimeoutSeconds(config: ApprovalConfig): number {
  const attempts = config.reminderCount + 1;
  const pickUp = config.workerScheduleMinutes * 60 + WORKER_TIMEOUT_SECONDS;
  let deliveryRetries = 0;
  for (let retry = 0; retry < config.deliveryRetryAttempts; retry++) {
    deliveryRetries += Math.min(3_600, config.deliveryRetryIntervalSeconds * 2 ** retry) + pickUp;
  }
  return attempts * (pickUp + config.reminderIntervalSeconds + deliveryRetries) + 3_600;
}
