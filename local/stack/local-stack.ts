import * as fs from 'node:fs';
import { buildApiModel } from '../api-gateway/api-model';
import type { LambdaProxyTarget } from '../api-gateway/lambda-proxy';
import { type LocalApiGateway, startLocalApiGateway } from '../api-gateway/server';
import { type LocalLambda, startLocalLambda } from '../lambda/server';
import { DEFAULT_LOCAL_HOST, DEFAULT_LOCAL_PORTS, LOCAL_PORT_ENV, LOCAL_PORT_PURPOSE, type LocalService } from '../ports';
import { type LocalDynamoDb, startLocalDynamoDb } from '../dynamodb/server';
import { type LocalEvents, startLocalEvents } from '../events/server';
import { executionStatusChangeEvent } from '../events/step-functions-events';
import { startLocalSlack } from '../slack/server';
import { printable } from '../printable';
import { type LocalSecretsManager, startLocalSecretsManager } from '../secrets-manager/server';
import { type LocalSes, startLocalSes } from '../ses/server';
import { lambdaFunctionError, lambdaThrottledError, lambdaUnknownError } from '../step-functions/lambda-errors';
import { startLocalStepFunctions, type LocalStepFunctions } from '../step-functions/server';
import type { LocalActivityWorker } from '../worker/local-activity-worker';
import type { LocalFunction } from '../worker/local-function';
import { WorkerInvokeError } from '../worker/worker-invoke-error';
import { activityName, createActivity, createStateMachines } from './deploy-workflow';
import { LocalStackError } from './errors';
import type { JsonValue } from '../step-functions/interpreter';
import { createProxyFunction, proxyFunctionIds } from './function-from-template';
import { LOCAL_ACCOUNT, LOCAL_REGION, LOCAL_REST_API_ID } from './local-account';
import {
  type LocalSlackLike,
  SLACK_ACTIONS_ROUTE,
  SLACK_SECRET_ID_ENV,
  secretNameOf,
  slackSecretString,
  slackSecretVariables,
  type StartLocalSlack,
} from './slack-wiring';
import { onlyResourceOfType, readSynthesizedStack, resolveIntrinsics, type SynthesizedStack } from './synthesized-stack';
import { eventRules, servedTables } from './tables-and-rules';
import { createWorker, workerEnvironment, workerFunction, workerFunctionName } from './worker-from-template';

export type { LocalSlackLike, LocalSlackStartOptions, StartLocalSlack } from './slack-wiring';

/** `function` lines come from the functions the API's Lambda proxy integrations run. */
export type LocalComponent =
  'stack' | 'step-functions' | 'api' | 'ses' | 'lambda' | 'worker' | 'function' | 'secrets-manager' | 'slack' | 'dynamodb' | 'events';

/**
 * Latencies added on purpose, so that a run (the benchmark) can model AWS, where each call takes
 * tens of milliseconds rather than loopback's one. None by default.
 */
export interface LocalLatency {
  /** Added to every SES API call, SendEmail included. @default 0 */
  readonly sesMs?: number;
  /** Added to every Step Functions API call (before a GetActivityTask is held). @default 0 */
  readonly stepFunctionsMs?: number;
  /** Added before a worker run that finds no warm idle instance (a Lambda cold start). @default 0 */
  readonly coldStartMs?: number;
  /** How long an idle worker instance stays warm. @default 300000 (5 minutes) */
  readonly warmIdleMs?: number;
}

export interface LocalStackOptions {
  /**
   * A cloud assembly, as `cdk synth` writes it (manifest.json, the stack's template, its asset
   * manifest and assets). It must stay in place while the stack runs: a worker process that
   * restarts loads the function's code from it again.
   */
  readonly assemblyDir: string;
  /**
   * The stack of the assembly to serve (its name or artifact id). @default the one stack with a
   * Step Functions activity
   */
  readonly stackName?: string;
  /** Loopback address to listen on. @default 127.0.0.1 */
  readonly host?: string;
  /** 0 picks a free port. @default DEFAULT_LOCAL_PORTS */
  readonly ports?: Partial<Record<LocalService, number>>;
  readonly log?: (component: LocalComponent, line: string) => void;
  /** How long GetActivityTask holds a poll. @default 60000, as the service does */
  readonly activityPollHoldMs?: number;
  /** Latencies that model AWS. @default none */
  readonly latency?: LocalLatency;
  /** Replaces the worker's timeout from the template, e.g. so that a benchmark's runs must hand over. */
  readonly workerTimeoutSeconds?: number;
  /**
   * Starts the Slack stand-in, for a template whose functions read a Slack secret (SLACK_SECRET_ID):
   * its bot token and signing secret are seeded into the local Secrets Manager as that secret, its
   * Web API base is every function's SLACK_API_URL, and its request URL is the API's
   * `/slack/actions` when the template has that route. Tests pass a fake one.
   * @default startLocalSlack (local/slack/server.ts)
   */
  readonly startSlack?: StartLocalSlack;
}

export interface LocalStack {
  readonly stackName: string;
  /** Base of the Approve / Reject links, e.g. http://127.0.0.1:3000/respond */
  readonly apiUrl: string;
  /** SES v2 endpoint; its inbox page is at this URL and the stored emails at `/store`. */
  readonly sesUrl: string;
  readonly stepFunctionsUrl: string;
  /** Lambda Invoke endpoint: the worker reaches it through AWS_ENDPOINT_URL_LAMBDA. */
  readonly lambdaUrl: string;
  /** The local Secrets Manager (every function's AWS_ENDPOINT_URL_SECRETS_MANAGER), when the functions read a Slack secret. */
  readonly secretsManagerUrl?: string;
  readonly secretsManager?: LocalSecretsManager;
  /** The Slack stand-in's base URL, when one was started (see LocalStackOptions.startSlack). */
  readonly slackUrl?: string;
  readonly slack?: LocalSlackLike;
  /** The local DynamoDB, when the template has tables to serve (see tables-and-rules.ts). */
  readonly dynamodbUrl?: string;
  readonly dynamodb?: LocalDynamoDb;
  /** The local EventBridge, when the template has rules that match events; every execution's status change is sent to it. */
  readonly eventsUrl?: string;
  readonly events?: LocalEvents;
  /** The functions the REST API's Lambda proxy integrations and the event rules run, by logical id. */
  readonly functions: Readonly<Record<string, LocalFunction>>;
  /** The approval state machine (named after the stack). */
  readonly stateMachineArn: string;
  /**
   * Every state machine of the template, the approval one included, by readable name: its
   * logical id without the hash CDK appends, e.g. `ReleaseStateMachine`.
   */
  readonly stateMachines: Readonly<Record<string, string>>;
  readonly activityArn: string;
  /** The worker Lambda function, as Task states name it (`lambda:invoke` FunctionName). */
  readonly workerFunctionArn: string;
  readonly worker: LocalActivityWorker;
  readonly stepFunctions: LocalStepFunctions;
  readonly ses: LocalSes;
  readonly lambda: LocalLambda;
  close(): Promise<void>;
}

/**
 * One message for a port that cannot be opened, whichever it is: the port, what it serves, and the
 * variable that moves it. The Step Functions endpoint wraps the listen error, so its cause is read too.
 */
function explainListenError(error: unknown, service: LocalService, port: number): Error {
  const code = (error as NodeJS.ErrnoException).code ?? ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
  const where = `Port ${port} (${LOCAL_PORT_PURPOSE[service]})`;
  const variable = LOCAL_PORT_ENV[service];
  if (code === 'EADDRINUSE')
    return new LocalStackError(`${where} is already in use. Stop what uses it, or set ${variable} to a free port.`);
  if (code === 'EACCES')
    return new LocalStackError(`${where} needs privileges this process lacks. Set ${variable} to a free port above 1023.`);
  return error as Error;
}

/**
 * Brings up the whole approval flow on this machine from the synthesized template: Step Functions
 * (with the state machine and activity deployed into it), SES v2 with its inbox, the API Gateway
 * stand-in, the real worker handler on its schedule, and a Lambda Invoke endpoint through which
 * the worker can start new runs of itself.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const host = options.host ?? DEFAULT_LOCAL_HOST;
  const ports = { ...DEFAULT_LOCAL_PORTS, ...options.ports };
  // Lines carry execution names, which StartExecution's caller chooses and which may hold
  // bidirectional controls: a terminal shows them escaped instead of obeying them.
  const log = (component: LocalComponent, line: string): void => options.log?.(component, printable(line));
  const cleanups: Array<() => Promise<void> | void> = [];
  const closeAll = async (): Promise<void> => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  };
  /** Starts one server on its port, explains a port it cannot open, and closes it with the stack. */
  const serve = async <T extends { close(): Promise<void> }>(
    service: LocalService,
    port: number,
    start: (port: number) => Promise<T>,
  ): Promise<T> => {
    const started = await start(port).catch((error: unknown) => {
      throw explainListenError(error, service, port);
    });
    cleanups.push(() => started.close());
    return started;
  };
  // The servers only some templates need take a free port unless the caller names one: `approval
  // local` gives DEFAULT_LOCAL_PORTS (or the variables), and suites that start stacks side by side
  // need not know these ports.
  const portUnlessNamed = (service: 'slack' | 'dynamodb' | 'events'): number => options.ports?.[service] ?? 0;

  try {
    const synthesized: SynthesizedStack = readSynthesizedStack(options.assemblyDir, options.stackName);
    const { template, stackName } = synthesized;
    log('stack', `serving stack ${stackName} of ${options.assemblyDir}`);

    const stepFunctions = await serve('stepFunctions', ports.stepFunctions, (port) =>
      startLocalStepFunctions({
        host,
        port,
        region: LOCAL_REGION,
        accountId: LOCAL_ACCOUNT,
        activityPollHoldMs: options.activityPollHoldMs,
        latencyMs: options.latency?.stepFunctionsMs,
        log: (line) => log('step-functions', line),
      }),
    );
    const ses: LocalSes = await serve('ses', ports.ses, (port) => startLocalSes({ host, port, latencyMs: options.latency?.sesMs }));

    const [activityId, activity] = onlyResourceOfType(template, 'AWS::StepFunctions::Activity');
    const [functionId] = workerFunction(template);
    const functionName = workerFunctionName(synthesized);
    const functionArn = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName}`;
    const activityArn = await createActivity(activityName(stackName, activityId, activity), stepFunctions.url);

    const apiModel = buildApiModel(template);
    // Filled once the functions run, below; the gateway reads it at each request.
    const proxyTargets = new Map<string, LambdaProxyTarget>();
    const api: LocalApiGateway = await serve('api', ports.api, (port) =>
      startLocalApiGateway({
        model: apiModel,
        stepFunctionsUrl: stepFunctions.url,
        host,
        port,
        log: (line) => log('api', line),
        lambdaFunctions: proxyTargets,
        accountId: LOCAL_ACCOUNT,
        restApiId: LOCAL_REST_API_ID,
      }),
    );

    // Slack: only for a template whose functions read a Slack secret.
    let secretsManager: LocalSecretsManager | undefined;
    let slack: LocalSlackLike | undefined;
    const slackSecrets = slackSecretVariables(template);
    if (slackSecrets.length > 0) {
      const startedSecretsManager = await serve('secretsManager', ports.secretsManager, (port) =>
        startLocalSecretsManager({
          host,
          port,
          region: LOCAL_REGION,
          accountId: LOCAL_ACCOUNT,
          log: (line) => log('secrets-manager', line),
        }),
      );
      secretsManager = startedSecretsManager;
      const hasActionsRoute = apiModel.routes.some(
        (route) => route.httpMethod === SLACK_ACTIONS_ROUTE.httpMethod && route.resourcePath === SLACK_ACTIONS_ROUTE.resourcePath,
      );
      const requestUrl = hasActionsRoute ? `${api.url}${SLACK_ACTIONS_ROUTE.resourcePath}` : undefined;
      {
        const startSlack = options.startSlack ?? startLocalSlack;
        const startedSlack = await serve('slack', portUnlessNamed('slack'), (port) =>
          startSlack({ host, port, requestUrl, log: (line) => log('slack', line) }),
        );
        slack = startedSlack;
        if (requestUrl !== undefined) startedSlack.setRequestUrl(requestUrl);
        // Each function's value, resolved as the function will see it: one secret for each distinct name.
        const names = new Set(
          slackSecrets.map(([functionId, value]) => {
            const resolved = workerEnvironment(template, { [SLACK_SECRET_ID_ENV]: value }, { activityArn, apiUrl: api.url });
            const arn = resolved[SLACK_SECRET_ID_ENV] ?? '';
            if (arn === '') throw new LocalStackError(`The function ${functionId} has an empty ${SLACK_SECRET_ID_ENV}.`);
            return secretNameOf(arn);
          }),
        );
        for (const name of names) startedSecretsManager.putSecret(name, slackSecretString(startedSlack));
        log('stack', `seeded the Slack secret ${[...names].join(', ')} with the local Slack's bot token and signing secret`);
      }
    }
    // DynamoDB: only for a template with tables the runner does not play itself.
    const tables = servedTables(template, stackName);
    let dynamodb: LocalDynamoDb | undefined;
    if (tables.length > 0) {
      const startedDynamoDb = await serve('dynamodb', portUnlessNamed('dynamodb'), (port) =>
        startLocalDynamoDb({ host, port, region: LOCAL_REGION, accountId: LOCAL_ACCOUNT, log: (line) => log('dynamodb', line) }),
      );
      dynamodb = startedDynamoDb;
      for (const table of tables) {
        startedDynamoDb.createTable(table.name, {
          partitionKey: table.partitionKey,
          partitionKeyType: table.partitionKeyType,
          ...(table.sortKey === undefined ? {} : { sortKey: table.sortKey, sortKeyType: table.sortKeyType }),
        });
      }
      log('stack', `created the tables ${tables.map((table) => table.name).join(', ')}`);
    }
    const slackEndpoints = {
      secretsManagerUrl: secretsManager?.url,
      slackApiUrl: slack?.apiUrl,
      dynamodbUrl: dynamodb?.url,
      tableNames: Object.fromEntries(tables.map((table) => [table.logicalId, table.name])),
    };

    const lambda: LocalLambda = await serve('lambda', ports.lambda, (port) =>
      startLocalLambda({ host, port, region: LOCAL_REGION, accountId: LOCAL_ACCOUNT, log: (line) => log('lambda', line) }),
    );

    const worker = createWorker(
      synthesized,
      { activityArn, apiUrl: api.url, stepFunctionsUrl: stepFunctions.url, sesUrl: ses.url, lambdaUrl: lambda.url, ...slackEndpoints },
      (line) => log('worker', line),
      {
        timeoutSeconds: options.workerTimeoutSeconds,
        coldStartMs: options.latency?.coldStartMs,
        warmIdleMs: options.latency?.warmIdleMs,
      },
    );
    cleanups.push(() => worker.close());
    // Only the worker is given the Lambda endpoint (AWS_ENDPOINT_URL_LAMBDA): an asynchronous invoke
    // that reaches it is the worker starting a run of itself.
    const selfInvoked = {
      invokeAsync: (event: unknown) => worker.invokeAsync(event, { fromItself: true }),
      invokeSync: (event: unknown) => worker.invokeSync(event),
    };
    lambda.registerFunction(functionName, selfInvoked);
    // The worker's context names it by its logical id (the local runs' workerName), so a run that
    // invokes itself by context.functionName or invokedFunctionArn names it that way.
    lambda.registerFunction(functionId, selfInvoked);
    stepFunctions.engine.registerLambdaFunction(functionArn, async (payload, invocationType) => {
      // The WakeWorker state's fire-and-forget invoke starts the worker, as Lambda would.
      if (invocationType === 'Event') {
        worker.invokeAsync(payload);
        return null;
      }
      // The CheckRequest state's synchronous invoke runs the handler now and answers with its result.
      try {
        return (await worker.invokeSync(payload)) as JsonValue;
      } catch (error) {
        if (!(error instanceof WorkerInvokeError)) throw error;
        const { failure } = error;
        // A runtime that exited answers with an error type too (Runtime.ExitError): the Task state fails with it.
        if (failure.kind === 'handled' || failure.kind === 'runtime exit') throw lambdaFunctionError(failure.error);
        throw failure.kind === 'throttled' ? lambdaThrottledError() : lambdaUnknownError(failure.reason);
      }
    });
    await worker.start().catch((error: Error) => {
      throw new LocalStackError(`${error.message} (function ${functionId}, code in ${worker.codeDir})`);
    });

    // The functions behind the API's Lambda proxy integrations and the event rules, each in a
    // process of its own, started by its first invocation, as Lambda cold-starts a function: a
    // stack with such functions (every local Slack deployment) costs no process until one runs.
    const functions: Record<string, LocalFunction> = {};
    const templateFunction = (id: string): LocalFunction => {
      const created = createProxyFunction(
        synthesized,
        id,
        { activityArn, apiUrl: api.url, stepFunctionsUrl: stepFunctions.url, sesUrl: ses.url, ...slackEndpoints },
        (line) => log('function', line),
      );
      cleanups.push(() => created.close());
      if (!fs.existsSync(created.codeDir)) {
        throw new LocalStackError(`The code of the function ${id} is missing: ${created.codeDir} does not exist.`);
      }
      functions[id] = created;
      return created;
    };
    for (const proxyFunctionId of proxyFunctionIds(apiModel)) {
      if (proxyFunctionId === functionId) {
        proxyTargets.set(proxyFunctionId, worker);
        continue;
      }
      proxyTargets.set(proxyFunctionId, templateFunction(proxyFunctionId));
    }

    const {
      approvalStateMachineArn: stateMachineArn,
      stateMachines,
      physical,
    } = await createStateMachines(synthesized, stepFunctions.url, {
      [activityId]: activityArn,
      [`${activityId}.Name`]: activityName(stackName, activityId, activity),
      [functionId]: functionName,
      [`${functionId}.Arn`]: functionArn,
    });
    log('stack', `deployed state machines ${Object.keys(stateMachines).join(', ')} and the activity`);

    // EventBridge: only for a template with rules that match events, whose targets are its functions.
    const { served: rules, skipped: skippedRules } = eventRules(template);
    for (const { logicalId, reason } of skippedRules) log('stack', `not serving the event rule ${logicalId}: ${reason}`);
    let events: LocalEvents | undefined;
    if (rules.length > 0) {
      const startedEvents = await serve('events', portUnlessNamed('events'), (port) =>
        startLocalEvents({ host, port, region: LOCAL_REGION, accountId: LOCAL_ACCOUNT, log: (line) => log('events', line) }),
      );
      events = startedEvents;
      for (const rule of rules) {
        if (rule.eventBusName !== 'default') startedEvents.createEventBus(rule.eventBusName);
        startedEvents.putRule({
          name: rule.logicalId,
          eventBusName: rule.eventBusName,
          eventPattern: resolveIntrinsics(rule.eventPattern, { ...physical, [activityId]: activityArn }),
          targets: rule.targets.map((target) => {
            const targetFunction = functions[target.functionId] ?? templateFunction(target.functionId);
            // Lambda runs an event rule's target asynchronously: the event is handed over, the
            // result only logged (the events page and /store show a failed delivery).
            return { id: target.id, deliver: async (event) => void (await targetFunction.invokeSync(event)) };
          }),
        });
      }
      // Step Functions sends each standard execution's status changes to the default bus
      // (local/events/step-functions-events.ts); here, each end of an execution.
      stepFunctions.engine.on('executionClosed', ({ executionArn }) => {
        const execution = stepFunctions.engine.describeExecution({ executionArn });
        const { stateMachineArn: machineArn, name, status, startDate } = execution;
        if (machineArn === undefined || name === undefined || status === undefined || startDate === undefined) return;
        startedEvents.publish(
          executionStatusChangeEvent({
            executionArn,
            stateMachineArn: machineArn,
            name,
            status: status as Parameters<typeof executionStatusChangeEvent>[0]['status'],
            startDate,
            ...(execution.stopDate === undefined ? {} : { stopDate: execution.stopDate }),
            ...(execution.input === undefined ? {} : { input: execution.input }),
            ...(execution.output === undefined ? {} : { output: execution.output }),
            ...(execution.error === undefined ? {} : { error: execution.error }),
            ...(execution.cause === undefined ? {} : { cause: execution.cause }),
          }),
        );
      });
      log('stack', `serving the event rules ${rules.map((rule) => rule.logicalId).join(', ')}`);
    }

    return {
      stackName,
      apiUrl: api.url,
      sesUrl: ses.url,
      stepFunctionsUrl: stepFunctions.url,
      lambdaUrl: lambda.url,
      secretsManagerUrl: secretsManager?.url,
      secretsManager,
      slackUrl: slack?.url,
      slack,
      dynamodbUrl: dynamodb?.url,
      dynamodb,
      eventsUrl: events?.url,
      events,
      functions,
      stateMachineArn,
      stateMachines,
      activityArn,
      workerFunctionArn: functionArn,
      worker,
      stepFunctions,
      ses,
      lambda,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
