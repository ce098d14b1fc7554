import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import {
  ActivityDoesNotExist,
  CreateActivityCommand,
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetActivityTaskCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidArn,
  InvalidDefinition,
  InvalidExecutionInput,
  InvalidOutput,
  InvalidToken,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineAlreadyExists,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
  ValidationException,
} from '@aws-sdk/client-sfn';
import { readApprovalConfig } from '../../infra/approval-config';
import { approvalDefinitionSubstitutions } from '../../infra/constructs/approval-workflow';
import { type ActivityScheduledEvent, type ExecutionClosedEvent, StepFunctionsEngine } from '../../local/step-functions/engine';
import { MAX_TIMEOUT_MS, setLongTimeout } from '../../local/step-functions/long-timer';
import { type LocalStepFunctions, LocalStepFunctionsStartError, startLocalStepFunctions } from '../../local/step-functions/server';
import { APPROVAL_ASL_FILE, renderDefinition } from '../../statemachine/render-definition';

/** Short, so an empty poll costs a second instead of a minute. */
const POLL_HOLD_MS = 1_000;
const ROLE_ARN = 'arn:aws:iam::123456789012:role/local-step-functions';
const WORKER = 'conformance-worker';

let endpoint: LocalStepFunctions;
let sfn: SFNClient;
const logLines: string[] = [];

beforeAll(async () => {
  endpoint = await startLocalStepFunctions({ port: 0, activityPollHoldMs: POLL_HOLD_MS, log: (line) => logLines.push(line) });
  sfn = new SFNClient({
    endpoint: endpoint.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    // A retried call would hide what the endpoint answered the first time.
    maxAttempts: 1,
  });
});

afterAll(async () => {
  sfn.destroy();
  await endpoint.close();
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let names = 0;
function uniqueName(prefix: string): string {
  names += 1;
  return `${prefix}-${names}`;
}

interface Workflow {
  readonly activityArn: string;
  readonly stateMachineArn: string;
}

/**
 * An activity and a machine whose state Work waits on it; `task` adds fields to Work (a Next
 * replaces its End), `states` adds states, `timeoutSeconds` sets the execution's own timeout.
 */
async function workflow(options: { task?: Record<string, unknown>; states?: Record<string, unknown>; timeoutSeconds?: number; startAt?: string } = {}): Promise<Workflow> {
  const { activityArn } = await sfn.send(new CreateActivityCommand({ name: uniqueName('activity') }));
  if (activityArn === undefined) throw new Error('CreateActivity returned no ARN');
  const task = options.task ?? {};
  const definition = {
    StartAt: options.startAt ?? 'Work',
    ...(options.timeoutSeconds === undefined ? {} : { TimeoutSeconds: options.timeoutSeconds }),
    States: { Work: { Type: 'Task', Resource: activityArn, ...('Next' in task ? {} : { End: true }), ...task }, ...options.states },
  };
  const { stateMachineArn } = await sfn.send(
    new CreateStateMachineCommand({ name: uniqueName('machine'), definition: JSON.stringify(definition), roleArn: ROLE_ARN }),
  );
  if (stateMachineArn === undefined) throw new Error('CreateStateMachine returned no ARN');
  return { activityArn, stateMachineArn };
}

async function start(stateMachineArn: string, input: unknown = { request: 'r-1' }, name?: string): Promise<string> {
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input), name }));
  if (executionArn === undefined) throw new Error('StartExecution returned no ARN');
  return executionArn;
}

interface TakenTask {
  readonly token: string;
  readonly input: unknown;
}

/** Polls like a worker until a task comes (each poll held up to POLL_HOLD_MS). */
async function takeTask(activityArn: string, polls = 5): Promise<TakenTask> {
  for (let poll = 0; poll < polls; poll++) {
    const { taskToken, input } = await sfn.send(new GetActivityTaskCommand({ activityArn, workerName: WORKER }));
    if (taskToken !== undefined) return { token: taskToken, input: JSON.parse(input ?? 'null') };
  }
  throw new Error(`No task on ${activityArn} after ${polls} polls`);
}

async function describeExecution(executionArn: string): Promise<DescribeExecutionOutput> {
  return sfn.send(new DescribeExecutionCommand({ executionArn }));
}

async function waitForStatus(executionArn: string, status: string, timeoutMs = 5_000): Promise<DescribeExecutionOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const execution = await describeExecution(executionArn);
    if (execution.status === status) return execution;
    if (Date.now() > deadline) throw new Error(`Execution is ${execution.status}, not ${status}, after ${timeoutMs} ms`);
    await sleep(20);
  }
}

async function history(executionArn: string): Promise<HistoryEvent[]> {
  const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
  return events ?? [];
}

async function historyTypes(executionArn: string): Promise<string[]> {
  return (await history(executionArn)).map((event) => event.type ?? '');
}

function succeed(token: string, output: unknown): Promise<unknown> {
  return sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
}

/** Posts a raw request, to check the protocol beneath the SDK. */
async function post(target: string | undefined, body: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${endpoint.url}/`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.0', ...(target === undefined ? {} : { 'X-Amz-Target': target }) },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('GetActivityTask long poll', () => {
  it('hands over a task scheduled while the poll is held, at once', async () => {
    const { activityArn, stateMachineArn } = await workflow({ task: { TimeoutSeconds: 60 } });
    let answered = false;
    const poll = sfn.send(new GetActivityTaskCommand({ activityArn, workerName: WORKER })).finally(() => {
      answered = true;
    });
    await sleep(300);
    expect(answered).toBe(false);

    const startedAt = performance.now();
    const executionArn = await start(stateMachineArn, { request: 'held' });
    const task = await poll;
    const latencyMs = performance.now() - startedAt;

    expect(task.taskToken).toEqual(expect.any(String));
    expect(JSON.parse(task.input ?? 'null')).toEqual({ request: 'held' });
    expect(latencyMs).toBeLessThan(200);
    await sfn.send(new StopExecutionCommand({ executionArn }));
  });

  it('answers {} when the hold ends without a task', async () => {
    const { activityArn } = await workflow();
    const startedAt = performance.now();
    const raw = await post('AWSStepFunctions.GetActivityTask', JSON.stringify({ activityArn, workerName: WORKER }));
    const heldMs = performance.now() - startedAt;

    expect(raw).toEqual({ status: 200, body: {} });
    expect(heldMs).toBeGreaterThanOrEqual(POLL_HOLD_MS - 20);
    expect(heldMs).toBeLessThan(POLL_HOLD_MS + 500);
  });

  it('does not hand a task to a poll whose client went away', async () => {
    const { activityArn, stateMachineArn } = await workflow({ task: { TimeoutSeconds: 60 } });
    const controller = new AbortController();
    const abandoned = sfn.send(new GetActivityTaskCommand({ activityArn, workerName: 'gone' }), { abortSignal: controller.signal });
    await sleep(100);
    controller.abort();
    await expect(abandoned).rejects.toMatchObject({ name: 'AbortError' });
    // Let the endpoint see the connection close.
    await sleep(100);

    const executionArn = await start(stateMachineArn);
    const startedAt = performance.now();
    const task = await sfn.send(new GetActivityTaskCommand({ activityArn, workerName: WORKER }));

    expect(task.taskToken).toEqual(expect.any(String));
    expect(performance.now() - startedAt).toBeLessThan(POLL_HOLD_MS / 2);
    const started = (await history(executionArn)).filter((event) => event.type === 'ActivityStarted');
    expect(started.map((event) => event.activityStartedEventDetails?.workerName)).toEqual([WORKER]);
    await sfn.send(new StopExecutionCommand({ executionArn }));
  });

  it('refuses an activity that does not exist', async () => {
    await expect(sfn.send(new GetActivityTaskCommand({ activityArn: 'arn:aws:states:us-east-1:123456789012:activity:nobody' }))).rejects.toBeInstanceOf(
      ActivityDoesNotExist,
    );
  });
});

describe('SendTaskSuccess and SendTaskFailure', () => {
  it('continues the Task state with the worker output', async () => {
    const { activityArn, stateMachineArn } = await workflow({ task: { ResultPath: '$.decision' } });
    const executionArn = await start(stateMachineArn, { request: 'r-1' });
    const task = await takeTask(activityArn);

    await succeed(task.token, { decision: 'approved', by: 'manager@example.com' });
    const execution = await waitForStatus(executionArn, 'SUCCEEDED');

    expect(JSON.parse(execution.output ?? 'null')).toEqual({ request: 'r-1', decision: { decision: 'approved', by: 'manager@example.com' } });
  });

  it('fails the execution with the reported error and cause when nothing catches it', async () => {
    const { activityArn, stateMachineArn } = await workflow();
    const executionArn = await start(stateMachineArn);
    const task = await takeTask(activityArn);

    await sfn.send(new SendTaskFailureCommand({ taskToken: task.token, error: 'Rejected', cause: '{"comment":"Over budget"}' }));
    const execution = await waitForStatus(executionArn, 'FAILED');

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

    await sfn.send(new SendTaskFailureCommand({ taskToken: task.token, error: 'Rejected', cause: 'Over budget' }));
    const execution = await waitForStatus(executionArn, 'SUCCEEDED');

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

    await expect(succeed(task.token, { decision: 'approved again' })).rejects.toBeInstanceOf(TaskDoesNotExist);
    await expect(sfn.send(new SendTaskFailureCommand({ taskToken: task.token, error: 'Rejected' }))).rejects.toBeInstanceOf(TaskDoesNotExist);
    await expect(sfn.send(new SendTaskHeartbeatCommand({ taskToken: task.token }))).rejects.toBeInstanceOf(TaskDoesNotExist);
  });

  it('answers InvalidToken for tokens it never issued, and checks the limits', async () => {
    const { activityArn, stateMachineArn } = await workflow();
    const executionArn = await start(stateMachineArn);
    const task = await takeTask(activityArn);
    const forged = Buffer.alloc(526, 7).toString('base64');

    await expect(succeed('not a token at all', {})).rejects.toBeInstanceOf(InvalidToken);
    await expect(succeed(forged, {})).rejects.toBeInstanceOf(InvalidToken);
    await expect(succeed('A'.repeat(2_049), {})).rejects.toBeInstanceOf(ValidationException);
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: task.token, output: 'approved' }))).rejects.toBeInstanceOf(InvalidOutput);
    await expect(sfn.send(new SendTaskFailureCommand({ taskToken: task.token, error: 'E'.repeat(257) }))).rejects.toBeInstanceOf(ValidationException);
    await expect(sfn.send(new SendTaskSuccessCommand({ taskToken: task.token, output: JSON.stringify('x'.repeat(262_144)) }))).rejects.toBeInstanceOf(
      ValidationException,
    );

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
      expect(token.length).toBeGreaterThanOrEqual(500);
      expect(token.length).toBeLessThanOrEqual(2_048);
      expect(token).toMatch(/^[A-Za-z0-9+/]+=+$/);
      expect(token).toContain('+');
      expect(token).toContain('/');
    }
    expect(logLines.length).toBeGreaterThan(0);
    // Not even a fragment: a log line must not carry any 40-character stretch of a token.
    const fragments = tokens.flatMap((token) => [token.slice(0, 40), token.slice(300, 340), token.slice(-40)]);
    expect(logLines.filter((line) => fragments.some((fragment) => line.includes(fragment)))).toEqual([]);
  });
});

describe('task clocks', () => {
  it(
    'starts TimeoutSeconds when a worker takes the task, and answers a late worker TaskTimedOut',
    async () => {
      const { activityArn, stateMachineArn } = await workflow({
        task: {
          TimeoutSeconds: 1,
          Catch: [
            // AWS: States.TaskFailed matches every task error except a timeout.
            { ErrorEquals: ['States.TaskFailed'], Next: 'CaughtAsTaskFailed' },
            { ErrorEquals: ['States.Timeout'], ResultPath: '$.timeout', Next: 'TimedOut' },
          ],
          Next: 'Approved',
        },
        states: { CaughtAsTaskFailed: { Type: 'Fail', Error: 'WrongCatch' }, TimedOut: { Type: 'Pass', End: true }, Approved: { Type: 'Succeed' } },
      });
      const executionArn = await start(stateMachineArn);
      await sleep(1_500);
      expect((await describeExecution(executionArn)).status).toBe('RUNNING');

      const task = await takeTask(activityArn);
      const takenAt = Date.now();
      await sleep(500);
      expect((await describeExecution(executionArn)).status).toBe('RUNNING');
      const execution = await waitForStatus(executionArn, 'SUCCEEDED');

      expect((execution.stopDate?.getTime() ?? 0) - takenAt).toBeGreaterThanOrEqual(950);
      expect(JSON.parse(execution.output ?? 'null')).toMatchObject({ timeout: { Error: 'States.Timeout' } });
      const timedOut = (await history(executionArn)).find((event) => event.type === 'ActivityTimedOut');
      expect(timedOut?.activityTimedOutEventDetails?.error).toBe('States.Timeout');
      await expect(succeed(task.token, { decision: 'too late' })).rejects.toBeInstanceOf(TaskTimedOut);
    },
    10_000,
  );

  it(
    'keeps a task alive while heartbeats come, and times it out as States.HeartbeatTimeout when they stop',
    async () => {
      const { activityArn, stateMachineArn } = await workflow({
        task: { TimeoutSeconds: 30, HeartbeatSeconds: 1, Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.lost', Next: 'HeartbeatLost' }] },
        states: { HeartbeatLost: { Type: 'Pass', End: true } },
      });
      const executionArn = await start(stateMachineArn);
      const task = await takeTask(activityArn);

      let lastHeartbeat = Date.now();
      for (let beat = 0; beat < 4; beat++) {
        await sleep(500);
        await sfn.send(new SendTaskHeartbeatCommand({ taskToken: task.token }));
        lastHeartbeat = Date.now();
      }
      // Two seconds after it was taken, twice the heartbeat interval.
      expect((await describeExecution(executionArn)).status).toBe('RUNNING');

      const execution = await waitForStatus(executionArn, 'SUCCEEDED');
      expect((execution.stopDate?.getTime() ?? 0) - lastHeartbeat).toBeGreaterThanOrEqual(950);
      expect(JSON.parse(execution.output ?? 'null')).toMatchObject({ lost: { Error: 'States.HeartbeatTimeout' } });
      await expect(sfn.send(new SendTaskHeartbeatCommand({ taskToken: task.token }))).rejects.toBeInstanceOf(TaskTimedOut);
    },
    10_000,
  );

  it('schedules a retry as a new task with a new token', async () => {
    const { activityArn, stateMachineArn } = await workflow({
      task: { TimeoutSeconds: 30, Retry: [{ ErrorEquals: ['EmailDeliveryFailed'], IntervalSeconds: 1, MaxAttempts: 1 }] },
    });
    const executionArn = await start(stateMachineArn, { request: 'retry' });
    const first = await takeTask(activityArn);
    await sfn.send(new SendTaskFailureCommand({ taskToken: first.token, error: 'EmailDeliveryFailed', cause: 'Maximum sending rate exceeded' }));

    const second = await takeTask(activityArn);
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

    expect((execution.stopDate?.getTime() ?? 0) - (execution.startDate?.getTime() ?? 0)).toBeGreaterThanOrEqual(950);
    expect((await historyTypes(executionArn)).at(-1)).toBe('ExecutionTimedOut');
    await expect(succeed(task.token, { decision: 'too late' })).rejects.toBeInstanceOf(TaskTimedOut);
  });

  it('aborts on StopExecution, closing taken and waiting tasks', async () => {
    const { activityArn, stateMachineArn } = await workflow({ task: { TimeoutSeconds: 30 } });
    const taken = await start(stateMachineArn, { request: 'taken' });
    const task = await takeTask(activityArn);
    const waiting = await start(stateMachineArn, { request: 'waiting' });
    await sleep(50);

    const { stopDate } = await sfn.send(new StopExecutionCommand({ executionArn: taken, error: 'Cancelled', cause: 'No longer needed' }));
    await sfn.send(new StopExecutionCommand({ executionArn: waiting }));

    expect(await describeExecution(taken)).toMatchObject({ status: 'ABORTED', error: 'Cancelled', cause: 'No longer needed', stopDate });
    const aborted = (await history(taken)).at(-1);
    expect(aborted).toMatchObject({ type: 'ExecutionAborted', executionAbortedEventDetails: { error: 'Cancelled', cause: 'No longer needed' } });
    await expect(succeed(task.token, { decision: 'approved' })).rejects.toBeInstanceOf(TaskDoesNotExist);
    // The stopped execution's waiting task is gone too: the next poll finds nothing.
    expect((await sfn.send(new GetActivityTaskCommand({ activityArn }))).taskToken).toBeUndefined();
  });
});

describe('DescribeExecution, ListExecutions and GetExecutionHistory', () => {
  it('describe an approve flow', async () => {
    const { activityArn, stateMachineArn } = await workflow({
      startAt: 'Prepare',
      task: { TimeoutSeconds: 60, ResultPath: '$.decision', Next: 'Approved' },
      states: { Prepare: { Type: 'Pass', Result: 1, ResultPath: '$.attempt', Next: 'Work' }, Approved: { Type: 'Succeed' } },
    });
    const approved = await start(stateMachineArn, { request: 'first' }, 'approved-request');
    const task = await takeTask(activityArn);
    await succeed(task.token, { decision: 'approved' });
    await waitForStatus(approved, 'SUCCEEDED');
    const pending = await start(stateMachineArn, { request: 'second' }, 'pending-request');

    const description = await describeExecution(approved);
    expect(description).toMatchObject({
      executionArn: approved,
      stateMachineArn,
      name: 'approved-request',
      status: 'SUCCEEDED',
      input: JSON.stringify({ request: 'first' }),
      output: JSON.stringify({ request: 'first', attempt: 1, decision: { decision: 'approved' } }),
    });
    expect(description.startDate).toBeInstanceOf(Date);
    expect(description.stopDate?.getTime()).toBeGreaterThanOrEqual(description.startDate?.getTime() ?? Infinity);
    expect(task.input).toEqual({ request: 'first', attempt: 1 });

    const list = async (statusFilter?: 'RUNNING' | 'SUCCEEDED'): Promise<string[]> =>
      ((await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter }))).executions ?? []).map((execution) => execution.name ?? '');
    expect(await list()).toEqual(['pending-request', 'approved-request']);
    expect(await list('SUCCEEDED')).toEqual(['approved-request']);
    expect(await list('RUNNING')).toEqual(['pending-request']);
    const firstPage = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1 }));
    const secondPage = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1, nextToken: firstPage.nextToken }));
    expect([...(firstPage.executions ?? []), ...(secondPage.executions ?? [])].map((execution) => execution.name)).toEqual(['pending-request', 'approved-request']);
    expect(secondPage.nextToken).toBeUndefined();

    const events = await history(approved);
    expect(events.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'TaskStateEntered',
      'ActivityScheduled',
      'ActivityStarted',
      'ActivitySucceeded',
      'TaskStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((event) => event.id)).toEqual(events.map((_event, index) => index + 1));
    expect(events.map((event) => event.previousEventId)).toEqual(events.map((_event, index) => index));
    expect(events.every((event) => event.timestamp instanceof Date)).toBe(true);
    const byType = (type: string): HistoryEvent | undefined => events.find((event) => event.type === type);
    expect(byType('ExecutionStarted')?.executionStartedEventDetails).toMatchObject({ input: JSON.stringify({ request: 'first' }), roleArn: ROLE_ARN });
    expect(byType('TaskStateEntered')?.stateEnteredEventDetails).toMatchObject({ name: 'Work', input: JSON.stringify({ request: 'first', attempt: 1 }) });
    expect(byType('ActivityScheduled')?.activityScheduledEventDetails).toMatchObject({ resource: activityArn, timeoutInSeconds: 60 });
    expect(byType('ActivityStarted')?.activityStartedEventDetails).toEqual({ workerName: WORKER });
    expect(byType('ActivitySucceeded')?.activitySucceededEventDetails).toMatchObject({ output: JSON.stringify({ decision: 'approved' }) });
    expect(byType('ExecutionSucceeded')?.executionSucceededEventDetails).toMatchObject({ output: description.output });

    const reversed = await sfn.send(new GetExecutionHistoryCommand({ executionArn: approved, reverseOrder: true }));
    expect(reversed.events?.map((event) => event.id)).toEqual(events.map((event) => event.id).reverse());
    const pages: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn: approved, maxResults: 4, nextToken }));
      pages.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    expect(pages).toEqual(events);

    await sfn.send(new StopExecutionCommand({ executionArn: pending }));
  });
});

describe('refusals', () => {
  it('answers with the error the SDK knows', async () => {
    const { stateMachineArn } = await workflow();
    const unknownMachine = stateMachineArn.replace(/machine-\d+$/, 'no-such-machine');
    await expect(start(unknownMachine)).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(describeExecution(`${stateMachineArn.replace(':stateMachine:', ':execution:')}:never-started`)).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(describeExecution('arn:aws:states:us-east-1:123456789012:nonsense')).rejects.toBeInstanceOf(InvalidArn);
    await expect(describeExecution(stateMachineArn)).rejects.toBeInstanceOf(InvalidArn);
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{not json' }))).rejects.toBeInstanceOf(InvalidExecutionInput);
  });

  it('refuses a second execution of the same name unless it is the same running request', async () => {
    const { stateMachineArn } = await workflow();
    const first = await start(stateMachineArn, { request: 'a' }, 'same-name');

    await expect(start(stateMachineArn, { request: 'a' }, 'same-name')).resolves.toBe(first);
    await expect(start(stateMachineArn, { request: 'b' }, 'same-name')).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await sfn.send(new StopExecutionCommand({ executionArn: first }));
    await expect(start(stateMachineArn, { request: 'a' }, 'same-name')).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  });

  it('checks definitions and keeps CreateStateMachine idempotent', async () => {
    const create = (name: string, definition: string): Promise<unknown> => sfn.send(new CreateStateMachineCommand({ name, definition, roleArn: ROLE_ARN }));
    const pass = JSON.stringify({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } });
    const name = uniqueName('machine');

    await expect(create(uniqueName('machine'), '{"StartAt": ')).rejects.toBeInstanceOf(InvalidDefinition);
    await expect(create(uniqueName('machine'), JSON.stringify({ StartAt: 'Missing', States: { A: { Type: 'Pass', End: true } } }))).rejects.toBeInstanceOf(
      InvalidDefinition,
    );
    const first = await sfn.send(new CreateStateMachineCommand({ name, definition: pass, roleArn: ROLE_ARN }));
    const again = await sfn.send(new CreateStateMachineCommand({ name, definition: pass, roleArn: ROLE_ARN }));
    expect(again.stateMachineArn).toBe(first.stateMachineArn);
    await expect(create(name, JSON.stringify({ StartAt: 'B', States: { B: { Type: 'Succeed' } } }))).rejects.toBeInstanceOf(StateMachineAlreadyExists);
  });

  it('speaks the JSON 1.0 protocol errors', async () => {
    const unknown = await post('AWSStepFunctions.MakeCoffee', '{}');
    expect(unknown.status).toBe(400);
    expect(unknown.body.__type).toMatch(/#UnknownOperationException$/);

    const garbled = await post('AWSStepFunctions.DescribeExecution', '{"executionArn": ');
    expect(garbled.status).toBe(400);
    expect(garbled.body.__type).toMatch(/#SerializationException$/);

    const missing = await post('AWSStepFunctions.DescribeExecution', '{}');
    expect(missing).toEqual({
      status: 400,
      body: {
        __type: 'com.amazonaws.swf.service.v2.model#ValidationException',
        message: "1 validation error detected: Value null at 'executionArn' failed to satisfy constraint: Member must not be null",
      },
    });
  });
});

describe('the approval state machine on the endpoint', () => {
  it(
    'sends a reminder with a new token after the first link expires, then expires',
    async () => {
      const { activityArn } = await sfn.send(new CreateActivityCommand({ name: uniqueName('approval') }));
      if (activityArn === undefined) throw new Error('CreateActivity returned no ARN');
      const config = readApprovalConfig((key) => ({ reminderIntervalSeconds: 1, reminderCount: 1 })[key]);
      const definition = renderDefinition(readFileSync(APPROVAL_ASL_FILE, 'utf8'), approvalDefinitionSubstitutions(config, activityArn, 'arn:aws:lambda:us-east-1:123456789012:function:not-registered'));
      const { stateMachineArn } = await sfn.send(new CreateStateMachineCommand({ name: uniqueName('approval'), definition, roleArn: ROLE_ARN }));
      if (stateMachineArn === undefined) throw new Error('CreateStateMachine returned no ARN');
      const request = { managerEmailAddress: 'manager@example.com', employeeName: 'Jane Doe' };
      const executionArn = await start(stateMachineArn, request, 'approval-request-1');

      // The worker takes each task and sends its email; the manager never clicks.
      const tasks: TakenTask[] = [];
      while (tasks.length < 2) tasks.push(await takeTask(activityArn));
      const execution = await waitForStatus(executionArn, 'FAILED', 5_000);

      expect(tasks.map((task) => task.input)).toEqual([
        { request: { ...request, approval: { attempt: 1, deliveryRetries: 0, redeliveryDelaySeconds: 60 } }, attempt: 1, reminderCount: 1, reminderIntervalSeconds: 1, executionName: 'approval-request-1' },
        { request: { ...request, approval: { attempt: 2, deliveryRetries: 0, redeliveryDelaySeconds: 60 } }, attempt: 2, reminderCount: 1, reminderIntervalSeconds: 1, executionName: 'approval-request-1' },
      ]);
      expect(tasks[1]?.token).not.toBe(tasks[0]?.token);
      expect(execution).toMatchObject({ error: 'Expired', cause: 'Nobody approved or rejected the request before the last reminder ran out.' });
      expect((await historyTypes(executionArn)).filter((type) => type === 'ActivityTimedOut')).toHaveLength(2);
      for (const task of tasks) await expect(succeed(task.token, { decision: 'approved' })).rejects.toBeInstanceOf(TaskTimedOut);
    },
    15_000,
  );
});

describe('start and close', () => {
  it('says which port is taken and what to do', async () => {
    const taken = startLocalStepFunctions({ port: endpoint.port });
    await expect(taken).rejects.toBeInstanceOf(LocalStepFunctionsStartError);
    await expect(taken).rejects.toThrow(`Cannot listen on 127.0.0.1:${endpoint.port} (EADDRINUSE). Stop whatever holds it, or pass port 0 to take any free port.`);
  });

  it('answers held polls, aborts executions and frees the port', async () => {
    const local = await startLocalStepFunctions({ port: 0, activityPollHoldMs: 30_000 });
    const client = new SFNClient({ endpoint: local.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    try {
      const { activityArn } = local.engine.createActivity({ name: 'closing' });
      const { stateMachineArn } = local.engine.createStateMachine({
        name: 'closing',
        roleArn: ROLE_ARN,
        definition: JSON.stringify({ StartAt: 'Work', TimeoutSeconds: 3_000_000, States: { Work: { Type: 'Task', Resource: activityArn, TimeoutSeconds: 3_000_000, End: true } } }),
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
