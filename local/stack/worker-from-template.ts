import { WORKER_ENV } from '../../functions/approval-worker/config';
import { LocalActivityWorker } from '../worker/local-activity-worker';
import { LocalStackError } from './errors';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './local-account';
import { onlyResourceOfType, resolveIntrinsics, resourcesOfType, type SynthesizedStack } from './synthesized-stack';

/** `rate(5 minutes)` -> milliseconds. */
export function scheduleRateMs(expression: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!match) throw new LocalStackError(`The local mode understands rate(...) schedules only, not ${expression}.`);
  const unit = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[match[2]?.replace(/s$/, '') as 'minute' | 'hour' | 'day'];
  return Number(match[1]) * unit;
}

/** The worker's function name as the local stack deploys it: `{stackName}-{logical id}`. */
export function workerFunctionName(synthesized: SynthesizedStack): string {
  const [functionId] = onlyResourceOfType(synthesized.template, 'AWS::Lambda::Function');
  return `${synthesized.stackName}-${functionId}`;
}

export interface WorkerEndpoints {
  readonly activityArn: string;
  readonly apiUrl: string;
  readonly stepFunctionsUrl: string;
  readonly sesUrl: string;
  readonly lambdaUrl: string;
}

/** How a run models AWS beyond the template: all optional, none by default. */
export interface WorkerRunModel {
  /** Replaces the function's timeout from the template, e.g. to make runs hand over sooner. */
  readonly timeoutSeconds?: number;
  /** Added before a run that finds no warm instance. @default 0 */
  readonly coldStartMs?: number;
  /** How long an idle instance stays warm. @default 5 minutes */
  readonly warmIdleMs?: number;
}

/**
 * The worker gets the function's environment from the template, with the API URL of the local
 * stand-in, and reaches the local endpoints through AWS_ENDPOINT_URL_* only: no code changes.
 */
export function createWorker(
  synthesized: SynthesizedStack,
  endpoints: WorkerEndpoints,
  log: (line: string) => void,
  model: WorkerRunModel = {},
): LocalActivityWorker {
  const { template } = synthesized;
  const [activityId] = onlyResourceOfType(template, 'AWS::StepFunctions::Activity');
  const [functionId, fn] = onlyResourceOfType(template, 'AWS::Lambda::Function');
  const [, rule] = onlyResourceOfType(template, 'AWS::Events::Rule');
  const invokeConfig = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig')[0]?.[1];
  const maxEventAgeSeconds = invokeConfig?.MaximumEventAgeInSeconds;
  const reserved = fn.ReservedConcurrentExecutions;
  const variables = (fn.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    if (name === WORKER_ENV.approvalApiUrl) {
      // The deployed API URL is built from the API's id and region; locally the stand-in's URL replaces it.
      environment[name] = endpoints.apiUrl;
    } else if (name === WORKER_ENV.slotsTable) {
      // No DynamoDB locally: the runner below holds instances to the slot count itself.
      environment[name] = '';
    } else {
      environment[name] = String(resolveIntrinsics(value, { [activityId]: endpoints.activityArn }));
    }
  }
  const slotCount = Number(variables[WORKER_ENV.slotCount]);
  const timeoutSeconds = model.timeoutSeconds ?? Number(fn.Timeout ?? 3);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new LocalStackError(`The worker's time limit must be a number of seconds > 0, not ${timeoutSeconds}.`);
  }
  const positiveInteger = (bound: unknown): number | undefined =>
    typeof bound === 'number' && Number.isInteger(bound) && bound > 0 ? bound : undefined;
  return new LocalActivityWorker({
    environment: {
      ...environment,
      AWS_ENDPOINT_URL_SFN: endpoints.stepFunctionsUrl,
      AWS_ENDPOINT_URL_SESV2: endpoints.sesUrl,
      // So that the worker can start a new run of itself (a hand-over) with the SDK's Invoke.
      AWS_ENDPOINT_URL_LAMBDA: endpoints.lambdaUrl,
      // Lambda sets the function's name, and the handler may name itself by it: the same name as its context's.
      AWS_LAMBDA_FUNCTION_NAME: functionId,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      // The SDK's notice about Node 22 concerns its future releases; the worker would print it on every start.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    timeoutSeconds,
    coldStartMs: model.coldStartMs,
    warmIdleMs: model.warmIdleMs,
    scheduleMs: scheduleRateMs(String(rule.ScheduleExpression)),
    reservedConcurrency: positiveInteger(reserved),
    slotCount: positiveInteger(slotCount),
    maxEventAgeMs: typeof maxEventAgeSeconds === 'number' ? maxEventAgeSeconds * 1000 : undefined,
    functionName: functionId,
    log,
  });
}
