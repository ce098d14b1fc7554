import { readFileSync } from 'node:fs';
import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  GetActivityTaskCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { readApprovalConfig } from '../../infra/approval-config';
import { approvalDefinitionSubstitutions } from '../../infra/constructs/approval-workflow';
import { APPROVAL_ASL_FILE, renderDefinition } from '../../statemachine/render-definition';
import { ROLE_ARN, sleep, type TakenTask, useLocalStepFunctions } from '../support/use-local-step-functions';

const local = useLocalStepFunctions();
const { uniqueName, workflow, start, takeTask, describeExecution, waitForStatus, history, historyTypes, succeed } = local;

describe('task clocks', () => {
  it('starts TimeoutSeconds when a worker takes the task, and answers a late worker TaskTimedOut', async () => {
    const { activityArn, stateMachineArn } = await workflow({
      task: {
        TimeoutSeconds: 1,
        Catch: [
          // "Handling errors in Step Functions workflows": States.TaskFailed matches any known error except States.Timeout.
          { ErrorEquals: ['States.TaskFailed'], Next: 'CaughtAsTaskFailed' },
          { ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'TimedOut' },
        ],
        Next: 'Approved',
      },
      states: {
        CaughtAsTaskFailed: { Type: 'Fail', Error: 'WrongCatch' },
        TimedOut: { Type: 'Pass', End: true },
        Approved: { Type: 'Succeed' },
      },
    });
    const executionArn = await start(stateMachineArn);
    // "Troubleshooting activities": an activity task state doesn't start until a worker polls for it, so TimeoutSeconds counts from then.
    await sleep(1_500);
    expect((await describeExecution(executionArn)).status).toBe('RUNNING');

    const task = await takeTask(activityArn);
    const takenAt = Date.now();
    await sleep(500);
    expect((await describeExecution(executionArn)).status).toBe('RUNNING');
    const execution = await waitForStatus(executionArn, 'SUCCEEDED');

    expect((execution.stopDate?.getTime() ?? 0) - takenAt).toBeGreaterThanOrEqual(950);
    // "Handling errors in Step Functions workflows": a task that runs longer than TimeoutSeconds fails with States.Timeout.
    expect(JSON.parse(execution.output ?? 'null')).toMatchObject({ timeout: { Error: 'States.Timeout' } });
    const timedOut = (await history(executionArn)).find((event) => event.type === 'ActivityTimedOut');
    expect(timedOut?.activityTimedOutEventDetails?.error).toBe('States.Timeout');
    // SendTaskSuccess API reference, Errors: TaskTimedOut, the task token has expired.
    await expect(succeed(task.token, { decision: 'too late' })).rejects.toBeInstanceOf(TaskTimedOut);
  }, 10_000);

  it('keeps a task alive while heartbeats come, and times it out as States.HeartbeatTimeout when they stop', async () => {
    const { activityArn, stateMachineArn } = await workflow({
      task: {
        TimeoutSeconds: 30,
        HeartbeatSeconds: 1,
        Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.lost', Next: 'HeartbeatLost' }],
      },
      states: { HeartbeatLost: { Type: 'Pass', End: true } },
    });
    const executionArn = await start(stateMachineArn);
    const task = await takeTask(activityArn);

    let lastHeartbeat = Date.now();
    for (let beat = 0; beat < 4; beat++) {
      await sleep(500);
      // SendTaskHeartbeat API reference: each heartbeat resets the Heartbeat clock (HeartbeatSeconds).
      await local.sfn.send(new SendTaskHeartbeatCommand({ taskToken: task.token }));
      lastHeartbeat = Date.now();
    }
    // Two seconds after it was taken, twice the heartbeat interval.
    expect((await describeExecution(executionArn)).status).toBe('RUNNING');

    const execution = await waitForStatus(executionArn, 'SUCCEEDED');
    expect((execution.stopDate?.getTime() ?? 0) - lastHeartbeat).toBeGreaterThanOrEqual(950);
    // "Handling errors in Step Functions workflows": States.Timeout also covers a missed heartbeat, which is reported as States.HeartbeatTimeout.
    expect(JSON.parse(execution.output ?? 'null')).toMatchObject({ lost: { Error: 'States.HeartbeatTimeout' } });
    // SendTaskHeartbeat API reference, Errors: TaskTimedOut.
    await expect(local.sfn.send(new SendTaskHeartbeatCommand({ taskToken: task.token }))).rejects.toBeInstanceOf(TaskTimedOut);
  }, 10_000);

  it('schedules a retry as a new task with a new token', async () => {
    const { activityArn, stateMachineArn } = await workflow({
      task: { TimeoutSeconds: 30, Retry: [{ ErrorEquals: ['EmailDeliveryFailed'], IntervalSeconds: 1, MaxAttempts: 1 }] },
    });
    const executionArn = await start(stateMachineArn, { request: 'retry' });
    const first = await takeTask(activityArn);
    await local.sfn.send(
      new SendTaskFailureCommand({ taskToken: first.token, error: 'EmailDeliveryFailed', cause: 'Maximum sending rate exceeded' }),
    );

    const second = await takeTask(activityArn);
    // Assumption (not found in the AWS docs): a Retry schedules a new activity task with a new token, and the old token answers TaskDoesNotExist.
    expect(second.token).not.toBe(first.token);
    expect(second.input).toEqual(first.input);
    await expect(succeed(first.token, { decision: 'stale link' })).rejects.toBeInstanceOf(TaskDoesNotExist);
    await succeed(second.token, { decision: 'approved' });

    await waitForStatus(executionArn, 'SUCCEEDED');
    expect(await historyTypes(executionArn)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'ActivityScheduled',
      'ActivityStarted',
      'ActivityFailed',
      'ActivityScheduled',
      'ActivityStarted',
      'ActivitySucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
  });
});

describe('execution end', () => {
  it('times out the execution after its TimeoutSeconds and closes its task', async () => {
    const { activityArn, stateMachineArn } = await workflow({ timeoutSeconds: 1, task: { TimeoutSeconds: 30 } });
    const executionArn = await start(stateMachineArn);
    const task = await takeTask(activityArn);

    const execution = await waitForStatus(executionArn, 'TIMED_OUT', 3_000);

    // "Using timeouts to avoid stuck Step Functions workflow executions": the machine's own TimeoutSeconds ends the execution, TIMED_OUT.
    expect((execution.stopDate?.getTime() ?? 0) - (execution.startDate?.getTime() ?? 0)).toBeGreaterThanOrEqual(950);
    expect((await historyTypes(executionArn)).at(-1)).toBe('ExecutionTimedOut');
    // SendTaskSuccess API reference, Errors: TaskTimedOut, the task token has expired.
    await expect(succeed(task.token, { decision: 'too late' })).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('aborts on StopExecution, closing taken and waiting tasks', async () => {
    const { activityArn, stateMachineArn } = await workflow({ task: { TimeoutSeconds: 30 } });
    const taken = await start(stateMachineArn, { request: 'taken' });
    const task = await takeTask(activityArn);
    const waiting = await start(stateMachineArn, { request: 'waiting' });
    await sleep(50);

    const { stopDate } = await local.sfn.send(
      new StopExecutionCommand({ executionArn: taken, error: 'Cancelled', cause: 'No longer needed' }),
    );
    await local.sfn.send(new StopExecutionCommand({ executionArn: waiting }));

    // StopExecution API reference: stops the execution with the given error and cause, and answers its stopDate.
    expect(await describeExecution(taken)).toMatchObject({ status: 'ABORTED', error: 'Cancelled', cause: 'No longer needed', stopDate });
    const aborted = (await history(taken)).at(-1);
    expect(aborted).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Cancelled', cause: 'No longer needed' },
    });
    // Assumption (not found in the AWS docs): a stopped execution's tokens answer TaskDoesNotExist and its waiting task is withdrawn.
    await expect(succeed(task.token, { decision: 'approved' })).rejects.toBeInstanceOf(TaskDoesNotExist);
    // The stopped execution's waiting task is gone too: the next poll finds nothing.
    expect((await local.sfn.send(new GetActivityTaskCommand({ activityArn }))).taskToken).toBeUndefined();
  });
});

describe('the approval state machine on the endpoint', () => {
  it('sends a reminder with a new token after the first link expires, then expires', async () => {
    const { activityArn } = await local.sfn.send(new CreateActivityCommand({ name: uniqueName('approval') }));
    if (activityArn === undefined) throw new Error('CreateActivity returned no ARN');
    // The worker function: CheckRequest's synchronous invoke answers with the normalized request
    // (as the worker does for the seed form); WakeWorker's start is ignored.
    const functionArn = `arn:aws:lambda:us-east-1:123456789012:function:${uniqueName('worker')}`;
    const normalized = {
      approvers: ['manager@example.com'],
      policy: 'any',
      subject: 'Approval needed for Jane Doe',
      details: {},
      employeeName: 'Jane Doe',
    };
    local.endpoint.engine.registerLambdaFunction(functionArn, (_payload, invocationType) =>
      Promise.resolve(invocationType === 'Event' ? null : { valid: true, request: normalized }),
    );
    const config = readApprovalConfig((key) => ({ reminderIntervalSeconds: 1, reminderCount: 1 })[key]);
    const definition = renderDefinition(
      readFileSync(APPROVAL_ASL_FILE, 'utf8'),
      approvalDefinitionSubstitutions(config, activityArn, functionArn),
    );
    const { stateMachineArn } = await local.sfn.send(
      new CreateStateMachineCommand({ name: uniqueName('approval'), definition, roleArn: ROLE_ARN }),
    );
    if (stateMachineArn === undefined) throw new Error('CreateStateMachine returned no ARN');
    const request = { managerEmailAddress: 'manager@example.com', employeeName: 'Jane Doe' };
    const executionArn = await start(stateMachineArn, request, 'approval-request-1');

    // The worker takes each task and sends its email; the manager never clicks.
    const tasks: TakenTask[] = [];
    while (tasks.length < 2) tasks.push(await takeTask(activityArn));
    const execution = await waitForStatus(executionArn, 'FAILED', 5_000);

    const taskInput = (attempt: number): unknown => ({
      request: normalized,
      approver: 'manager@example.com',
      attempt,
      reminderCount: 1,
      reminderIntervalSeconds: 1,
      executionName: 'approval-request-1',
    });
    expect(tasks.map((task) => task.input)).toEqual([taskInput(1), taskInput(2)]);
    // "Troubleshooting activities": each attempt's TimeoutSeconds starts when the worker takes it (then the machine schedules the reminder).
    expect(tasks[1]?.token).not.toBe(tasks[0]?.token);
    expect(execution).toMatchObject({
      error: 'Expired',
      cause: 'Nobody approved or rejected the request before the last reminder ran out.',
    });
    expect((await historyTypes(executionArn)).filter((type) => type === 'ActivityTimedOut')).toHaveLength(2);
    // SendTaskSuccess API reference, Errors: TaskTimedOut, the task token has expired.
    for (const task of tasks) await expect(succeed(task.token, { decision: 'approved' })).rejects.toBeInstanceOf(TaskTimedOut);
  }, 15_000);
});
