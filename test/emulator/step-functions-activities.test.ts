import {
  ActivityDoesNotExist,
  GetActivityTaskCommand,
  InvalidOutput,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StopExecutionCommand,
  TaskDoesNotExist,
  ValidationException,
} from '@aws-sdk/client-sfn';
import { POLL_HOLD_MS, WORKER, sleep, useLocalStepFunctions } from '../support/use-local-step-functions';

const local = useLocalStepFunctions();
const { workflow, start, takeTask, waitForStatus, history, historyTypes, succeed, post } = local;

describe('GetActivityTask long poll', () => {
  it('hands over a task scheduled while the poll is held, at once', async () => {
    const { activityArn, stateMachineArn } = await workflow({ task: { TimeoutSeconds: 60 } });
    let answered = false;
    const poll = local.sfn.send(new GetActivityTaskCommand({ activityArn, workerName: WORKER })).finally(() => {
      answered = true;
    });
    await sleep(300);
    // GetActivityTask API reference: a long poll, answered as soon as a task becomes available.
    expect(answered).toBe(false);

    const startedAt = performance.now();
    const executionArn = await start(stateMachineArn, { request: 'held' });
    const task = await poll;
    const latencyMs = performance.now() - startedAt;

    expect(task.taskToken).toEqual(expect.any(String));
    expect(JSON.parse(task.input ?? 'null')).toEqual({ request: 'held' });
    expect(latencyMs).toBeLessThan(200);
    await local.sfn.send(new StopExecutionCommand({ executionArn }));
  });

  it('answers {} when the hold ends without a task', async () => {
    const { activityArn } = await workflow();
    const startedAt = performance.now();
    const raw = await post('AWSStepFunctions.GetActivityTask', JSON.stringify({ activityArn, workerName: WORKER }));
    const heldMs = performance.now() - startedAt;

    // GetActivityTask API reference: no task within the hold gives a null taskToken. Assumption (not found in the AWS docs): the body is exactly {}.
    expect(raw).toEqual({ status: 200, body: {} });
    expect(heldMs).toBeGreaterThanOrEqual(POLL_HOLD_MS - 20);
    expect(heldMs).toBeLessThan(POLL_HOLD_MS + 500);
  });

  it('does not hand a task to a poll whose client went away', async () => {
    // Not AWS behaviour, on purpose (README, known differences). Assumption (not found in the AWS docs): on AWS that task is lost until its timeout.
    const { activityArn, stateMachineArn } = await workflow({ task: { TimeoutSeconds: 60 } });
    const controller = new AbortController();
    const abandoned = local.sfn.send(new GetActivityTaskCommand({ activityArn, workerName: 'gone' }), { abortSignal: controller.signal });
    await sleep(100);
    controller.abort();
    await expect(abandoned).rejects.toMatchObject({ name: 'AbortError' });
    // Let the endpoint see the connection close.
    await sleep(100);

    const executionArn = await start(stateMachineArn);
    const startedAt = performance.now();
    const task = await local.sfn.send(new GetActivityTaskCommand({ activityArn, workerName: WORKER }));

    expect(task.taskToken).toEqual(expect.any(String));
    expect(performance.now() - startedAt).toBeLessThan(POLL_HOLD_MS / 2);
    const started = (await history(executionArn)).filter((event) => event.type === 'ActivityStarted');
    expect(started.map((event) => event.activityStartedEventDetails?.workerName)).toEqual([WORKER]);
    await local.sfn.send(new StopExecutionCommand({ executionArn }));
  });

  it('refuses an activity that does not exist', async () => {
    // GetActivityTask API reference, Errors: ActivityDoesNotExist.
    await expect(
      local.sfn.send(new GetActivityTaskCommand({ activityArn: 'arn:aws:states:us-east-1:123456789012:activity:nobody' })),
    ).rejects.toBeInstanceOf(ActivityDoesNotExist);
  });
});

describe('SendTaskSuccess and SendTaskFailure', () => {
  it('continues the Task state with the worker output', async () => {
    const { activityArn, stateMachineArn } = await workflow({ task: { ResultPath: '$.decision' } });
    const executionArn = await start(stateMachineArn, { request: 'r-1' });
    const task = await takeTask(activityArn);

    await succeed(task.token, { decision: 'approved', by: 'manager@example.com' });
    const execution = await waitForStatus(executionArn, 'SUCCEEDED');

    // SendTaskSuccess API reference: reports that the task completed successfully, with its JSON output; ResultPath places it (Amazon States Language).
    expect(JSON.parse(execution.output ?? 'null')).toEqual({
      request: 'r-1',
      decision: { decision: 'approved', by: 'manager@example.com' },
    });
  });

  it('fails the execution with the reported error and cause when nothing catches it', async () => {
    const { activityArn, stateMachineArn } = await workflow();
    const executionArn = await start(stateMachineArn);
    const task = await takeTask(activityArn);

    await local.sfn.send(new SendTaskFailureCommand({ taskToken: task.token, error: 'Rejected', cause: '{"comment":"Over budget"}' }));
    const execution = await waitForStatus(executionArn, 'FAILED');

    // "Handling errors in Step Functions workflows": an error nothing catches fails the execution. Assumption (not found in the AWS docs): the exact history tail.
    expect(execution).toMatchObject({ error: 'Rejected', cause: '{"comment":"Over budget"}' });
    expect((await historyTypes(executionArn)).slice(-2)).toEqual(['ActivityFailed', 'ExecutionFailed']);
  });

  it('lets a Catch on the reported error handle it', async () => {
    const { activityArn, stateMachineArn } = await workflow({
      task: { Catch: [{ ErrorEquals: ['Rejected'], ResultPath: '$.failure', Next: 'Handled' }], Next: 'Approved' },
      states: { Handled: { Type: 'Pass', End: true }, Approved: { Type: 'Succeed' } },
    });
    const executionArn = await start(stateMachineArn, { request: 'r-2' });
    const task = await takeTask(activityArn);

    await local.sfn.send(new SendTaskFailureCommand({ taskToken: task.token, error: 'Rejected', cause: 'Over budget' }));
    const execution = await waitForStatus(executionArn, 'SUCCEEDED');

    // "Handling errors in Step Functions workflows", Catch: the error output is {Error, Cause} at ResultPath. Assumption (not found in the AWS docs): the exact event list.
    expect(JSON.parse(execution.output ?? 'null')).toEqual({ request: 'r-2', failure: { Error: 'Rejected', Cause: 'Over budget' } });
    expect(await historyTypes(executionArn)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'ActivityScheduled',
      'ActivityStarted',
      'ActivityFailed',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('answers TaskDoesNotExist for a token whose task is closed', async () => {
    const { activityArn, stateMachineArn } = await workflow();
    const executionArn = await start(stateMachineArn);
    const task = await takeTask(activityArn);
    await succeed(task.token, { decision: 'approved' });
    await waitForStatus(executionArn, 'SUCCEEDED');

    // Assumption: SendTaskSuccess API reference documents TaskTimedOut for a task "already closed" and TaskDoesNotExist as "The activity does not exist"; the templates treat both as closed.
    await expect(succeed(task.token, { decision: 'approved again' })).rejects.toBeInstanceOf(TaskDoesNotExist);
    await expect(local.sfn.send(new SendTaskFailureCommand({ taskToken: task.token, error: 'Rejected' }))).rejects.toBeInstanceOf(
      TaskDoesNotExist,
    );
    await expect(local.sfn.send(new SendTaskHeartbeatCommand({ taskToken: task.token }))).rejects.toBeInstanceOf(TaskDoesNotExist);
  });

  it('answers InvalidToken for tokens it never issued, and checks the limits', async () => {
    const { activityArn, stateMachineArn } = await workflow();
    const executionArn = await start(stateMachineArn);
    const task = await takeTask(activityArn);
    const forged = Buffer.alloc(526, 7).toString('base64');

    // SendTaskSuccess API reference, Errors: InvalidToken, InvalidOutput; Request Parameters: taskToken 1-2,048 characters, output up to 262,144 bytes.
    await expect(succeed('not a token at all', {})).rejects.toBeInstanceOf(InvalidToken);
    await expect(succeed(forged, {})).rejects.toBeInstanceOf(InvalidToken);
    await expect(succeed('A'.repeat(2_049), {})).rejects.toBeInstanceOf(ValidationException);
    await expect(local.sfn.send(new SendTaskSuccessCommand({ taskToken: task.token, output: 'approved' }))).rejects.toBeInstanceOf(
      InvalidOutput,
    );
    // SendTaskFailure API reference, Request Parameters: error up to 256 characters.
    await expect(local.sfn.send(new SendTaskFailureCommand({ taskToken: task.token, error: 'E'.repeat(257) }))).rejects.toBeInstanceOf(
      ValidationException,
    );
    await expect(
      local.sfn.send(new SendTaskSuccessCommand({ taskToken: task.token, output: JSON.stringify('x'.repeat(262_144)) })),
    ).rejects.toBeInstanceOf(ValidationException);

    // Assumption (not found in the AWS docs): a refused call leaves the task open.
    // None of the refused answers closed the task.
    await succeed(task.token, 'approved');
    expect(JSON.parse((await waitForStatus(executionArn, 'SUCCEEDED')).output ?? 'null')).toBe('approved');
  });

  it('issues long base64 tokens with + / and =, none of them in a log line', async () => {
    const { activityArn, stateMachineArn } = await workflow({
      task: { TimeoutSeconds: 1, Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 1 }] },
    });
    const tokens: string[] = [];
    for (let execution = 0; execution < 3; execution++) {
      const executionArn = await start(stateMachineArn);
      const task = await takeTask(activityArn);
      tokens.push(task.token);
      await succeed(task.token, { execution });
      await waitForStatus(executionArn, 'SUCCEEDED');
    }

    expect(new Set(tokens).size).toBe(tokens.length);
    for (const token of tokens) {
      // SendTaskSuccess API reference: taskToken at most 2,048 characters. Assumption (not found in the AWS docs): real tokens are long base64 with + / =.
      expect(token.length).toBeGreaterThanOrEqual(500);
      expect(token.length).toBeLessThanOrEqual(2_048);
      expect(token).toMatch(/^[A-Za-z0-9+/]+=+$/);
      expect(token).toContain('+');
      expect(token).toContain('/');
    }
    expect(local.logLines.length).toBeGreaterThan(0);
    // Not even a fragment: a log line must not carry any 40-character stretch of a token.
    const fragments = tokens.flatMap((token) => [token.slice(0, 40), token.slice(300, 340), token.slice(-40)]);
    expect(local.logLines.filter((line) => fragments.some((fragment) => line.includes(fragment)))).toEqual([]);
  });
});
