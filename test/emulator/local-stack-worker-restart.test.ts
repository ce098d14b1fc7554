import * as fs from 'node:fs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateStateMachineCommand, GetExecutionHistoryCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/stack/local-account';
import { MIN_LIFETIME_FOR_CATCH_UP_RUN_MS } from '../../local/worker/local-activity-worker';
import { startApproval, uniqueManager, waitForEmails, waitForEnd } from '../support/local-flow';
import { useLocalStack } from '../support/use-local-stack';

jest.setTimeout(90_000);

/**
 * The worker's process killed outright (out of memory, a crash, kill -9): Lambda fails the
 * invocations that were running in it with Runtime.ExitError and starts a new instance for the
 * next one. So must the local runner.
 */
const local = useLocalStack();

/** The worker processes this test process forked (Linux: /proc), by the file they run. */
function workerProcesses(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => {
      try {
        const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
        const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const argv = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
        const worker = Number(ppid) === process.pid && state !== 'Z' && argv.some((arg) => arg.endsWith('worker-process.ts'));
        return worker ? [Number(name)] : [];
      } catch {
        return []; // gone meanwhile
      }
    });
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`Still no ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function waitForHistory(executionArn: string, type: string): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < 30_000) {
    const { events = [] } = await local.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    if (events.some((event) => event.type === type)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`No ${type} event in 30 s`);
}

const SCHEDULED_EVENT = { source: 'aws.events', 'detail-type': 'Scheduled Event' };
const KILLED = /^RequestId: local-\d+-\d+ Error: Runtime exited with error: signal: killed$/;

/** A run of the worker that holds a long poll (nothing is queued): in flight until the worker dies. */
async function machineRunningAPoll(): Promise<string> {
  const definition = {
    StartAt: 'Drain',
    States: {
      Drain: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: local.stack.workerFunctionArn, Payload: SCHEDULED_EVENT },
        TimeoutSeconds: 120,
        End: true,
      },
    },
  };
  const { stateMachineArn } = await local.sfn.send(
    new CreateStateMachineCommand({
      name: `drain-${Date.now()}`,
      definition: JSON.stringify(definition),
      roleArn: 'arn:aws:iam::123456789012:role/local-drain',
    }),
  );
  if (stateMachineArn === undefined) throw new Error('CreateStateMachine returned no ARN');
  return stateMachineArn;
}

it('after a SIGKILL of the worker process, the runs in it fail with Runtime.ExitError, the log says so, and the next request is emailed', async () => {
  const [killed, ...others] = await waitFor('worker process', () => {
    const found = workerProcesses();
    return found.length > 0 ? found : undefined;
  });
  // The process was ready before it was found here; from now on, its age is at least this much.
  const foundAt = Date.now();
  expect(others).toEqual([]);
  // Two runs in flight in the process: one invoked through the Lambda API, one by a Task state.
  const lambda = new LambdaClient({
    endpoint: local.stack.lambdaUrl,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  const invoked = lambda.send(
    new InvokeCommand({ FunctionName: local.stack.workerFunctionArn, Payload: new TextEncoder().encode(JSON.stringify(SCHEDULED_EVENT)) }),
  );
  // Awaited below; a failure meanwhile must not end the test process as an unhandled rejection.
  invoked.catch(() => undefined);
  const { executionArn = '' } = await local.sfn.send(new StartExecutionCommand({ stateMachineArn: await machineRunningAPoll() }));
  // Both invokes reached the runner, which hands a run to the process in the same turn (no cold start here).
  await waitFor('invoke through the Lambda API', () =>
    local.logs.some((line) => line.startsWith('[lambda] RequestResponse invoke')) ? true : undefined,
  );
  await waitForHistory(executionArn, 'TaskStateEntered');
  await new Promise((resolve) => setTimeout(resolve, 500));
  // A process that dies young gets no run at once in its replacement (a crash loop): this one has lived long enough.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, foundAt + MIN_LIFETIME_FOR_CATCH_UP_RUN_MS + 500 - Date.now())));

  process.kill(killed ?? 0, 'SIGKILL');
  // A request made once the runner has seen the process die, while the new one starts: its calls wait for it.
  await waitFor('the line saying the process exited', () =>
    local.logs.some((line) => line.startsWith('[worker] The worker process exited')) ? true : undefined,
  );
  const manager = uniqueManager('after-kill');
  await startApproval(local.sfn, local.stack, { managerEmailAddress: manager, employeeName: 'Ann' });

  const answer = await invoked;
  expect(answer.FunctionError).toBe('Unhandled');
  const payload = JSON.parse(new TextDecoder().decode(answer.Payload)) as Record<string, string>;
  expect(Object.keys(payload).sort()).toEqual(['errorMessage', 'errorType']);
  expect(payload.errorType).toBe('Runtime.ExitError');
  expect(payload.errorMessage).toMatch(KILLED);
  const execution = await waitForEnd(local.sfn, executionArn);
  expect(execution).toMatchObject({ status: 'FAILED', error: 'Runtime.ExitError' });
  const cause = JSON.parse(execution.cause ?? '{}') as Record<string, string>;
  expect(cause.errorType).toBe('Runtime.ExitError');
  expect(cause.errorMessage).toMatch(KILLED);

  const [email] = await waitForEmails(local.stack, manager, 1, 30_000);
  expect(email?.subject).toContain('Ann');
  const [restarted] = workerProcesses();
  expect(restarted).toBeDefined();
  expect(restarted).not.toBe(killed);
  const exitLine = local.logs.find((line) => line.startsWith('[worker] The worker process exited unexpectedly'));
  expect(exitLine).toMatch(
    /^\[worker\] The worker process exited unexpectedly \(signal SIGKILL\); (\d+) runs in flight failed with Runtime\.ExitError\. Starting a new worker process, as Lambda starts a new instance\.$/,
  );
  // The two above, and the run the schedule started at boot, which was holding its own poll.
  expect(Number(/; (\d+) runs/.exec(exitLine ?? '')?.[1])).toBeGreaterThanOrEqual(2);
  expect(local.logs).toContain('[worker] A new worker process is ready; a run starts in it, as the schedule would start one.');
  lambda.destroy();
});
