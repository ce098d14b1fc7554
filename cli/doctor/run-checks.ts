import type { CloudFormationClient, CloudFormationClientConfig } from '@aws-sdk/client-cloudformation';
import { STACK_OUTPUTS } from '../../infra/stack-outputs';
import { checkBootstrap, checkCredentials, checkRegion, resolveRegion } from './account-checks';
import { result, settle, skipped, type CheckId, type CheckResult } from './check-result';
import type { DoctorClientFactories } from './clients';
import { checkApiGatewayLoggingRole, checkLambdaConcurrency } from './platform-checks';
import type { DoctorReport } from './report';
import { checkSenderIdentity, checkSesAccount } from './ses-checks';
import {
  DEFAULT_BOOTSTRAP_QUALIFIER,
  defaultApprovalConfig,
  loadDoctorSettings,
  type DoctorSettings,
  type LoadedSettings,
} from './settings';
import { checkSlack } from './slack-checks';
import { checkDeployedStack, checkWorkerHealth, lookUpStack, type DeployedStack, type StackLookup } from './stack-checks';

export interface DoctorDependencies extends DoctorClientFactories {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly createCloudFormationClient: (config: CloudFormationClientConfig) => CloudFormationClient;
}

export interface DoctorRequest {
  readonly region: string | undefined;
  readonly stackName: string;
  /** cdk context on top of cdk.json: `-c name=value`, and `senderEmail` from --sender-email. */
  readonly contextOverrides: Readonly<Record<string, unknown>>;
  readonly now: Date;
}

// STS answers in every commercial region; without a configured one the credentials can still be tried.
const FALLBACK_STS_REGION = 'us-east-1';

const ACCOUNT_CHECKS: readonly CheckId[] = [
  'cdk-bootstrap',
  'sender-identity',
  'ses-account',
  'lambda-concurrency',
  'api-gateway-logging-role',
  'deployed-stack',
  'worker-health',
  'slack',
];

function checkSettings(loaded: LoadedSettings): CheckResult {
  if (!loaded.ok)
    return result('settings', { status: 'problem', summary: loaded.message, fix: 'correct the value in cdk.json, or in the -c option.' });
  const { config } = loaded.settings;
  return result('settings', {
    status: 'ok',
    summary:
      `senderEmail ${config.senderEmail ?? '(none)'}, maxSendRate ${config.maxSendRate}, workerMaxConcurrency ${config.workerMaxConcurrency}, ` +
      `workerReservedConcurrency ${config.workerReservedConcurrency}, createApiGatewayAccountRole ${config.createApiGatewayAccountRole}` +
      (config.sesConfigurationSet === undefined ? '' : `, sesConfigurationSet ${config.sesConfigurationSet}`),
  });
}

/** Only a deployed stack has a worker to look at. */
function workerHealth(
  lookup: StackLookup,
  run: (functionName: string, stack: DeployedStack) => Promise<CheckResult>,
): Promise<CheckResult> {
  if (lookup.kind === 'absent') return Promise.resolve(skipped('worker-health', 'the stack is not deployed yet'));
  if (lookup.kind === 'failed') return Promise.resolve(skipped('worker-health', 'the stack could not be read (see deployed stack)'));
  const functionName = lookup.stack.outputs[STACK_OUTPUTS.workerFunctionName];
  if (functionName === undefined)
    return Promise.resolve(skipped('worker-health', `the stack has no ${STACK_OUTPUTS.workerFunctionName} output`));
  return settle('worker-health', () => run(functionName, lookup.stack));
}

/** Every check, in order. Only read calls; a failing one becomes its own result, never the end of the run. */
export async function runDoctorChecks(request: DoctorRequest, deps: DoctorDependencies): Promise<DoctorReport> {
  const loaded = loadDoctorSettings(request.contextOverrides);
  const resolved = await resolveRegion(request.region, deps.env, () => deps.createStsClient({}).config.region());
  const region = resolved?.region;
  const credentials = await checkCredentials(deps.createStsClient({ region: region ?? FALLBACK_STS_REGION }));
  const settings = loaded.ok ? loaded.settings : undefined;
  const base = [credentials.result, checkRegion(resolved), checkSettings(loaded)];
  const report = (checks: readonly CheckResult[]): DoctorReport => ({
    account: credentials.account,
    region,
    stackName: request.stackName,
    checks: [...base, ...checks],
  });

  if (credentials.account === undefined) {
    return report(ACCOUNT_CHECKS.map((id) => skipped(id, 'needs working credentials (see credentials)')));
  }
  if (region === undefined) return report(ACCOUNT_CHECKS.map((id) => skipped(id, 'needs a region (see region)')));
  const account = credentials.account;

  const clientConfig = { region };
  const ses = deps.createSesV2Client(clientConfig);
  const lookup = await lookUpStack(deps.createCloudFormationClient(clientConfig), request.stackName);
  const withSettings = (id: CheckId, check: (settings: DoctorSettings) => Promise<CheckResult>): Promise<CheckResult> =>
    settings === undefined ? Promise.resolve(skipped(id, 'needs valid settings (see settings)')) : settle(id, () => check(settings));
  const workerFunctionName = lookup.kind === 'found' ? lookup.stack.outputs[STACK_OUTPUTS.workerFunctionName] : undefined;

  const checks = await Promise.all([
    settle('cdk-bootstrap', () =>
      checkBootstrap(deps.createSsmClient(clientConfig), settings?.bootstrapQualifier ?? DEFAULT_BOOTSTRAP_QUALIFIER, account, region),
    ),
    withSettings('sender-identity', ({ config }) => checkSenderIdentity(ses, config.senderEmail, region)),
    withSettings('ses-account', ({ config }) => checkSesAccount(ses, config.maxSendRate, config.sesConfigurationSet, region)),
    withSettings('lambda-concurrency', ({ config }) =>
      checkLambdaConcurrency(deps.createLambdaClient(clientConfig), config, workerFunctionName),
    ),
    withSettings('api-gateway-logging-role', ({ config }) =>
      checkApiGatewayLoggingRole(deps.createApiGatewayClient(clientConfig), config.createApiGatewayAccountRole, request.stackName),
    ),
    Promise.resolve(checkDeployedStack(lookup, request.stackName, region)),
    workerHealth(lookup, (functionName, stack) =>
      checkWorkerHealth(deps.createCloudWatchClient(clientConfig), functionName, {
        stack,
        now: request.now,
        // Invalid settings are reported above; the errors are worth showing anyway, with the default schedule.
        scheduleMinutes: (settings?.config ?? defaultApprovalConfig()).workerScheduleMinutes,
      }),
    ),
    withSettings('slack', ({ config }) =>
      checkSlack(config.slackSecretName, deps.createSecretsManagerClient(clientConfig), deps.slackAuthTest, region),
    ),
  ]);
  return report(checks);
}
