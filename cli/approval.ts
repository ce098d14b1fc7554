import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { configuredStackName, DEFAULT_STACK_NAME } from '../infra/stack-name';
import { CliError, UsageError } from './cli-errors';
import type { Command, CommandDependencies } from './commands/command';
import { doctorCommand } from './commands/doctor';
import { listCommand } from './commands/list';
import { localCommand } from './commands/local';
import { startCommand } from './commands/start';
import { slackManifestCommand } from './commands/slack-manifest';
import { statusCommand } from './commands/status';
import { waitCommand } from './commands/wait';
import { httpSlackAuthTest } from './doctor/slack-checks';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes';
import { printable, printableLines } from './format-values';
import { type CliOutput, processOutput } from './output';
import { processWaitDependencies } from './wait-for-outcome';

export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes';

const COMMANDS: readonly Command[] = [
  startCommand,
  waitCommand,
  statusCommand,
  listCommand,
  doctorCommand,
  localCommand,
  slackManifestCommand,
];

const NAME_WIDTH = Math.max(...COMMANDS.map((command) => command.name.length)) + 2;

const usage = `Usage: approval <command> [options]

Starts and follows human-approval requests of the ${DEFAULT_STACK_NAME} stack, checks an AWS account
before and after a deploy (doctor), and runs a CDK app's approval flow on this machine (local).

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(NAME_WIDTH)}${command.summary}`).join('\n')}
  ${'help'.padEnd(NAME_WIDTH)}show the help of a command: approval help start

Targets:
  (default)  the deployed stack, found through its CloudFormation outputs (\`npx cdk deploy\`)
  --local    the local stack started by \`approval local\` (\`npm start\` here; not for doctor)

Every command takes --json for machine-readable output and --help.
Exit codes: 0 done (for wait and start --wait: approved), 1 failed (stack not running or not
found, AWS error, a doctor problem; for wait: any end but approved, rejected or expired),
2 bad arguments, 3 rejected and 4 expired (wait and start --wait), 130 Ctrl-C while waiting.

Example, a CI gate:
  approval start --wait --approver ana@example.com --approver ben@example.com --policy all --subject "Deploy release 42" && ./deploy.sh`;

export function defaultDependencies(): CommandDependencies {
  return {
    output: processOutput,
    waiting: processWaitDependencies,
    stdin: process.stdin,
    env: process.env,
    createSfnClient: (config) => new SFNClient(config),
    createCloudFormationClient: (config) => new CloudFormationClient(config),
    createDynamoDbClient: (config) => new DynamoDBClient(config),
    createStsClient: (config) => new STSClient(config),
    createSsmClient: (config) => new SSMClient(config),
    createSesV2Client: (config) => new SESv2Client(config),
    createLambdaClient: (config) => new LambdaClient(config),
    createApiGatewayClient: (config) => new APIGatewayClient(config),
    createCloudWatchClient: (config) => new CloudWatchClient(config),
    createSecretsManagerClient: (config) => new SecretsManagerClient(config),
    slackAuthTest: httpSlackAuthTest(process.env.SLACK_API_URL),
    defaultStackName: configuredStackName(),
  };
}

function findCommand(name: string): Command {
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) throw new UsageError(`Unknown command "${printable(name)}". The commands are ${COMMANDS.map((c) => c.name).join(', ')}.`);
  return command;
}

function dispatch(argv: readonly string[], deps: CommandDependencies): Promise<number | void> | void {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h') {
    deps.output.stdout(usage);
    return;
  }
  if (first === 'help') {
    if (rest.length > 1) throw new UsageError('help takes at most one command name.');
    deps.output.stdout(rest[0] === undefined ? usage : findCommand(rest[0]).usage);
    return;
  }
  if (first === undefined) throw new UsageError(`Missing command: approval ${COMMANDS.map((c) => c.name).join(' | ')}.`);
  if (first.startsWith('-')) throw new UsageError(`Put the command first: approval <command> ${printable(first)} ...`);
  return findCommand(first).run(rest, deps);
}

function debugDetails(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const cause = error.cause instanceof Error ? `\nCaused by: ${error.cause.stack ?? String(error.cause)}` : '';
  return `${error.stack ?? String(error)}${cause}`;
}

/**
 * The last guard of what the CLI writes: every line comes out with its control characters and
 * bidirectional controls escaped, whichever path built it. Text already made printable (or JSON
 * from formatJson) passes unchanged.
 */
function guardedOutput(output: CliOutput): CliOutput {
  return {
    stdout: (text) => output.stdout(printableLines(text)),
    stderr: (text) => output.stderr(printableLines(text)),
  };
}

/** Runs one command line and returns the exit code; never exits the process, so tests can call it. */
export async function runApprovalCli(argv: readonly string[], given: CommandDependencies = defaultDependencies()): Promise<number> {
  const deps = { ...given, output: guardedOutput(given.output) };
  const debug = deps.env.APPROVAL_DEBUG === '1';
  try {
    return (await dispatch(argv, deps)) ?? EXIT_OK;
  } catch (error) {
    if (error instanceof UsageError) {
      deps.output.stderr(error.message);
      deps.output.stderr(`Run \`approval ${error.command ? `${error.command} ` : ''}--help\` for usage.`);
      return EXIT_USAGE;
    }
    const known = error instanceof CliError;
    deps.output.stderr(known ? error.message : `Unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    if (debug) {
      const details = debugDetails(error);
      if (details) deps.output.stderr(details);
    } else if (!known) {
      deps.output.stderr('Set APPROVAL_DEBUG=1 to see the stack trace.');
    }
    return EXIT_FAILURE;
  }
}

/** The process entry: sets the exit code and lets Node finish writing stdout before it exits. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  // `approval list | head` closes the pipe early; that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  process.exitCode = await runApprovalCli(argv);
}

if (require.main === module) void main();
