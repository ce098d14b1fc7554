import { parseArgs } from 'node:util';
import { UsageError } from '../cli/cli-errors';
import { ApprovalConfigError } from '../infra/approval-config';
import { DEFAULT_LOCAL_HOST, DEFAULT_LOCAL_PORTS, LOCAL_HOST_ENV, LOCAL_PORT_ENV, localPort, LocalPortError } from './ports';
import { LocalStackError } from './stack/errors';
import { type LocalComponent, type LocalStack, startLocalStack } from './stack/local-stack';
import { onStopRequest } from './stop-requests';

/** One line of the Environment section of the help: the variable, then what it sets. */
const envLine = (variable: string, text: string): string => `  ${variable.padEnd(26)}${text}`;

const HELP = `Usage: npm start [-- [options]]

Runs the whole human-approval flow on this machine, with no AWS account: a Step Functions
endpoint with the state machine and activity from the synthesized CDK app, SES v2 with an inbox
page, the approval API (same routes and VTL templates as the deployed stack) and the real worker.

Options:
  -c, --context NAME=VALUE  CDK context on top of cdk.json (repeatable), e.g. -c reminderIntervalSeconds=60
  -q, --quiet               Print only the URLs and errors, not the activity of each component
  -h, --help                Show this help

Environment:
${envLine(LOCAL_PORT_ENV.api, `approval API port       (default ${DEFAULT_LOCAL_PORTS.api})`)}
${envLine(LOCAL_PORT_ENV.ses, `SES and inbox port      (default ${DEFAULT_LOCAL_PORTS.ses})`)}
${envLine(LOCAL_PORT_ENV.stepFunctions, `Step Functions port     (default ${DEFAULT_LOCAL_PORTS.stepFunctions})`)}
${envLine(LOCAL_PORT_ENV.lambda, `Lambda Invoke port      (default 0: any free port)`)}
${envLine(LOCAL_HOST_ENV, `loopback address to listen on (default ${DEFAULT_LOCAL_HOST})`)}
`;

function loopbackHost(): string {
  // Not localHost() from ports.ts: an empty APPROVAL_LOCAL_HOST is refused here, not taken as unset.
  const host = process.env[LOCAL_HOST_ENV] ?? DEFAULT_LOCAL_HOST;
  if (!/^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|::1)$/.test(host)) {
    throw new UsageError(`${LOCAL_HOST_ENV}=${host} is not a loopback address; the local mode listens on this machine only.`);
  }
  return host;
}

function parseContext(values: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    values.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new UsageError(`--context takes NAME=VALUE, not ${JSON.stringify(pair)}.`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/** Past this, a stop that is still waiting (on a stuck worker, say) ends the process instead. */
const STOP_DEADLINE_MS = 5_000;

/** One line for the person who started the stack. */
function say(line: string, stream: NodeJS.WriteStream = process.stdout): void {
  stream.write(`${line}\n`);
}

/** Lambda context fields that every worker log line carries; they add nothing on a terminal. */
const QUIET_LOG_KEYS = new Set(['timestamp', 'service', 'sampling_rate', 'xray_trace_id', 'cold_start']);

/** The worker logs structured JSON; one readable line per entry is enough on a terminal. */
function readableWorkerLine(line: string): string {
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

async function main(): Promise<void> {
  // Closing the terminal stops the stack (SIGHUP); what is written meanwhile has nowhere to go.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  // The SDK's notice about Node 22 concerns its future releases, not this run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { values } = parseArgs({
    options: {
      context: { type: 'string', short: 'c', multiple: true, default: [] },
      quiet: { type: 'boolean', short: 'q', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const started = Date.now();
  const print = (component: LocalComponent, line: string): void => {
    if (values.quiet) return;
    process.stdout.write(`[${component}] ${component === 'worker' ? readableWorkerLine(line) : line}\n`);
  };
  // Listening from the start: a stop asked for while the stack comes up closes it once it is up.
  const run: { stack?: LocalStack; stopping?: boolean } = {};
  onStopRequest((request, repeat) => {
    if (repeat) {
      say('Stopping immediately.');
      process.exit(130);
    }
    run.stopping = true;
    say(`\n${request === 'parent exited' ? 'Parent process exited' : request}: stopping the local stack...`);
    if (run.stack) shutDown(run.stack);
  });
  const stack = await startLocalStack({
    host: loopbackHost(),
    ports: {
      api: localPort(process.env, 'api'),
      ses: localPort(process.env, 'ses'),
      stepFunctions: localPort(process.env, 'stepFunctions'),
      lambda: localPort(process.env, 'lambda'),
    },
    context: parseContext(values.context ?? []),
    log: print,
  });
  run.stack = stack;
  if (run.stopping) {
    shutDown(stack);
    return;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`
Human approval is running locally (no AWS account needed). Ready in ${seconds} s.

  Inbox (emails sent)        ${stack.sesUrl}
  Approval API (the links)   ${stack.apiUrl}
  Step Functions endpoint    ${stack.stepFunctionsUrl}
  State machine              ${stack.stateMachineArn}
${Object.entries(stack.stateMachines)
  .filter(([, arn]) => arn !== stack.stateMachineArn)
  .map(([, arn]) => `  Release workflow (example) ${arn}\n`)
  .join('')}
Next, in another terminal:
  npx approval start --local --wait --approver ana@example.com --approver ben@example.com --subject "Deploy release 42"
then open ${stack.sesUrl} and click Approve or Reject in each email; or, as the original sample:
  npx approval start --local --manager-email you@example.com --employee-name Jim
  npx approval status --local <executionArn>
The example release workflow asks two approvers through the approval state machine:
  npm run example:release -- --release 42 --approver ana@example.com --approver ben@example.com

Press Ctrl-C to stop.
`);
}

/** Stops the stack, then this process; past the deadline, this process stops anyway and its ports go with it. */
function shutDown(stack: LocalStack): void {
  const deadline = setTimeout(() => {
    say(`The local stack did not stop within ${STOP_DEADLINE_MS / 1000} s; stopping immediately.`, process.stderr);
    process.exit(1);
  }, STOP_DEADLINE_MS);
  stack
    .close()
    .then(() => {
      clearTimeout(deadline);
      say('Stopped; all ports are free.');
      process.exit(0);
    })
    .catch((error: Error) => {
      say(`Could not stop cleanly: ${error.message}`, process.stderr);
      process.exit(1);
    });
}

main().catch((error: Error) => {
  const usage = error instanceof UsageError || error instanceof LocalPortError;
  const known =
    usage ||
    error instanceof LocalStackError ||
    error instanceof ApprovalConfigError ||
    (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
  process.stderr.write(`${known ? '' : `${error.name}: `}${error.message}\n`);
  if (usage || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS'))
    process.stderr.write('Run `npm start -- --help` for usage.\n');
  process.exit(known ? 2 : 1);
});
