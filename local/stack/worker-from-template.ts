import { LocalActivityWorker } from '../worker/local-activity-worker';
import { LocalStackError } from './errors';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LOCAL_REST_API_ID } from './local-account';
import {
  assetPath,
  onlyResourceOfType,
  resolveIntrinsics,
  resourcesOfType,
  type SynthesizedStack,
  UnsupportedIntrinsicError,
} from './synthesized-stack';

/** `rate(5 minutes)` -> milliseconds. */
export function scheduleRateMs(expression: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!match) throw new LocalStackError(`The local mode understands rate(...) schedules only, not ${expression}.`);
  const unit = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[match[2]?.replace(/s$/, '') as 'minute' | 'hour' | 'day'];
  return Number(match[1]) * unit;
}

/** Whether a Ref or Fn::GetAtt anywhere in `value` names the resource `logicalId`. */
export function refersTo(value: unknown, logicalId: string): boolean {
  if (Array.isArray(value)) return value.some((item) => refersTo(item, logicalId));
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value as Record<string, unknown>).some(
    ([key, argument]) =>
      (key === 'Ref' && argument === logicalId) ||
      (key === 'Fn::GetAtt' && Array.isArray(argument) && argument[0] === logicalId) ||
      refersTo(argument, logicalId),
  );
}

/**
 * The function the local mode runs as its worker: the Lambda function whose environment names the
 * template's activity (the worker that takes its tasks), leaving out functions an API method
 * integrates with (those answer requests; the local stack runs them for their routes).
 */
export function workerFunction(template: SynthesizedStack['template']): [string, Record<string, unknown>] {
  const [activityId] = onlyResourceOfType(template, 'AWS::StepFunctions::Activity');
  const integrations = resourcesOfType(template, 'AWS::ApiGateway::Method').map(([, method]) => method.Integration);
  const workers = resourcesOfType(template, 'AWS::Lambda::Function').filter(
    ([id, fn]) => refersTo(fn.Environment, activityId) && !integrations.some((integration) => refersTo(integration, id)),
  );
  const [only] = workers;
  if (workers.length !== 1 || only === undefined) {
    throw new LocalStackError(
      `The template has ${workers.length} Lambda functions whose environment names the activity ${activityId}; the local mode runs exactly one as its worker.`,
    );
  }
  return only;
}

/** The worker's function name as the local stack deploys it: `{stackName}-{logical id}`. */
export function workerFunctionName(synthesized: SynthesizedStack): string {
  const [functionId] = workerFunction(synthesized.template);
  return `${synthesized.stackName}-${functionId}`;
}

export interface WorkerEndpoints {
  readonly activityArn: string;
  /** The local API Gateway's stage URL, e.g. http://127.0.0.1:3000/respond */
  readonly apiUrl: string;
  readonly stepFunctionsUrl: string;
  readonly sesUrl: string;
  readonly lambdaUrl: string;
  /** The local Secrets Manager, when the stack runs one (its functions read a Slack secret). */
  readonly secretsManagerUrl?: string;
  /** The Slack stand-in's Web API base (`.../api/`), when the stack runs one. */
  readonly slackApiUrl?: string;
  /** The local DynamoDB, when the stack serves tables (see tables-and-rules.ts). */
  readonly dynamodbUrl?: string;
  /** The local name of each table the local DynamoDB serves, by logical id; any other table is blank. */
  readonly tableNames?: Readonly<Record<string, string>>;
}

/**
 * What every function the local stack runs is given beside its own variables: the local endpoints
 * (through AWS_ENDPOINT_URL_*, so no code changes), Lambda's own variables, region and credentials.
 */
export function localFunctionEnvironment(
  functionId: string,
  endpoints: Pick<WorkerEndpoints, 'stepFunctionsUrl' | 'sesUrl' | 'secretsManagerUrl' | 'slackApiUrl' | 'dynamodbUrl'>,
): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_SFN: endpoints.stepFunctionsUrl,
    AWS_ENDPOINT_URL_SESV2: endpoints.sesUrl,
    ...(endpoints.dynamodbUrl === undefined ? {} : { AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodbUrl }),
    ...(endpoints.secretsManagerUrl === undefined ? {} : { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManagerUrl }),
    // The functions' Slack client calls this base instead of https://slack.com/api/ (functions/commons/slack-contract.ts).
    ...(endpoints.slackApiUrl === undefined ? {} : { SLACK_API_URL: endpoints.slackApiUrl }),
    // Lambda sets the function's name, and the handler may name itself by it: the same name as its context's.
    AWS_LAMBDA_FUNCTION_NAME: functionId,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    // The SDK's notice about Node 22 concerns its future releases; a function would print it on every start.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
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

const TABLE_VARIABLE_SUFFIX = '_TABLE';

/**
 * The function's environment from the template, resolved for this machine, with only generic
 * rules (nothing here knows the worker's variable names):
 * - a Ref of the activity is the local activity's ARN;
 * - an execute-api URL of the template's REST API (`https://<api>.execute-api.<region>.<suffix>/<stage>`,
 *   however the template builds it) becomes the same path on the local API Gateway;
 * - a Ref of a DynamoDB table the local DynamoDB serves is its local name (`tableNames`); any
 *   other table's is empty, which a function run here treats as no table. The runner plays such a
 *   table's bound itself when the function is given it beside the name, as `<NAME>_TABLE` and
 *   `<NAME>` (a whole number): see {@link slotCountOf} and tables-and-rules.ts.
 */
export function workerEnvironment(
  template: SynthesizedStack['template'],
  variables: Readonly<Record<string, unknown>>,
  endpoints: Pick<WorkerEndpoints, 'activityArn' | 'apiUrl' | 'tableNames'>,
): Record<string, string> {
  const [activityId] = onlyResourceOfType(template, 'AWS::StepFunctions::Activity');
  const physical: Record<string, string> = { [activityId]: endpoints.activityArn };
  for (const [id] of resourcesOfType(template, 'AWS::ApiGateway::RestApi')) physical[id] = LOCAL_REST_API_ID;
  for (const [id, stage] of resourcesOfType(template, 'AWS::ApiGateway::Stage')) physical[id] = String(stage.StageName);
  for (const [id] of resourcesOfType(template, 'AWS::DynamoDB::Table')) physical[id] = endpoints.tableNames?.[id] ?? '';
  const deployedApiOrigin = `https://${LOCAL_REST_API_ID}.execute-api.${LOCAL_REGION}.amazonaws.com`;
  const localApiOrigin = new URL(endpoints.apiUrl).origin;
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(variables)) {
    let resolved: string;
    try {
      resolved = String(resolveIntrinsics(value, physical));
    } catch (error) {
      if (!(error instanceof UnsupportedIntrinsicError)) throw error;
      throw new UnsupportedIntrinsicError(`The worker's environment variable ${name}: ${error.message}`);
    }
    environment[name] = resolved.startsWith(deployedApiOrigin) ? `${localApiOrigin}${resolved.slice(deployedApiOrigin.length)}` : resolved;
  }
  return environment;
}

/**
 * The bound the function's table of slots would set on AWS: the whole number given as `<NAME>`
 * beside a variable `<NAME>_TABLE` that names a DynamoDB table of the template. Undefined when
 * there is none (no bound beyond reserved concurrency).
 */
export function slotCountOf(template: SynthesizedStack['template'], variables: Readonly<Record<string, unknown>>): number | undefined {
  return slotTablesOf(template, variables)[0]?.count;
}

/**
 * The tables the runner plays itself in a function's variables: each `<NAME>_TABLE` naming a
 * DynamoDB table of the template beside a whole number `<NAME>` (its bound), in the variables' order.
 */
export function slotTablesOf(
  template: SynthesizedStack['template'],
  variables: Readonly<Record<string, unknown>>,
): Array<{ readonly tableId: string; readonly count: number }> {
  const tables = new Set(resourcesOfType(template, 'AWS::DynamoDB::Table').map(([id]) => id));
  return Object.entries(variables).flatMap(([name, value]) => {
    if (!name.endsWith(TABLE_VARIABLE_SUFFIX)) return [];
    const ref = (value as { Ref?: unknown } | null)?.Ref;
    if (typeof ref !== 'string' || !tables.has(ref)) return [];
    const count = Number(variables[name.slice(0, -TABLE_VARIABLE_SUFFIX.length)]);
    return Number.isInteger(count) && count > 0 ? [{ tableId: ref, count }] : [];
  });
}

/** The folder and handler of the worker's code, from its asset in the cloud assembly, as Lambda would deploy it. */
export function workerCode(synthesized: SynthesizedStack): { codeDir: string; handler: string } {
  const [functionId, fn] = workerFunction(synthesized.template);
  return functionCode(synthesized, functionId, fn);
}

/** The folder and handler of a function's code, from its asset in the cloud assembly. */
export function functionCode(
  synthesized: SynthesizedStack,
  functionId: string,
  fn: Record<string, unknown>,
): { codeDir: string; handler: string } {
  const code = fn.Code as { S3Key?: unknown } | undefined;
  if (typeof code?.S3Key !== 'string') {
    throw new LocalStackError(
      `The function ${functionId} has no Code.S3Key: the local mode runs code from an asset of the cloud assembly only.`,
    );
  }
  if (typeof fn.Handler !== 'string') throw new LocalStackError(`The function ${functionId} has no Handler.`);
  return { codeDir: assetPath(synthesized, code.S3Key, `The function ${functionId}`), handler: fn.Handler };
}

/**
 * The worker gets the function's code and environment from the template, with the URL of the
 * local API stand-in, and reaches the local endpoints through AWS_ENDPOINT_URL_* only: no code changes.
 */
export function createWorker(
  synthesized: SynthesizedStack,
  endpoints: WorkerEndpoints,
  log: (line: string) => void,
  model: WorkerRunModel = {},
): LocalActivityWorker {
  const { template } = synthesized;
  const [functionId, fn] = workerFunction(template);
  const startsWorker = (properties: Record<string, unknown>): boolean => refersTo(properties.Targets, functionId);
  const rule = resourcesOfType(template, 'AWS::Events::Rule').find(
    ([, properties]) => typeof properties.ScheduleExpression === 'string' && startsWorker(properties),
  )?.[1];
  const invokeConfig = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').find(([, properties]) =>
    refersTo(properties.FunctionName, functionId),
  )?.[1];
  const maxEventAgeSeconds = invokeConfig?.MaximumEventAgeInSeconds;
  const variables = (fn.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const timeoutSeconds = model.timeoutSeconds ?? Number(fn.Timeout ?? 3);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new LocalStackError(`The worker's time limit must be a number of seconds > 0, not ${timeoutSeconds}.`);
  }
  const positiveInteger = (bound: unknown): number | undefined =>
    typeof bound === 'number' && Number.isInteger(bound) && bound > 0 ? bound : undefined;
  return new LocalActivityWorker({
    ...workerCode(synthesized),
    environment: {
      ...workerEnvironment(template, variables, endpoints),
      ...localFunctionEnvironment(functionId, endpoints),
      // So that the worker can start a new run of itself (a hand-over) with the SDK's Invoke.
      AWS_ENDPOINT_URL_LAMBDA: endpoints.lambdaUrl,
    },
    timeoutSeconds,
    coldStartMs: model.coldStartMs,
    warmIdleMs: model.warmIdleMs,
    scheduleMs: rule === undefined ? undefined : scheduleRateMs(String(rule.ScheduleExpression)),
    reservedConcurrency: positiveInteger(fn.ReservedConcurrentExecutions),
    slotCount: slotCountOf(template, variables),
    maxEventAgeMs: typeof maxEventAgeSeconds === 'number' ? maxEventAgeSeconds * 1000 : undefined,
    functionName: functionId,
    log,
  });
}
