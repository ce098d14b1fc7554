import { APIGatewayClient, GetAccountCommand as GetApiGatewayAccountCommand } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { GetAccountSettingsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetAccountCommand as GetSesAccountCommand, GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { defaultDependencies, runApprovalCli } from '../../cli/approval';
import type { CommandDependencies } from '../../cli/commands/command';
import { STACK_OUTPUTS } from '../../infra/stack-outputs';

export const mocks = {
  sts: mockClient(STSClient),
  ssm: mockClient(SSMClient),
  ses: mockClient(SESv2Client),
  lambda: mockClient(LambdaClient),
  apiGateway: mockClient(APIGatewayClient),
  cloudFormation: mockClient(CloudFormationClient),
  cloudWatch: mockClient(CloudWatchClient),
  secretsManager: mockClient(SecretsManagerClient),
};

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const CALLER_ARN = `arn:aws:iam::${ACCOUNT}:user/ana`;
export const SENDER = 'approvals@example.com';
export const WORKER = 'HumanApproval-WorkerFunction3F4A2C-AbCdEf123456';
export const WORKER_LOG_GROUP = '/approval/HumanApproval/worker';
export const OWN_API_GATEWAY_ROLE = `arn:aws:iam::${ACCOUNT}:role/HumanApproval-ApprovalApiCloudWatchLogsRole5C1D2E-9XYZ8W7V6U5T`;
export const NOW = new Date();

/**
 * The settings every test starts from, given with -c as a user would, so a change to this
 * repository's cdk.json cannot change what the tests check.
 */
export const BASE_CONTEXT = [
  `senderEmail=${SENDER}`,
  'maxSendRate=10',
  'workerMaxConcurrency=2',
  'workerReservedConcurrency=0',
  'workerScheduleMinutes=60',
  'createApiGatewayAccountRole=true',
  'sesConfigurationSet=',
].flatMap((pair) => ['-c', pair]);

export const DEPLOYED_STACK: Stack = {
  StackName: 'HumanApproval',
  StackStatus: 'UPDATE_COMPLETE',
  CreationTime: new Date(NOW.getTime() - 3 * 24 * 3_600_000),
  Outputs: [
    { OutputKey: STACK_OUTPUTS.approvalApiUrl, OutputValue: `https://abc123.execute-api.${REGION}.amazonaws.com/respond/` },
    { OutputKey: STACK_OUTPUTS.stateMachineArn, OutputValue: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:HumanApproval` },
    { OutputKey: STACK_OUTPUTS.activityArn, OutputValue: `arn:aws:states:${REGION}:${ACCOUNT}:activity:HumanApprovalManualApproval` },
    { OutputKey: STACK_OUTPUTS.workerFunctionName, OutputValue: WORKER },
    { OutputKey: STACK_OUTPUTS.workerLogGroupName, OutputValue: WORKER_LOG_GROUP },
  ],
};

/** An AWS service error as the SDK throws it. */
export function awsError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode } });
}

/** A production account, bootstrapped, verified sender, this project's stack deployed and its worker running. */
export function healthyAccount(): void {
  mocks.sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: CALLER_ARN, UserId: 'AIDAEXAMPLEUSERID' });
  mocks.ssm
    .on(GetParameterCommand, { Name: '/cdk-bootstrap/hnb659fds/version' })
    .resolves({ Parameter: { Name: '/cdk-bootstrap/hnb659fds/version', Value: '30' } });
  mocks.ses
    .on(GetEmailIdentityCommand, { EmailIdentity: SENDER })
    .resolves({ IdentityType: 'EMAIL_ADDRESS', VerifiedForSendingStatus: true, VerificationStatus: 'SUCCESS' });
  mocks.ses.on(GetSesAccountCommand).resolves({
    SendingEnabled: true,
    EnforcementStatus: 'HEALTHY',
    ProductionAccessEnabled: true,
    SendQuota: { MaxSendRate: 14, Max24HourSend: 50_000, SentLast24Hours: 12 },
  });
  mocks.lambda
    .on(GetAccountSettingsCommand)
    .resolves({ AccountLimit: { ConcurrentExecutions: 1_000, UnreservedConcurrentExecutions: 1_000 } });
  mocks.apiGateway.on(GetApiGatewayAccountCommand).resolves({ cloudwatchRoleArn: OWN_API_GATEWAY_ROLE });
  mocks.cloudFormation.on(DescribeStacksCommand, { StackName: 'HumanApproval' }).resolves({ Stacks: [DEPLOYED_STACK] });
  mocks.cloudWatch.on(GetMetricStatisticsCommand, { MetricName: 'Errors' }).resolves({ Datapoints: [] });
  mocks.cloudWatch.on(GetMetricStatisticsCommand, { MetricName: 'Invocations' }).resolves({ Datapoints: [{ Sum: 20 }, { Sum: 4 }] });
}

export function resetMocks(): void {
  for (const mock of Object.values(mocks)) mock.reset();
}

export interface CheckLine {
  readonly id: string;
  readonly status: string;
  readonly summary: string;
  readonly fix?: string;
}

export interface DoctorRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** From a second, --json run of the same command line: what each check found. */
  readonly checks: Readonly<Record<string, CheckLine>>;
  readonly json: { ok: boolean; region: string | null; checks: CheckLine[] };
}

async function runOnce(args: readonly string[], env: Record<string, string | undefined>, deps: Partial<CommandDependencies>) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runApprovalCli(args, {
    ...defaultDependencies(),
    output: { stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text) },
    env,
    defaultStackName: 'HumanApproval',
    ...deps,
  });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

export interface DoctorOptions {
  readonly env?: Record<string, string | undefined>;
  readonly deps?: Partial<CommandDependencies>;
  /** The --region to pass; null for none. */
  readonly region?: string | null;
}

/**
 * `approval doctor --region eu-west-1` with the base settings and `args`, run twice: as a person
 * sees it and as --json, so a test can assert both the text and each check's fields.
 */
export async function doctor(
  args: readonly string[] = [],
  { env = {}, deps = {}, region = REGION }: DoctorOptions = {},
): Promise<DoctorRun> {
  const commandLine = ['doctor', ...(region === null ? [] : ['--region', region]), ...BASE_CONTEXT, ...args];
  const human = await runOnce(commandLine, env, deps);
  const machine = await runOnce([...commandLine, '--json'], env, deps);
  expect(machine.code).toBe(human.code);
  const json = JSON.parse(machine.stdout) as DoctorRun['json'];
  return { ...human, json, checks: Object.fromEntries(json.checks.map((check) => [check.id, check])) };
}

/** Runs the CLI once, for command lines that should not get as far as the checks. */
export function approval(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runOnce(args, {}, {});
}
