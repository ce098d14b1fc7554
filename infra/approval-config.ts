import { isEmailAddress } from '../functions/commons/approval-request';
import { DEFAULT_STACK_NAME } from './stack-name';

/**
 * How a link in the email decides:
 * - `direct`: opening the link (GET) decides at once.
 * - `confirm`: GET only shows a confirmation page; its button (a POST) decides, so mail scanners
 *   that open links cannot decide on their own.
 */
export type LinkMode = 'direct' | 'confirm';
export const LINK_MODES: readonly LinkMode[] = ['direct', 'confirm'];

/** Longest a Standard state machine execution may run (one year). */
export const MAX_EXECUTION_SECONDS = 31_536_000;

interface SettingBase {
  /** What the setting does, in one line. */
  readonly meaning: string;
}

/** A whole number from `min` to `max`; `unit` names what it counts, for error messages. */
export interface IntegerSetting extends SettingBase {
  readonly kind: 'integer';
  readonly default: number;
  readonly min: number;
  readonly max: number;
  readonly unit: string;
}

export interface BooleanSetting extends SettingBase {
  readonly kind: 'boolean';
  readonly default: boolean;
}

/** One of a few words. */
export interface ChoiceSetting<Value extends string> extends SettingBase {
  readonly kind: 'choice';
  readonly default: Value;
  readonly values: readonly Value[];
}

/** An email address; no default: unset means none. */
export interface EmailSetting extends SettingBase {
  readonly kind: 'email';
  readonly default: undefined;
}

/** A name; undefined as its default means none. */
export interface TextSetting extends SettingBase {
  readonly kind: 'text';
  readonly default: string | undefined;
}

export type Setting = IntegerSetting | BooleanSetting | ChoiceSetting<LinkMode> | EmailSetting | TextSetting;

/**
 * Every setting of the stack, set in cdk.json under "context" or with `-c name=value`: the one
 * home of each default and range. readApprovalConfig reads them (stackName is read by infra/app.ts
 * and the local mode), the constructs take their defaults from here, and the README's
 * configuration table documents the same settings (test/infra/configuration-table.test.ts
 * checks the names and defaults).
 */
export const APPROVAL_SETTINGS = {
  senderEmail: {
    kind: 'email',
    default: undefined,
    meaning:
      "Verified SES identity every email comes from; a deployment needs one, the local mode sends from each approver's own address without it.",
  },
  sesConfigurationSet: {
    kind: 'text',
    default: undefined,
    meaning: 'SES configuration set every email is sent with (event publishing, dedicated IPs); none when unset.',
  },
  slackSecretName: {
    kind: 'text',
    default: undefined,
    meaning:
      'Name of the Secrets Manager secret holding the Slack app\'s bot token and signing secret (`{"botToken": "xoxb-...", "signingSecret": "..."}`); requests can then reach approvers in Slack. No Slack when unset.',
  },
  reminderIntervalSeconds: {
    kind: 'integer',
    default: 86_400,
    min: 1,
    max: MAX_EXECUTION_SECONDS,
    unit: 'seconds',
    meaning: 'How long a link stays valid before a reminder (with new links) is sent.',
  },
  reminderCount: {
    kind: 'integer',
    default: 2,
    min: 0,
    max: 20,
    unit: 'reminders',
    meaning: 'Reminders after the first email; after the last one runs out, the request expires.',
  },
  workerScheduleMinutes: {
    kind: 'integer',
    default: 60,
    min: 1,
    max: 1_440,
    unit: 'minutes',
    meaning: 'How often the schedule starts the worker as a safety net; each request also wakes it at once.',
  },
  workerMaxConcurrency: {
    kind: 'integer',
    default: 2,
    min: 1,
    max: 100,
    unit: 'concurrent instances',
    meaning: 'Most worker instances working at once: each run first takes one of this many slots, or stops.',
  },
  workerReservedConcurrency: {
    kind: 'integer',
    default: 0,
    min: 0,
    max: 1_000,
    unit: 'reserved instances',
    meaning: 'Lambda reserved concurrency of the worker; 0 reserves none, which accounts with a concurrency limit of 10 need.',
  },
  maxSendRate: {
    kind: 'integer',
    default: 10,
    min: 1,
    max: 1_000,
    unit: 'emails per second',
    meaning: "Most emails per second, across all worker instances (the account's SES sending rate or less).",
  },
  deliveryRetryIntervalSeconds: {
    kind: 'integer',
    default: 60,
    min: 1,
    max: 3_600,
    unit: 'seconds',
    meaning: 'First wait before a new email after a failed delivery; doubles each time, at most an hour.',
  },
  deliveryRetryAttempts: {
    kind: 'integer',
    default: 4,
    min: 0,
    max: 10,
    unit: 'attempts',
    meaning: 'New emails tried after failed deliveries before the request ends as EmailDeliveryFailed.',
  },
  apiThrottlingRateLimit: {
    kind: 'integer',
    default: 10,
    min: 1,
    max: 10_000,
    unit: 'requests per second',
    meaning: 'Steady-state requests per second the approval API accepts.',
  },
  apiThrottlingBurstLimit: {
    kind: 'integer',
    default: 20,
    min: 1,
    max: 5_000,
    unit: 'requests',
    meaning: 'Burst of requests the approval API accepts; at least the rate.',
  },
  apiTracing: {
    kind: 'boolean',
    default: false,
    meaning: "X-Ray tracing of the approval API stage; API Gateway's segments record the URL, task token included.",
  },
  linkMode: {
    kind: 'choice',
    default: 'direct',
    values: LINK_MODES,
    meaning: '`direct`: opening a link decides; `confirm`: it shows a page whose button decides (safe from mail link scanners).',
  },
  createApiGatewayAccountRole: {
    kind: 'boolean',
    default: true,
    meaning: 'Create the account-wide role API Gateway writes access logs with (one per account and region).',
  },
  alarmEmail: {
    kind: 'email',
    default: undefined,
    meaning: 'Address the CloudWatch alarms are emailed to, through SNS; alarms without notifications when unset.',
  },
  dashboard: {
    kind: 'boolean',
    default: false,
    meaning: "A CloudWatch dashboard with the approval funnel ($3 a month beyond the free tier's three dashboards).",
  },
  stackName: {
    kind: 'text',
    default: DEFAULT_STACK_NAME,
    meaning: 'Name of the CloudFormation stack.',
  },
} as const satisfies Readonly<Record<string, Setting>>;

export type SettingName = keyof typeof APPROVAL_SETTINGS;

/** The settings of one kind, e.g. `SettingNameOf<IntegerSetting>`. */
type SettingNameOf<Kind extends Setting> = {
  [Name in SettingName]: (typeof APPROVAL_SETTINGS)[Name] extends Kind ? Name : never;
}[SettingName];

/**
 * The settings of the approval service, as readApprovalConfig reads them: one field per entry of
 * APPROVAL_SETTINGS but stackName, which says what each means, its default and its range.
 */
export interface ApprovalConfig {
  /** Undefined: none set (`cdk synth` stops; the local mode sends from each approver's own address). */
  readonly senderEmail: string | undefined;
  /** Undefined for none. */
  readonly sesConfigurationSet: string | undefined;
  /** Undefined: no Slack. */
  readonly slackSecretName: string | undefined;
  readonly reminderIntervalSeconds: number;
  readonly reminderCount: number;
  readonly workerScheduleMinutes: number;
  readonly workerMaxConcurrency: number;
  /** 0 reserves none. */
  readonly workerReservedConcurrency: number;
  readonly maxSendRate: number;
  readonly deliveryRetryIntervalSeconds: number;
  readonly deliveryRetryAttempts: number;
  readonly apiThrottlingRateLimit: number;
  readonly apiThrottlingBurstLimit: number;
  readonly createApiGatewayAccountRole: boolean;
  readonly linkMode: LinkMode;
  readonly apiTracing: boolean;
  /** Undefined: alarms without notifications. */
  readonly alarmEmail: string | undefined;
  readonly dashboard: boolean;
}

export class ApprovalConfigError extends Error {
  override readonly name = 'ApprovalConfigError';
}

const HOW_TO_SET = 'Set it in cdk.json under "context", or with `-c name=value` on the cdk command line.';

type Context = (key: string) => unknown;

/** Where settings come from, for error messages: the CDK context, or the props of the HumanApproval construct. */
export interface SettingsSource {
  /** Names a value in a message, e.g. `Context value reminderCount=0`. */
  readonly describe: (name: string, raw: unknown) => string;
  /** Says where to change a setting. */
  readonly howToSet: string;
}

export const CONTEXT_SETTINGS: SettingsSource = {
  describe: (name, raw) => `Context value ${name}=${JSON.stringify(raw)}`,
  howToSet: HOW_TO_SET,
};

const isUnset = (raw: unknown): boolean => raw === undefined || raw === null || raw === '';

function readInteger(context: Context, src: SettingsSource, name: SettingNameOf<IntegerSetting>): number {
  const setting: IntegerSetting = APPROVAL_SETTINGS[name];
  const raw = context(name);
  if (isUnset(raw)) return setting.default;
  // `-c name=value` arrives as a string, cdk.json gives numbers.
  const value = typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < setting.min || value > setting.max) {
    throw new ApprovalConfigError(
      `${src.describe(name, raw)} is not valid: use a whole number of ${setting.unit} from ${setting.min} to ${setting.max}. ${src.howToSet}`,
    );
  }
  return value;
}

function readBoolean(context: Context, src: SettingsSource, name: SettingNameOf<BooleanSetting>): boolean {
  const raw = context(name);
  if (isUnset(raw)) return APPROVAL_SETTINGS[name].default;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new ApprovalConfigError(`${src.describe(name, raw)} is not valid: use true or false. ${src.howToSet}`);
}

function readOptionalString(context: Context, src: SettingsSource, name: SettingName, what: string): string | undefined {
  const raw = context(name);
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') throw new ApprovalConfigError(`${src.describe(name, raw)} is not valid: use ${what}. ${src.howToSet}`);
  return raw.trim() || undefined;
}

function readOptionalEmail(context: Context, src: SettingsSource, name: SettingNameOf<EmailSetting>, example: string): string | undefined {
  const value = readOptionalString(context, src, name, 'an email address');
  if (value !== undefined && !isEmailAddress(value)) {
    throw new ApprovalConfigError(`${src.describe(name, value)} is not an email address. Use one such as ${example}. ${src.howToSet}`);
  }
  return value;
}

/** SES configuration set names: letters, digits, `_` and `-`, at most 64 characters. */
const CONFIGURATION_SET_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function readLinkMode(context: Context, src: SettingsSource): LinkMode {
  const setting = APPROVAL_SETTINGS.linkMode;
  const raw = context('linkMode');
  if (isUnset(raw)) return setting.default;
  if (typeof raw === 'string' && (setting.values as readonly string[]).includes(raw)) return raw as LinkMode;
  throw new ApprovalConfigError(`${src.describe('linkMode', raw)} is not valid: use ${setting.values.join(' or ')}. ${src.howToSet}`);
}

/**
 * A secret name as CreateSecret takes it: ASCII letters, digits and /_+=.@-, up to 512 characters
 * (Secrets Manager API reference, CreateSecret, Name).
 */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

const INTEGER_SETTING_NAMES = (Object.keys(APPROVAL_SETTINGS) as SettingName[]).filter(
  (name): name is SettingNameOf<IntegerSetting> => APPROVAL_SETTINGS[name].kind === 'integer',
);

/**
 * Reads and checks every setting, so a wrong value stops `cdk synth` with a message naming it
 * rather than failing later in CloudFormation or at run time.
 */
export function readApprovalConfig(context: Context, src: SettingsSource = CONTEXT_SETTINGS): ApprovalConfig {
  if (context('workerMaxConcurrency') === 0 || context('workerMaxConcurrency') === '0') {
    const { min, max } = APPROVAL_SETTINGS.workerMaxConcurrency;
    throw new ApprovalConfigError(
      `${src.describe('workerMaxConcurrency', 0)} is no longer needed: the stack reserves no Lambda concurrency unless workerReservedConcurrency is set, and the worker bounds itself to workerMaxConcurrency instances (${min} to ${max}). ${src.howToSet}`,
    );
  }
  const integers = Object.fromEntries(INTEGER_SETTING_NAMES.map((name) => [name, readInteger(context, src, name)])) as Record<
    SettingNameOf<IntegerSetting>,
    number
  >;

  const senderEmail = readOptionalEmail(context, src, 'senderEmail', 'approvals@example.com, a verified SES identity');
  const sesConfigurationSet = readOptionalString(context, src, 'sesConfigurationSet', 'the name of an SES configuration set');
  if (sesConfigurationSet !== undefined && !CONFIGURATION_SET_NAME.test(sesConfigurationSet)) {
    throw new ApprovalConfigError(
      `${src.describe('sesConfigurationSet', sesConfigurationSet)} is not a configuration set name: use letters, digits, _ and -, at most 64 characters. ${src.howToSet}`,
    );
  }

  const slackSecretName = readOptionalString(context, src, 'slackSecretName', 'the name of a Secrets Manager secret');
  if (slackSecretName !== undefined && !SECRET_NAME.test(slackSecretName)) {
    throw new ApprovalConfigError(
      `${src.describe('slackSecretName', slackSecretName)} is not a secret name: use ASCII letters, digits and /_+=.@-, at most 512 characters. ${src.howToSet}`,
    );
  }

  const config: ApprovalConfig = {
    senderEmail,
    sesConfigurationSet,
    slackSecretName,
    ...integers,
    createApiGatewayAccountRole: readBoolean(context, src, 'createApiGatewayAccountRole'),
    linkMode: readLinkMode(context, src),
    apiTracing: readBoolean(context, src, 'apiTracing'),
    alarmEmail: readOptionalEmail(context, src, 'alarmEmail', 'ops@example.com'),
    dashboard: readBoolean(context, src, 'dashboard'),
  };
  if (config.apiThrottlingBurstLimit < config.apiThrottlingRateLimit) {
    throw new ApprovalConfigError(
      `${src.describe('apiThrottlingBurstLimit', config.apiThrottlingBurstLimit)} is smaller than apiThrottlingRateLimit=${config.apiThrottlingRateLimit}; the burst must be at least the rate. ${src.howToSet}`,
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
