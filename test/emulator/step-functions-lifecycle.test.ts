import { createServer } from 'node:net';
import { GetActivityTaskCommand, SFNClient } from '@aws-sdk/client-sfn';
import { type ActivityScheduledEvent, type ExecutionClosedEvent, StepFunctionsEngine } from '../../local/step-functions/engine';
import { MAX_TIMEOUT_MS, setLongTimeout } from '../../local/step-functions/long-timer';
import { LocalStepFunctionsStartError, startLocalStepFunctions } from '../../local/step-functions/server';
import { ROLE_ARN, sleep, useLocalStepFunctions, WORKER } from '../support/use-local-step-functions';

// The local endpoint's own life (start, close, timers), which AWS has no counterpart for.

describe('start and close', () => {
  const running = useLocalStepFunctions();

  it('says which port is taken and what to do', async () => {
    const taken = startLocalStepFunctions({ port: running.endpoint.port });
    await expect(taken).rejects.toBeInstanceOf(LocalStepFunctionsStartError);
    await expect(taken).rejects.toThrow(
      `Cannot listen on 127.0.0.1:${running.endpoint.port} (EADDRINUSE). Stop whatever holds it, or pass port 0 to take any free port.`,
    );
  });

  it('answers held polls, aborts executions and frees the port', async () => {
    const local = await startLocalStepFunctions({ port: 0, activityPollHoldMs: 30_000 });
    const client = new SFNClient({
      endpoint: local.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    try {
      const { activityArn } = local.engine.createActivity({ name: 'closing' });
      const { stateMachineArn } = local.engine.createStateMachine({
        name: 'closing',
        roleArn: ROLE_ARN,
        definition: JSON.stringify({
          StartAt: 'Work',
          TimeoutSeconds: 3_000_000,
          States: { Work: { Type: 'Task', Resource: activityArn, TimeoutSeconds: 3_000_000, End: true } },
        }),
      });
      const { executionArn } = local.engine.startExecution({ stateMachineArn, input: '{}' });
      const taken = await client.send(new GetActivityTaskCommand({ activityArn }));
      expect(taken.taskToken).toEqual(expect.any(String));
      const held = client.send(new GetActivityTaskCommand({ activityArn })).then(
        (output) => output.taskToken ?? 'answered without a task',
        () => 'connection closed',
      );
      await sleep(100);

      const startedClosing = performance.now();
      await local.close();

      expect(performance.now() - startedClosing).toBeLessThan(1_000);
      await expect(held).resolves.toMatch(/^(answered without a task|connection closed)$/);
      expect(local.engine.describeExecution({ executionArn }).status).toBe('ABORTED');
      const probe = createServer();
      await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(local.port, '127.0.0.1', () => resolve()));
      await new Promise<void>((resolve) => probe.close(() => resolve()));
    } finally {
      client.destroy();
      await local.close();
    }
  });
});

describe('StepFunctionsEngine used directly', () => {
  it('reports scheduled tasks and closed executions, and a stop ends the state past its Retry and Catch', async () => {
    const lines: string[] = [];
    const engine = new StepFunctionsEngine({ activityPollHoldMs: 200, log: (line) => lines.push(line) });
    try {
      const scheduled: ActivityScheduledEvent[] = [];
      const closed: ExecutionClosedEvent[] = [];
      engine.on('activityScheduled', (event) => {
        scheduled.push(event);
        throw new Error('a careless listener');
      });
      engine.on('executionClosed', (event) => closed.push(event));
      const { activityArn } = engine.createActivity({ name: 'direct' });
      const { stateMachineArn } = engine.createStateMachine({
        name: 'direct',
        roleArn: ROLE_ARN,
        definition: JSON.stringify({
          StartAt: 'Work',
          States: {
            Work: {
              Type: 'Task',
              Resource: activityArn,
              Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 5 }],
              Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Caught' }],
              End: true,
            },
            Caught: { Type: 'Pass', End: true },
          },
        }),
      });
      const { executionArn } = engine.startExecution({ stateMachineArn });
      const task = await engine.getActivityTask({ activityArn, workerName: WORKER });

      expect(task.taskToken).toEqual(expect.any(String));
      expect(scheduled).toEqual([{ activityArn, executionArn }]);
      expect(lines).toContain('activityScheduled listener failed: a careless listener');

      engine.stopExecution({ executionArn, cause: 'Withdrawn' });
      await sleep(50);

      expect(closed).toEqual([{ executionArn, status: 'ABORTED' }]);
      expect(scheduled).toHaveLength(1);
      expect(engine.getExecutionHistory({ executionArn }).events?.map((event) => event.type)).toEqual([
        'ExecutionStarted',
        'TaskStateEntered',
        'ActivityScheduled',
        'ActivityStarted',
        'ExecutionAborted',
      ]);
      expect(await engine.getActivityTask({ activityArn })).toEqual({});
    } finally {
      await engine.close();
    }
  });
});

describe('setLongTimeout', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('waits past the 24.8-day limit of setTimeout', () => {
    jest.useFakeTimers();
    const fired = jest.fn();
    const thirtyDaysMs = 30 * 86_400_000;
    setLongTimeout(fired, thirtyDaysMs);

    jest.advanceTimersByTime(MAX_TIMEOUT_MS);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(thirtyDaysMs - MAX_TIMEOUT_MS - 1);
    expect(fired).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('never fires once cleared, even between steps', () => {
    jest.useFakeTimers();
    const fired = jest.fn();
    const timer = setLongTimeout(fired, 60 * 86_400_000);
    jest.advanceTimersByTime(MAX_TIMEOUT_MS + 1_000);
    timer.clear();
    jest.advanceTimersByTime(60 * 86_400_000);
    expect(fired).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });
});
