/** The probe's environment variables; the integ test's probe stack sets them. */
export const PROBE_ENV = {
  stateMachineArn: 'STATE_MACHINE_ARN',
  activityArn: 'ACTIVITY_ARN',
  approvalApiUrl: 'APPROVAL_API_URL',
  workerFunctionName: 'WORKER_FUNCTION_NAME',
  workerSlotsTable: 'WORKER_SLOTS_TABLE',
  workerSlotCount: 'WORKER_SLOTS',
} as const;

export interface ProbeConfig {
  readonly stateMachineArn: string;
  readonly activityArn: string;
  /** Base URL of the approval API stage, as the worker's links use it. */
  readonly approvalApiUrl: string;
  readonly workerFunctionName: string;
  /** The worker's slot table and how many slots it has: the probe holds them all to keep the worker off the tasks. */
  readonly workerSlotsTable: string;
  readonly workerSlotCount: number;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`Environment variable ${name} is not set; the integ test's probe stack sets it.`);
  return value;
}

export function readProbeConfig(env: NodeJS.ProcessEnv): ProbeConfig {
  const slots = required(env, PROBE_ENV.workerSlotCount);
  const workerSlotCount = Number(slots);
  if (!(Number.isInteger(workerSlotCount) && workerSlotCount >= 1)) {
    throw new Error(`${PROBE_ENV.workerSlotCount} ${JSON.stringify(slots)} is not a whole number of slots.`);
  }
  return {
    stateMachineArn: required(env, PROBE_ENV.stateMachineArn),
    activityArn: required(env, PROBE_ENV.activityArn),
    approvalApiUrl: required(env, PROBE_ENV.approvalApiUrl),
    workerFunctionName: required(env, PROBE_ENV.workerFunctionName),
    workerSlotsTable: required(env, PROBE_ENV.workerSlotsTable),
    workerSlotCount,
  };
}
