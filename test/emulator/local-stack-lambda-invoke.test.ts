import { CreateStateMachineCommand, DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { useLocalStack } from '../support/use-local-stack';

jest.setTimeout(60_000);

// One worker instance, and the run the schedule starts at boot holds it in a 60-second long poll:
// a synchronous invoke must not wait for it.
const local = useLocalStack({ context: { workerMaxConcurrency: 1 } });

async function checkRequestMachine(): Promise<string> {
  const definition = {
    StartAt: 'CheckRequest',
    States: {
      CheckRequest: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: local.stack.workerFunctionArn, Payload: { action: 'checkRequest', 'request.$': '$' } },
        End: true,
      },
    },
  };
  const { stateMachineArn } = await local.sfn.send(
    new CreateStateMachineCommand({
      name: `check-request-${Date.now()}`,
      definition: JSON.stringify(definition),
      roleArn: 'arn:aws:iam::123456789012:role/local-check-request',
    }),
  );
  if (stateMachineArn === undefined) throw new Error('CreateStateMachine returned no ARN');
  return stateMachineArn;
}

interface Ended {
  readonly status: string | undefined;
  readonly output: unknown;
  readonly error: string | undefined;
  readonly elapsedMs: number;
}

async function run(stateMachineArn: string, input: unknown): Promise<Ended> {
  const startedAt = Date.now();
  const { executionArn } = await local.sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }));
  for (;;) {
    const execution = await local.sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== 'RUNNING') {
      const output: unknown = execution.output === undefined ? undefined : JSON.parse(execution.output);
      return { status: execution.status, output, error: execution.error, elapsedMs: Date.now() - startedAt };
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a synchronous lambda:invoke of the worker', () => {
  it('runs the real handler with the payload and returns what it returned, without waiting for a free instance', async () => {
    const stateMachineArn = await checkRequestMachine();

    // The boot-time run holds the only instance (its poll waits 60 s for a task that never comes).
    expect(local.stack.worker.busyInstances).toBe(1);
    const valid = await run(stateMachineArn, { managerEmailAddress: 'manager@example.com', employeeName: 'Jane' });
    const invalid = await run(stateMachineArn, { approvers: [], subject: ' ' });

    // "Invoke Lambda with Step Functions": the response's Payload is parsed from escaped JSON to JSON.
    expect(valid.status).toBe('SUCCEEDED');
    expect(valid.output).toEqual({
      StatusCode: 200,
      Payload: {
        valid: true,
        request: expect.objectContaining({ approvers: ['manager@example.com'], policy: 'any', employeeName: 'Jane' }) as unknown,
      },
    });
    expect(invalid.output).toEqual({
      StatusCode: 200,
      Payload: { valid: false, cause: expect.stringMatching(/^Invalid approval request: /) as unknown },
    });
    // Far below the 60 s the boot-time run holds the only instance.
    expect(valid.elapsedMs).toBeLessThan(10_000);
    expect(invalid.elapsedMs).toBeLessThan(10_000);
  });

  it('is throttled while the worker is held off (stopped, as reserved concurrency 0 is)', async () => {
    const stateMachineArn = await checkRequestMachine();
    await local.stack.worker.close();
    try {
      const held = await run(stateMachineArn, { managerEmailAddress: 'manager@example.com', employeeName: 'Jane' });
      // "Handling errors in Step Functions workflows": when Lambda hits the maximum number of invocations, the error is Lambda.TooManyRequestsException.
      expect(held).toMatchObject({ status: 'FAILED', error: 'Lambda.TooManyRequestsException' });
    } finally {
      await local.stack.worker.start();
    }
    expect((await run(stateMachineArn, { managerEmailAddress: 'manager@example.com', employeeName: 'Jane' })).status).toBe('SUCCEEDED');
  });
});
