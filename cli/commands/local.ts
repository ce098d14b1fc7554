import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  DEFAULT_LOCAL_HOST,
  DEFAULT_LOCAL_PORTS,
  DEFAULT_LOCAL_SLACK_SIGNING_SECRET,
  LOCAL_HOST_ENV,
  LOCAL_PORT_ENV,
  LOCAL_SLACK_SIGNING_SECRET_ENV,
  type LocalService,
  type LocalComponent,
  localPort,
  LocalPortError,
  type LocalStack,
  LocalStackError,
  loadLocalStack,
  startLocalStack,
  stopProcessOnRequest,
} from 'stepfunctions-human-approval-local';
import { parseCommandLine } from '../arguments';
import { findCdkApp, parseContextPairs, type RunningApp, runCdkApp } from '../cdk-app';
import { UsageError } from '../cli-errors';
import type { Command } from './command';

/** One line of the Environment section of the help: the variable, then what it sets. */
const envLine = (variable: string, text: string): string => `  ${variable.padEnd(37)}${text}`;

const usage = `Usage: approval local [--app COMMAND | --assembly DIR] [--stack NAME] [-c NAME=VALUE ...] [-q]

Runs a CDK app's approval flow on this machine, with no AWS account: synthesizes the app (as
\`cdk synth\` does) into a temporary folder, then serves its stack: Step Functions with every state
machine of the stack, SES v2 with an inbox page, the approval API (the template's routes and VTL
templates) and the worker Lambda's code from the cloud assembly. Ctrl-C stops it.

Options:
  --app COMMAND             the command that runs the CDK app (default: "app" of ./cdk.json),
                            e.g. --app "node app.js"
  --assembly DIR            serve this cloud assembly as it is (e.g. cdk.out after \`cdk synth\`)
                            instead of running the app; -c does not apply then
  --stack NAME              the stack to serve when the app has several (default: the one with
                            a Step Functions activity)
  -c, --context NAME=VALUE  CDK context on top of ./cdk.json and ./cdk.context.json (repeatable),
                            e.g. -c reminderIntervalSeconds=60
  -q, --quiet               print only the URLs and errors, not the activity of each component
  -h, --help                show this help

Environment:
${envLine(LOCAL_PORT_ENV.api, `approval API port       (default ${DEFAULT_LOCAL_PORTS.api})`)}
${envLine(LOCAL_PORT_ENV.ses, `SES and inbox port      (default ${DEFAULT_LOCAL_PORTS.ses})`)}
${envLine(LOCAL_PORT_ENV.stepFunctions, `Step Functions port     (default ${DEFAULT_LOCAL_PORTS.stepFunctions})`)}
${envLine(LOCAL_PORT_ENV.lambda, `Lambda Invoke port      (default 0: any free port)`)}
${envLine(LOCAL_PORT_ENV.slack, `Slack stand-in port     (default ${DEFAULT_LOCAL_PORTS.slack}; only for an app with slackSecretName)`)}
${envLine(LOCAL_PORT_ENV.secretsManager, `Secrets Manager port    (default 0: any free port)`)}
${envLine(LOCAL_PORT_ENV.events, `EventBridge port        (default ${DEFAULT_LOCAL_PORTS.events}; only for an app with event rules)`)}
${envLine(LOCAL_PORT_ENV.dynamodb, `DynamoDB port           (default ${DEFAULT_LOCAL_PORTS.dynamodb}; only for an app with tables to serve)`)}
${envLine(LOCAL_SLACK_SIGNING_SECRET_ENV, `the Slack stand-in's signing secret (default ${DEFAULT_LOCAL_SLACK_SIGNING_SECRET})`)}
${envLine(LOCAL_HOST_ENV, `loopback address to listen on (default ${DEFAULT_LOCAL_HOST})`)}`;

/** Where the app is synthesized: a folder of its own in the temp folder, removed on exit. */
const ASSEMBLY_PREFIX = 'approval-local-';

function loopbackHost(env: Readonly<Record<string, string | undefined>>): string {
  // Not localHost() of the emulator: an empty APPROVAL_LOCAL_HOST is refused here, not taken as unset.
  const host = env[LOCAL_HOST_ENV] ?? DEFAULT_LOCAL_HOST;
  if (!/^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|::1)$/.test(host)) {
    throw new UsageError(`${LOCAL_HOST_ENV}=${host} is not a loopback address; the local mode listens on this machine only.`, 'local');
  }
  return host;
}

function ports(env: Readonly<Record<string, string | undefined>>): Record<LocalService, number> {
  try {
    // Every service the emulator names, so that one it adds is read here too.
    const services = Object.keys(LOCAL_PORT_ENV) as LocalService[];
    return Object.fromEntries(services.map((service) => [service, localPort(env, service)])) as Record<LocalService, number>;
  } catch (error) {
    if (error instanceof LocalPortError) throw new UsageError(error.message, 'local');
    throw error;
  }
}

/** Lambda context fields that every worker log line carries; they add nothing on a terminal. */
const QUIET_LOG_KEYS = new Set(['timestamp', 'service', 'sampling_rate', 'xray_trace_id', 'cold_start']);

/** The worker logs structured JSON; one readable line per entry is enough on a terminal. */
export function readableWorkerLine(line: string): string {
  try {
    const { level, message, ...rest } = JSON.parse(line) as Record<string, unknown>;
    const details = Object.entries(rest)
      .filter(([key]) => !QUIET_LOG_KEYS.has(key) && !key.startsWith('function_'))
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    return `${(typeof level === 'string' ? level : 'INFO').toLowerCase()}: ${typeof message === 'string' ? message : JSON.stringify(message)}${details ? `  ${details}` : ''}`;
  } catch {
    return line;
  }
}

/** What the person who started the stack reads once it is up: where everything is, and what to do next. */
function readyBanner(stack: LocalStack, seconds: string, defaultStackName: string): string {
  const others = Object.entries(stack.stateMachines).filter(([, arn]) => arn !== stack.stateMachineArn);
  const stackFlag = stack.stackName === defaultStackName ? '' : ` --stack-name ${stack.stackName}`;
  const hasReleaseExample = others.some(([name]) => name.startsWith('ReleaseWorkflow'));
  return `
Stack ${stack.stackName} is running locally (no AWS account needed). Ready in ${seconds} s.

  Inbox (emails sent)        ${stack.sesUrl}
${stack.slackUrl === undefined ? '' : `  Slack (direct messages)    ${stack.slackUrl}\n`}  Approval API (the links)   ${stack.apiUrl}
  Step Functions endpoint    ${stack.stepFunctionsUrl}
${stack.eventsUrl === undefined ? '' : `  EventBridge (events)       ${stack.eventsUrl}\n`}${
    stack.dynamodbUrl === undefined ? '' : `  DynamoDB (tables)          ${stack.dynamodbUrl}\n`
  }  State machine (approval)   ${stack.stateMachineArn}
${others.map(([name, arn]) => `  ${name.padEnd(26)} ${arn}\n`).join('')}
Next, in another terminal:
  npx approval start --local${stackFlag} --wait --approver ana@example.com --approver ben@example.com --subject "Deploy release 42"
then open ${stack.sesUrl} and click Approve or Reject in each email${
    stack.slackUrl === undefined ? '' : `; add --via slack to ask in Slack instead, and click in ${stack.slackUrl} (acting as the approver)`
  }; or, as the original sample:
  npx approval start --local${stackFlag} --manager-email you@example.com --employee-name Jim
  npx approval status --local${stackFlag} <executionArn>
${
  hasReleaseExample
    ? `The example release workflow asks two approvers through the approval state machine:
  npm run example:release -- --release 42 --approver ana@example.com --approver ben@example.com
`
    : ''
}${
    others.length > 0
      ? `Start the other state machines with any Step Functions client pointed at the endpoint, e.g.
  aws stepfunctions start-execution --endpoint-url ${stack.stepFunctionsUrl} --state-machine-arn <arn> --input '{...}'
`
      : ''
  }
Press Ctrl-C to stop.`;
}

export const localCommand: Command = {
  name: 'local',
  summary: "run a CDK app's approval flow on this machine",
  usage,
  async run(args, deps) {
    const { values } = parseCommandLine('local', () =>
      parseArgs({
        args: [...args],
        options: {
          app: { type: 'string' },
          assembly: { type: 'string' },
          stack: { type: 'string' },
          context: { type: 'string', short: 'c', multiple: true, default: [] },
          quiet: { type: 'boolean', short: 'q', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
        strict: true,
      }),
    );
    if (values.help) {
      deps.output.stdout(usage);
      return;
    }
    const started = Date.now();
    loadLocalStack();
    const cwd = process.cwd();
    const given = values.assembly === undefined ? undefined : path.resolve(cwd, values.assembly);
    if (given !== undefined && (values.context ?? []).length > 0) {
      throw new UsageError(
        '-c sets context for a synthesis; --assembly serves one already made. Synthesize it with that context instead.',
        'local',
      );
    }
    if (given !== undefined && !fs.existsSync(path.join(given, 'manifest.json'))) {
      throw new UsageError(
        `--assembly ${values.assembly} is not a cloud assembly: it has no manifest.json (run \`cdk synth\` first).`,
        'local',
      );
    }
    // An assembly given is served as it is: no app runs, whatever --app or cdk.json say.
    const app = given === undefined ? findCdkApp(cwd, values.app, parseContextPairs(values.context ?? [], 'local'), 'local') : undefined;
    const host = loopbackHost(deps.env);
    const listenOn = ports(deps.env);
    const print = (component: LocalComponent, line: string): void => {
      if (!values.quiet) deps.output.stdout(`[${component}] ${component === 'worker' ? readableWorkerLine(line) : line}`);
    };

    const assemblyDir = given ?? fs.mkdtempSync(path.join(os.tmpdir(), ASSEMBLY_PREFIX));
    // Only what this command synthesized is removed: an assembly given stays as it was.
    const removeAssembly = (): void => {
      if (given === undefined) fs.rmSync(assemblyDir, { recursive: true, force: true });
    };
    // However this process ends (a second Ctrl-C, a stop past its deadline), the assembly goes with it.
    process.once('exit', removeAssembly);
    // Listening from the start: a stop asked for while the app runs or the stack comes up ends
    // the app, or closes the stack once it is up.
    const run: { app?: RunningApp; stack?: Promise<LocalStack>; stopping?: boolean } = {};
    stopProcessOnRequest({
      stopping: 'stopping the local stack',
      what: 'The local stack',
      stoppedLine: 'Stopped; all ports are free.',
      exitCode: 0,
      stop: async () => {
        run.stopping = true;
        run.app?.kill();
        await (await run.stack?.catch(() => undefined))?.close();
      },
    });
    try {
      if (app !== undefined) {
        print('stack', `synthesizing the CDK app: ${app.command}`);
        run.app = runCdkApp(app, assemblyDir, { cwd, env: { ...process.env, ...deps.env } });
        await run.app.done;
      }
      run.stack = startLocalStack({ assemblyDir, stackName: values.stack, host, ports: listenOn, log: print }).catch((error: unknown) => {
        throw error instanceof LocalStackError ? new UsageError(error.message, 'local') : error;
      });
      const stack = await run.stack;
      if (run.stopping) return;
      deps.output.stdout(readyBanner(stack, ((Date.now() - started) / 1000).toFixed(1), deps.defaultStackName));
    } catch (error) {
      removeAssembly();
      process.off('exit', removeAssembly);
      // A stop cut the start short (the app killed, say): the stop says what happened and ends the process.
      if (run.stopping) return;
      throw error;
    }
  },
};
