import { parseArgs } from 'node:util';
import { ApprovalConfigError } from '../infra/approval-config';
import { DEFAULT_PORTS, type LocalComponent, LocalStackError, startLocalStack } from './local-stack';

const HELP = `Usage: npm start [-- [options]]

Runs the whole human-approval flow on this machine, with no AWS account: a Step Functions
endpoint with the state machine and activity from the synthesized CDK app, SES v2 with an inbox
page, the approval API (same routes and VTL templates as the deployed stack) and the real worker.

Options:
  -c, --context NAME=VALUE  CDK context on top of cdk.json (repeatable), e.g. -c reminderIntervalSeconds=60
  -q, --quiet               Print only the URLs and errors, not the activity of each component
  -h, --help                Show this help

Environment:
  APPROVAL_LOCAL_API_PORT   approval API port       (default ${DEFAULT_PORTS.api})
  APPROVAL_LOCAL_SES_PORT   SES and inbox port      (default ${DEFAULT_PORTS.ses})
  APPROVAL_LOCAL_SFN_PORT   Step Functions port     (default ${DEFAULT_PORTS.stepFunctions})
  APPROVAL_LOCAL_HOST       loopback address to listen on (default 127.0.0.1)
`;

class UsageError extends Error {}

function portFrom(variable: string, fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`${variable}=${raw} is not a port number (0 to 65535).`);
  return port;
}

function loopbackHost(): string {
  const host = process.env.APPROVAL_LOCAL_HOST ?? '127.0.0.1';
  if (!/^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|::1)$/.test(host)) {
    throw new UsageError(`APPROVAL_LOCAL_HOST=${host} is not a loopback address; the local mode listens on this machine only.`);
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
    return `${String(level ?? 'INFO').toLowerCase()}: ${String(message)}${details ? `  ${details}` : ''}`;
  } catch {
    return line;
  }
}

async function main(): Promise<void> {
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
  const stack = await startLocalStack({
    host: loopbackHost(),
    ports: {
      api: portFrom('APPROVAL_LOCAL_API_PORT', DEFAULT_PORTS.api),
      ses: portFrom('APPROVAL_LOCAL_SES_PORT', DEFAULT_PORTS.ses),
      stepFunctions: portFrom('APPROVAL_LOCAL_SFN_PORT', DEFAULT_PORTS.stepFunctions),
    },
    context: parseContext(values.context ?? []),
    log: print,
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`
Human approval is running locally (no AWS account needed). Ready in ${seconds} s.

  Inbox (emails sent)        ${stack.sesUrl}
  Approval API (the links)   ${stack.apiUrl}
  Step Functions endpoint    ${stack.stepFunctionsUrl}
  State machine              ${stack.stateMachineArn}

Next, in another terminal:
  npx approval start --local --manager-email you@example.com --employee-name Jim
then open ${stack.sesUrl} and click Approve or Reject, and check the outcome with
  npx approval status --local <executionArn>

Press Ctrl-C to stop.
`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      process.stdout.write('Stopping immediately.\n');
      process.exit(130);
    }
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the local stack...\n`);
    stack
      .close()
      .then(() => {
        process.stdout.write('Stopped; all ports are free.\n');
        process.exit(0);
      })
      .catch((error: Error) => {
        process.stderr.write(`Could not stop cleanly: ${error.message}\n`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: Error) => {
  const known = error instanceof UsageError || error instanceof LocalStackError || error instanceof ApprovalConfigError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
  process.stderr.write(`${known ? '' : `${error.name}: `}${error.message}\n`);
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) process.stderr.write('Run `npm start -- --help` for usage.\n');
  process.exit(known ? 2 : 1);
});
