import { parseArgs } from 'node:util';
import { DescribeExecutionCommand, ListStateMachinesCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DEFAULT_STACK_NAME } from '../../infra/stack-name';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localHost, localPort, printable, stopProcessOnRequest } from 'stepfunctions-human-approval-local';

const USAGE = `Usage: npm run example:release -- --release ID --approver ADDRESS --approver ADDRESS [--change TEXT] [--requester ADDRESS] [--stack-name NAME]

Starts the example release workflow on the local stack of \`npm start\` (which serves it beside the
approval state machine), then waits: approve or reject in the inbox, and see the release deploy or
stop. Exits 0 when released, 3 when rejected, 4 when expired, 1 otherwise. Ctrl-C, SIGTERM or SIGHUP
stops the wait only (exit code 128 + the signal's number): the release workflow goes on.`;

/** The release workflow's execution outcome, as an exit code (the same as `approval wait`). */
const EXIT_CODES: Readonly<Record<string, number>> = { ReleaseRejected: 3, ReleaseExpired: 4 };

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      release: { type: 'string' },
      change: { type: 'string', default: 'A change tried out locally' },
      approver: { type: 'string', multiple: true },
      requester: { type: 'string', default: 'dev@example.com' },
      'stack-name': { type: 'string', default: DEFAULT_STACK_NAME },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.release || !values.approver?.length) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const sfn = new SFNClient({
    endpoint: `http://${localHost(process.env).includes(':') ? `[${localHost(process.env)}]` : localHost(process.env)}:${localPort(process.env, 'stepFunctions')}`,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  try {
    const machines = (await sfn.send(new ListStateMachinesCommand({}))).stateMachines ?? [];
    const release = machines.find((machine) => machine.name?.startsWith(`${values['stack-name']}-ReleaseWorkflow`));
    if (!release?.stateMachineArn) {
      process.stderr.write('The local stack has no release workflow. Is `npm start` running?\n');
      return 1;
    }
    const input = { release: values.release, change: values.change, approvers: values.approver, requester: values.requester };
    const { executionArn = '' } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: release.stateMachineArn, input: JSON.stringify(input) }),
    );
    // Stopping this wait leaves the release workflow running in the local stack, as `approval wait` does.
    stopProcessOnRequest({
      stopping: 'stopped waiting',
      stop: () => {
        sfn.destroy();
        return Promise.resolve();
      },
      stoppedLine: `The release workflow goes on in the local stack: ${printable(executionArn)}`,
    });
    process.stdout.write(
      `Started release ${printable(values.release)}: ${printable(executionArn)}\nEvery approver has an email in the inbox; waiting...\n`,
    );
    for (;;) {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (execution.status !== 'RUNNING') {
        const outcome = `${execution.status ?? ''}${execution.error ? ` ${execution.error}` : ''}`;
        process.stdout.write(`${printable(outcome)}\n${printable(execution.output ?? execution.cause ?? '')}\n`);
        if (execution.status === 'SUCCEEDED') return 0;
        return EXIT_CODES[execution.error ?? ''] ?? 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  } finally {
    sfn.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${printable((error as Error).message)}\n`);
    process.exit(1);
  },
);
