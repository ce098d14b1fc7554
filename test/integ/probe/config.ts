/** The probe's environment variables; the integ test's probe stack sets them. */
export const PROBE_ENV = {
  stateMachineArn: 'STATE_MACHINE_ARN',
  activityArn: 'ACTIVITY_ARN',
  approvalApiUrl: 'APPROVAL_API_URL',
  workerFunctionName: 'WORKER_FUNCTION_NAME',
  workerReservedConcurrency: 'WORKER_RESERVED_CONCURRENCY',
} as const;

export interface ProbeConfig {
  readonly stateMachineArn: string;
  readonly activityArn: string;
  /** Base URL of the approval API stage, as the worker's links use it. */
  readonly approvalApiUrl: string;
  readonly workerFunctionName: string;
  /** The worker's reserved concurrency as deployed; undefined when the stack reserves none. */
  readonly workerReservedConcurrency: number | undefined;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new Error(`Environment variable ${name} is not set; the integ test's probe stack sets it.`);
  return value;
}

export function readProbeConfig(env: NodeJS.ProcessEnv): ProbeConfig {
  const reserved = env[PROBE_ENV.workerReservedConcurrency]?.trim();
  const workerReservedConcurrency = reserved ? Number(reserved) : undefined;
  if (workerReservedConcurrency !== undefined && !(Number.isInteger(workerReservedConcurrency) && workerReservedConcurrency >= 0)) {
    throw new Error(`${PROBE_ENV.workerReservedConcurrency} ${JSON.stringify(reserved)} is not a whole number.`);
  }
  return {
    stateMachineArn: required(env, PROBE_ENV.stateMachineArn),
    activityArn: required(env, PROBE_ENV.activityArn),
    approvalApiUrl: required(env, PROBE_ENV.approvalApiUrl),
    workerFunctionName: required(env, PROBE_ENV.workerFunctionName),
    workerReservedConcurrency,
  };
}
