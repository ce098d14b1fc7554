import * as fs from 'node:fs';
import * as path from 'node:path';
import { CreateActivityCommand, CreateStateMachineCommand, SFNClient } from '@aws-sdk/client-sfn';
import { WORKER_ENV } from '../functions/approval-worker/config';
import { renderDefinition } from '../statemachine/render-definition';
import { buildApiModel } from './api-gateway/api-model';
import { type LocalApiGateway, startLocalApiGateway } from './api-gateway/server';
import { type LocalSes, startLocalSes } from './ses';
import { startLocalStepFunctions, type LocalStepFunctions } from './step-functions/server';
import { onlyResourceOfType, removeSynthesizedStack, resolveIntrinsics, resourcesOfType, synthesizeStack, type SynthesizedStack } from './synthesized-stack';
import { LocalActivityWorker } from './worker/local-activity-worker';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '123456789012';
/** Dummy credentials: the local endpoints accept any, the SDK wants some. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export const DEFAULT_PORTS = { api: 3000, ses: 8005, stepFunctions: 8083 } as const;

export type LocalComponent = 'stack' | 'step-functions' | 'api' | 'ses' | 'worker';

export interface LocalStackOptions {
  /** Loopback address to listen on. @default 127.0.0.1 */
  readonly host?: string;
  /** 0 picks a free port. @default DEFAULT_PORTS */
  readonly ports?: Partial<Record<keyof typeof DEFAULT_PORTS, number>>;
  /** CDK context on top of cdk.json, e.g. `{ reminderIntervalSeconds: 5 }`. */
  readonly context?: Readonly<Record<string, unknown>>;
  readonly log?: (component: LocalComponent, line: string) => void;
  /** How long GetActivityTask holds a poll. @default 60000, as the service does */
  readonly activityPollHoldMs?: number;
}

export interface LocalStack {
  readonly stackName: string;
  /** Base of the Approve / Reject links, e.g. http://127.0.0.1:3000/respond */
  readonly apiUrl: string;
  /** SES v2 endpoint; its inbox page is at this URL and the stored emails at `/store`. */
  readonly sesUrl: string;
  readonly stepFunctionsUrl: string;
  readonly stateMachineArn: string;
  readonly activityArn: string;
  readonly worker: LocalActivityWorker;
  readonly stepFunctions: LocalStepFunctions;
  readonly ses: LocalSes;
  close(): Promise<void>;
}

export class LocalStackError extends Error {
  override readonly name = 'LocalStackError';
}

const PORT_VARIABLES: Readonly<Record<keyof typeof DEFAULT_PORTS, string>> = {
  api: 'APPROVAL_LOCAL_API_PORT',
  ses: 'APPROVAL_LOCAL_SES_PORT',
  stepFunctions: 'APPROVAL_LOCAL_SFN_PORT',
};

/** `rate(5 minutes)` -> milliseconds. */
export function scheduleRateMs(expression: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!match) throw new LocalStackError(`The local mode understands rate(...) schedules only, not ${expression}.`);
  const unit = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[match[2]?.replace(/s$/, '') as 'minute' | 'hour' | 'day'];
  return Number(match[1]) * unit;
}

function explainListenError(error: unknown, component: keyof typeof DEFAULT_PORTS, port: number): Error {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    return new LocalStackError(`Port ${port} (${component}) is already in use. Stop what uses it, or set ${PORT_VARIABLES[component]} to a free port.`);
  }
  return error as Error;
}

/**
 * Brings up the whole approval flow on this machine from the synthesized template: Step Functions
 * (with the state machine and activity deployed into it), SES v2 with its inbox, the API Gateway
 * stand-in, and the real worker handler on its schedule.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const log = (component: LocalComponent, line: string): void => options.log?.(component, line);
  const cleanups: Array<() => Promise<void> | void> = [];
  const closeAll = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  };

  try {
    log('stack', 'synthesizing the CDK app');
    const synthesized: SynthesizedStack = synthesizeStack({ ...options.context });
    cleanups.push(() => removeSynthesizedStack(synthesized));
    const { template, stackName } = synthesized;

    const stepFunctions = await startLocalStepFunctions({
      host,
      port: ports.stepFunctions,
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
      activityPollHoldMs: options.activityPollHoldMs,
      log: (line) => log('step-functions', line),
    }).catch(
      (error: unknown) => {
        throw explainListenError(error, 'stepFunctions', ports.stepFunctions);
      },
    );
    cleanups.push(() => stepFunctions.close());
    const ses: LocalSes = await startLocalSes({ host, port: ports.ses }).catch((error: unknown) => {
      throw explainListenError(error, 'ses', ports.ses);
    });
    cleanups.push(() => ses.close());

    const [activityId] = onlyResourceOfType(template, 'AWS::StepFunctions::Activity');
    const [functionId] = onlyResourceOfType(template, 'AWS::Lambda::Function');
    const functionArn = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${stackName}-${functionId}`;
    const activityArn = await createActivity(stackName, stepFunctions.url);

    const api: LocalApiGateway = await startLocalApiGateway({ model: buildApiModel(template), stepFunctionsUrl: stepFunctions.url, host, port: ports.api, log: (line) => log('api', line) }).catch(
      (error: unknown) => {
        throw explainListenError(error, 'api', ports.api);
      },
    );
    cleanups.push(() => api.close());

    const worker = createWorker(synthesized, { activityArn, apiUrl: api.url, stepFunctionsUrl: stepFunctions.url, sesUrl: ses.url }, (line) => log('worker', line));
    cleanups.push(() => worker.close());
    // The WakeWorker state's fire-and-forget invoke starts the worker, as Lambda would.
    stepFunctions.engine.registerLambdaFunction(functionArn, async (payload) => {
      worker.invokeAsync(payload);
      return null;
    });
    await worker.start();

    const stateMachineArn = await createStateMachine(synthesized, stepFunctions.url, { [activityId]: activityArn, [`${functionId}.Arn`]: functionArn });
    log('stack', `deployed state machine ${stackName} and its activity`);

    return {
      stackName,
      apiUrl: api.url,
      sesUrl: ses.url,
      stepFunctionsUrl: stepFunctions.url,
      stateMachineArn,
      activityArn,
      worker,
      stepFunctions,
      ses,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

function localSfnClient(stepFunctionsUrl: string): SFNClient {
  return new SFNClient({ endpoint: stepFunctionsUrl, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

/** Creates the activity of the template, as CloudFormation would. */
async function createActivity(stackName: string, stepFunctionsUrl: string): Promise<string> {
  const sfn = localSfnClient(stepFunctionsUrl);
  try {
    const { activityArn } = await sfn.send(new CreateActivityCommand({ name: `${stackName}-ManualApproval` }));
    if (!activityArn) throw new LocalStackError('The local Step Functions endpoint returned no activity ARN.');
    return activityArn;
  } finally {
    sfn.destroy();
  }
}

/** Creates the state machine from the template's definition asset and substitutions, as CloudFormation would. */
async function createStateMachine(synthesized: SynthesizedStack, stepFunctionsUrl: string, physical: Readonly<Record<string, string>>): Promise<string> {
  const { template, stackName, assemblyDir } = synthesized;
  const [, machine] = onlyResourceOfType(template, 'AWS::StepFunctions::StateMachine');
  const location = machine.DefinitionS3Location as { Key?: string } | undefined;
  if (!location?.Key) throw new LocalStackError('The state machine in the template has no DefinitionS3Location asset.');
  const definitionTemplate = fs.readFileSync(path.join(assemblyDir, `asset.${location.Key}`), 'utf8');
  const substitutions = resolveIntrinsics(machine.DefinitionSubstitutions ?? {}, physical) as Record<string, string>;
  const sfn = localSfnClient(stepFunctionsUrl);
  try {
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: stackName,
        definition: renderDefinition(definitionTemplate, substitutions),
        roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/${stackName}-StateMachineRole`,
      }),
    );
    if (!stateMachineArn) throw new LocalStackError('The local Step Functions endpoint returned no state machine ARN.');
    return stateMachineArn;
  } finally {
    sfn.destroy();
  }
}

interface WorkerEndpoints {
  readonly activityArn: string;
  readonly apiUrl: string;
  readonly stepFunctionsUrl: string;
  readonly sesUrl: string;
}

/**
 * The worker gets the function's environment from the template, with the API URL of the local
 * stand-in, and reaches the local endpoints through AWS_ENDPOINT_URL_* only: no code changes.
 */
function createWorker(synthesized: SynthesizedStack, endpoints: WorkerEndpoints, log: (line: string) => void): LocalActivityWorker {
  const { template } = synthesized;
  const [activityId] = onlyResourceOfType(template, 'AWS::StepFunctions::Activity');
  const [functionId, fn] = onlyResourceOfType(template, 'AWS::Lambda::Function');
  const [, rule] = onlyResourceOfType(template, 'AWS::Events::Rule');
  const invokeConfig = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig')[0]?.[1];
  const maxEventAgeSeconds = invokeConfig?.MaximumEventAgeInSeconds;
  const reserved = fn.ReservedConcurrentExecutions;
  const variables = ((fn.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
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
  const bounds = [reserved, slotCount].filter((bound): bound is number => typeof bound === 'number' && Number.isInteger(bound) && bound > 0);
  return new LocalActivityWorker({
    environment: {
      ...environment,
      AWS_ENDPOINT_URL_SFN: endpoints.stepFunctionsUrl,
      AWS_ENDPOINT_URL_SESV2: endpoints.sesUrl,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      // The SDK's notice about Node 22 concerns its future releases; the worker would print it on every start.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    timeoutSeconds: Number(fn.Timeout ?? 3),
    scheduleMs: scheduleRateMs(String(rule.ScheduleExpression)),
    maxConcurrency: bounds.length > 0 ? Math.min(...bounds) : undefined,
    maxEventAgeMs: typeof maxEventAgeSeconds === 'number' ? maxEventAgeSeconds * 1000 : undefined,
    functionName: functionId,
    log,
  });
}
