import { DescribeStacksCommand, type CloudFormationClient, type CloudFormationClientConfig } from '@aws-sdk/client-cloudformation';
import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { ListStateMachinesCommand, type SFNClient, type SFNClientConfig } from '@aws-sdk/client-sfn';
import { STACK_OUTPUTS } from '../infra/stack-outputs';
import { DEFAULT_LOCAL_PORTS, LOCAL_PORT_ENV, localHost, localPort, LocalPortError } from 'stepfunctions-human-approval-local';
import { CliError, UsageError } from './cli-errors';

const STATE_MACHINE_OUTPUT = STACK_OUTPUTS.stateMachineArn;

/** What the commands need from the outside world; tests pass recording factories and a fixed env. */
export interface TargetDependencies {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly createSfnClient: (config: SFNClientConfig) => SFNClient;
  readonly createCloudFormationClient: (config: CloudFormationClientConfig) => CloudFormationClient;
  /** For `status`: the table of where each approver was reached, with a Slack app. */
  readonly createDynamoDbClient: (config: DynamoDBClientConfig) => DynamoDBClient;
  /** The stack name when `--stack-name` is not given. */
  readonly defaultStackName: string;
}

export interface TargetOptions {
  readonly local?: boolean;
  readonly 'stack-name'?: string;
  readonly region?: string;
}

export interface LocalTarget {
  readonly kind: 'local';
  readonly stackName: string;
  /** The Step Functions endpoint. */
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
}

export type Target = LocalTarget | { readonly kind: 'deployed'; readonly stackName: string; readonly region: string | undefined };

const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const REGION = /^[a-z0-9]+(-[a-z0-9]+)+$/;

function localEndpoint(env: TargetDependencies['env']): string {
  const variable = LOCAL_PORT_ENV.stepFunctions;
  let port: number;
  try {
    port = localPort(env, 'stepFunctions');
  } catch (error) {
    if (!(error instanceof LocalPortError)) throw error;
    port = 0;
  }
  // 0 lets `npm start` pick a free port; the CLI needs the port it picked.
  if (port === 0) throw new UsageError(`${variable} must be a port number from 1 to 65535, not "${env[variable]}".`);
  return localUrl(env, port);
}

/** `http://<local host>:<port>`, with an IPv6 host in brackets. */
export function localUrl(env: TargetDependencies['env'], port: number | string): string {
  const host = localHost(env);
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * The local SES stand-in serves its inbox page at its root. Only a hint in the output: the port is
 * taken as it is, so a value the local stack would refuse cannot fail a command that worked.
 */
export function localInboxUrl(env: TargetDependencies['env']): string {
  return `${localUrl(env, env[LOCAL_PORT_ENV.ses] || DEFAULT_LOCAL_PORTS.ses)}/`;
}

export function resolveTarget(options: TargetOptions, deps: TargetDependencies): Target {
  const stackName = options['stack-name'] ?? deps.defaultStackName;
  if (!STACK_NAME.test(stackName)) {
    throw new UsageError(`--stack-name "${stackName}" is not a CloudFormation stack name (a letter, then letters, digits and hyphens).`);
  }
  if (options.region !== undefined && !REGION.test(options.region)) {
    throw new UsageError(`--region "${options.region}" is not an AWS region such as us-east-1.`);
  }
  if (!options.local) return { kind: 'deployed', stackName, region: options.region };

  const { env } = deps;
  // The local stack accepts any credentials; the SDK only needs some to sign with. Never the
  // profile chain here: it may prompt for SSO or reach for instance metadata.
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : { accessKeyId: 'test', secretAccessKey: 'test' };
  return {
    kind: 'local',
    stackName,
    endpoint: localEndpoint(env),
    region: options.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1'),
    credentials,
  };
}

/** "the local stack at http://..." or "stack HumanApproval": for messages. */
export function describeTarget(target: Target): string {
  return target.kind === 'local' ? `the local stack at ${target.endpoint}` : `stack ${target.stackName}`;
}

/** `--local` when the target is local: for the commands a message suggests. */
export function targetFlag(target: Target): string {
  return target.kind === 'local' ? ' --local' : '';
}

/** The region field of an ARN: `arn:partition:service:region:account:...`. */
export function regionOfArn(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}

/** The settings of a client of one of the local stack's endpoints. */
export function localClientConfig(target: LocalTarget, endpoint: string) {
  return {
    endpoint,
    region: target.region,
    credentials: target.credentials,
    // Nothing listening should say so at once, not after the SDK's retries.
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 3_000 },
  };
}

/**
 * A Step Functions client for the target. For the deployed stack `region` is the one in the ARN
 * the call is about, so `status` works without any region configured.
 */
export function sfnClientFor(target: Target, deps: TargetDependencies, region?: string): SFNClient {
  if (target.kind === 'local') return deps.createSfnClient(localClientConfig(target, target.endpoint));
  const clientRegion = region ?? target.region;
  return deps.createSfnClient(clientRegion === undefined ? {} : { region: clientRegion });
}

async function localStateMachineArn(target: LocalTarget, deps: TargetDependencies): Promise<string> {
  const sfn = sfnClientFor(target, deps);
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListStateMachinesCommand({ nextToken }));
    const match = page.stateMachines?.find((machine) => machine.name === target.stackName);
    if (match?.stateMachineArn) return match.stateMachineArn;
    nextToken = page.nextToken;
  } while (nextToken);
  throw new CliError(
    `${describeTarget(target)} has no state machine named ${target.stackName}. ` +
      `Is \`npm start\` running this project, with the same stack name? Pass --stack-name if it uses another.`,
  );
}

async function deployedStateMachineArn(target: Extract<Target, { kind: 'deployed' }>, deps: TargetDependencies): Promise<string> {
  const cloudFormation = deps.createCloudFormationClient(target.region === undefined ? {} : { region: target.region });
  let stack;
  try {
    stack = (await cloudFormation.send(new DescribeStacksCommand({ StackName: target.stackName }))).Stacks?.[0];
  } catch (error) {
    if (
      (error as { name?: unknown }).name === 'ValidationError' &&
      /does not exist/.test(String((error as { message?: unknown }).message))
    ) {
      const region = await cloudFormation.config.region();
      throw new CliError(
        `Stack ${target.stackName} not found in ${region}. Deploy it with \`npx cdk deploy\`, or pass --stack-name (and --region).`,
      );
    }
    throw error;
  }
  const arn = stack?.Outputs?.find((output) => output.OutputKey === STATE_MACHINE_OUTPUT)?.OutputValue;
  if (!arn) {
    const region = await cloudFormation.config.region();
    throw new CliError(
      `Stack ${target.stackName} in ${region} has no ${STATE_MACHINE_OUTPUT} output (stack status ${stack?.StackStatus ?? 'unknown'}). ` +
        "Is it this project's stack, fully deployed? Deploy it with `npx cdk deploy`, or pass --stack-name.",
    );
  }
  return arn;
}

/** The approval state machine of the target: found by name locally, from the stack outputs when deployed. */
export function findStateMachineArn(target: Target, deps: TargetDependencies): Promise<string> {
  return target.kind === 'local' ? localStateMachineArn(target, deps) : deployedStateMachineArn(target, deps);
}
