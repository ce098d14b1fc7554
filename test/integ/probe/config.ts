/**
 * The probe's environment variables for the stack in direct link mode; the integ test's probe
 * stack sets them, and the same names with CONFIRM_ENV_PREFIX for the stack in confirm link mode.
 */
export const PROBE_ENV = {
  stateMachineArn: 'STATE_MACHINE_ARN',
  activityArn: 'ACTIVITY_ARN',
  approvalApiUrl: 'APPROVAL_API_URL',
  workerFunctionName: 'WORKER_FUNCTION_NAME',
  workerSlotsTable: 'WORKER_SLOTS_TABLE',
  workerSlotCount: 'WORKER_SLOTS',
  reminderIntervalSeconds: 'REMINDER_INTERVAL_SECONDS',
} as const;

export const CONFIRM_ENV_PREFIX = 'CONFIRM_';

/** One deployed approval stack as the probe drives it. */
export interface ProbeConfig {
  readonly stateMachineArn: string;
  readonly activityArn: string;
  /** Base URL of the approval API stage, as the worker's links use it. */
  readonly approvalApiUrl: string;
  readonly workerFunctionName: string;
  /** The worker's slot table and how many slots it has: the probe holds them all to keep the worker off the tasks. */
  readonly workerSlotsTable: string;
  readonly workerSlotCount: number;
  /** The stack's reminderIntervalSeconds: the approval task's TimeoutSeconds. */
  readonly reminderIntervalSeconds: number;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`Environment variable ${name} is not set; the integ test's probe stack sets it.`);
  return value;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, what: string): number {
  const text = required(env, name);
  const value = Number(text);
  if (!(Number.isInteger(value) && value >= 1)) throw new Error(`${name} ${JSON.stringify(text)} is not a whole number of ${what}.`);
  return value;
}

/** The stack the variables named `<prefix><PROBE_ENV name>` describe. */
export function readProbeConfig(env: NodeJS.ProcessEnv, prefix = ''): ProbeConfig {
  const workerSlotCount = positiveInteger(env, prefix + PROBE_ENV.workerSlotCount, 'slots');
  const reminderIntervalSeconds = positiveInteger(env, prefix + PROBE_ENV.reminderIntervalSeconds, 'seconds');
  return {
    stateMachineArn: required(env, prefix + PROBE_ENV.stateMachineArn),
    activityArn: required(env, prefix + PROBE_ENV.activityArn),
    approvalApiUrl: required(env, prefix + PROBE_ENV.approvalApiUrl),
    workerFunctionName: required(env, prefix + PROBE_ENV.workerFunctionName),
    workerSlotsTable: required(env, prefix + PROBE_ENV.workerSlotsTable),
    workerSlotCount,
    reminderIntervalSeconds,
  };
}
