import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  GetActivityTaskCommand,
  type HistoryEvent,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  TaskDoesNotExist,
  TaskTimedOut,
} from '@aws-sdk/client-sfn';
import { ROLE_ARN, sleep, useLocalStepFunctions } from '../support/use-local-step-functions';

jest.setTimeout(30_000);

const local = useLocalStepFunctions();
const { uniqueName, start, waitForStatus, history, succeed } = local;

interface Workflow {
  readonly activityArn: string;
  readonly stateMachineArn: string;
}

interface WorkflowOptions {
  /** Fields added to the iteration's activity Task state Ask. */
  readonly ask?: Record<string, unknown>;
  /** A state Then that Ask goes on to. */
  readonly then?: Record<string, unknown>;
  /** Fields added to the Map state AskAll; a Next replaces its End. */
  readonly map?: Record<string, unknown>;
  /** States added next to AskAll. */
  readonly states?: Record<string, unknown>;
}

async function createActivity(): Promise<string> {
  const { activityArn } = await local.sfn.send(new CreateActivityCommand({ name: uniqueName('approver') }));
  if (activityArn === undefined) throw new Error('CreateActivity returned no ARN');
  return activityArn;
}

async function createMachine(definition: unknown): Promise<string> {
  const { stateMachineArn } = await local.sfn.send(
    new CreateStateMachineCommand({ name: uniqueName('map'), definition: JSON.stringify(definition), roleArn: ROLE_ARN }),
  );
  if (stateMachineArn === undefined) throw new Error('CreateStateMachine returned no ARN');
  return stateMachineArn;
}

/** A Map over `$.items` whose iterations each wait on one activity task (state Ask). */
async function mapWorkflow(options: WorkflowOptions = {}): Promise<Workflow> {
  const activityArn = await createActivity();
  const iteration = {
    StartAt: 'Ask',
    States: {
      Ask: { Type: 'Task', Resource: activityArn, ...(options.then === undefined ? { End: true } : { Next: 'Then' }), ...options.ask },
      ...(options.then === undefined ? {} : { Then: options.then }),
    },
  };
  const map = options.map ?? {};
  const definition = {
    StartAt: 'AskAll',
    States: {
      AskAll: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: iteration, ...('Next' in map ? {} : { End: true }), ...map },
      ...options.states,
    },
  };
  return { activityArn, stateMachineArn: await createMachine(definition) };
}

interface Taken {
  readonly token: string;
  readonly input: unknown;
  readonly workerName: string;
}

/** Takes one task per worker name, so the history events of each can be told apart. */
async function takeTasks(activityArn: string, workerNames: readonly string[]): Promise<Taken[]> {
  const taken: Taken[] = [];
  for (const workerName of workerNames) {
    for (let poll = 0; ; poll++) {
      if (poll === 5) throw new Error(`No task for ${workerName}`);
      const { taskToken, input } = await local.sfn.send(new GetActivityTaskCommand({ activityArn, workerName }));
      if (taskToken === undefined) continue;
      taken.push({ token: taskToken, input: JSON.parse(input ?? 'null'), workerName });
      break;
    }
  }
  return taken;
}

function pair(tasks: readonly Taken[]): [Taken, Taken] {
  const [first, second] = tasks;
  if (!first || !second) throw new Error('expected two tasks');
  return [first, second];
}

function byType(events: readonly HistoryEvent[], type: string): HistoryEvent[] {
  return events.filter((event) => event.type === type);
}

describe('a Map iteration stopped because a sibling failed', () => {
  it('closes its activity task at once, while the execution goes on after the Map state caught the failure', async () => {
    const followArn = await createActivity();
    const { activityArn, stateMachineArn } = await mapWorkflow({
      map: { Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Follow' }], Next: 'Follow' },
      states: { Follow: { Type: 'Task', Resource: followArn, End: true } },
    });
    const executionArn = await start(stateMachineArn, { items: ['ana', 'ben'] });
    const [first, second] = pair(await takeTasks(activityArn, ['worker-1', 'worker-2']));

    await local.sfn.send(new SendTaskFailureCommand({ taskToken: first.token, error: 'Rejected', cause: 'No.' }));
    // No wait between the two calls: the sibling's task is closed by the time the failure is answered.
    await expect(succeed(second.token, { decision: 'approved' })).rejects.toBeInstanceOf(TaskDoesNotExist);
    expect((await local.describeExecution(executionArn)).status).toBe('RUNNING');
    // Nothing of the Map is left open: no task waits for a worker, and the stopped one cannot be kept alive.
    expect((await local.sfn.send(new GetActivityTaskCommand({ activityArn }))).taskToken).toBeUndefined();
    await expect(local.sfn.send(new SendTaskHeartbeatCommand({ taskToken: second.token }))).rejects.toBeInstanceOf(TaskDoesNotExist);
    const [follow] = await takeTasks(followArn, ['worker-3']);
    expect(follow?.input).toEqual({ items: ['ana', 'ben'], failure: { Error: 'Rejected', Cause: 'No.' } });
  });

  it('closes its activity task at once: the token answers TaskDoesNotExist and nothing is left open', async () => {
    const { activityArn, stateMachineArn } = await mapWorkflow();
    const executionArn = await start(stateMachineArn, { items: ['ana', 'ben'] });
    const [first, second] = pair(await takeTasks(activityArn, ['worker-1', 'worker-2']));
    expect([first.input, second.input].sort()).toEqual(['ana', 'ben']);

    await local.sfn.send(new SendTaskFailureCommand({ taskToken: first.token, error: 'Rejected', cause: 'No.' }));
    // No wait between the two calls: the sibling's task is closed by the time the failure is answered.
    // "Map state": when an iteration fails, the Map state fails and stops its other iterations.
    // Assumption (not found in the AWS docs): a stopped iteration's token answers TaskDoesNotExist.
    await expect(succeed(second.token, { decision: 'approved' })).rejects.toBeInstanceOf(TaskDoesNotExist);
    await expect(local.sfn.send(new SendTaskHeartbeatCommand({ taskToken: second.token }))).rejects.toBeInstanceOf(TaskDoesNotExist);

    const execution = await waitForStatus(executionArn, 'FAILED');
    expect(execution).toMatchObject({ error: 'Rejected', cause: 'No.' });
    expect((await local.sfn.send(new GetActivityTaskCommand({ activityArn }))).taskToken).toBeUndefined();
    const events = await history(executionArn);
    const failed = byType(events, 'MapIterationFailed').map((event) => event.mapIterationFailedEventDetails);
    expect(failed).toEqual([{ name: 'AskAll', index: first.input === 'ana' ? 0 : 1 }]);
    expect(byType(events, 'MapIterationAborted').map((event) => event.mapIterationAbortedEventDetails)).toEqual([
      { name: 'AskAll', index: second.input === 'ana' ? 0 : 1 },
    ]);
    // As recorded on AWS (test/conformance/map-iteration-failures.test.ts): the stopped iterations, each with the state it was in, follow the failed one; then MapStateFailed and the execution's end.
    const types = events.map((event) => event.type);
    expect(types.slice(types.indexOf('MapIterationFailed'))).toEqual([
      'MapIterationFailed',
      'TaskStateAborted',
      'MapIterationAborted',
      'MapStateFailed',
      'ExecutionFailed',
    ]);
    expect(byType(events, 'ActivitySucceeded')).toEqual([]);
  });

  it('closes the others when the deciding iteration ends in a Fail state, while the execution goes on', async () => {
    // The approval machine's pattern: the first approval ends its iteration with Fail "Approved",
    // which stops the others; the Map's Catch goes on (here to a further activity task, so the
    // execution is still running when the stale tokens are tried).
    const followArn = await createActivity();
    const { activityArn, stateMachineArn } = await mapWorkflow({
      then: { Type: 'Fail', Error: 'Approved', Cause: 'decided' },
      map: { Catch: [{ ErrorEquals: ['Approved'], ResultPath: '$.outcome', Next: 'Follow' }], Next: 'Follow' },
      states: { Follow: { Type: 'Task', Resource: followArn, ResultPath: null, End: true } },
    });
    const executionArn = await start(stateMachineArn, { items: ['ana', 'ben', 'cy'] });
    const tasks = await takeTasks(activityArn, ['worker-1', 'worker-2', 'worker-3']);
    const [deciding, ...others] = tasks;
    if (!deciding) throw new Error('no task');

    await succeed(deciding.token, { decision: 'approved' });
    for (const other of others) await expect(succeed(other.token, { decision: 'approved' })).rejects.toBeInstanceOf(TaskDoesNotExist);
    expect((await local.describeExecution(executionArn)).status).toBe('RUNNING');
    expect((await local.sfn.send(new GetActivityTaskCommand({ activityArn }))).taskToken).toBeUndefined();

    const [follow] = await takeTasks(followArn, ['worker-4']);
    if (!follow) throw new Error('no follow-up task');
    await succeed(follow.token, {});
    const execution = await waitForStatus(executionArn, 'SUCCEEDED');
    expect(JSON.parse(execution.output ?? 'null')).toEqual({
      items: ['ana', 'ben', 'cy'],
      outcome: { Error: 'Approved', Cause: 'decided' },
    });
    const events = await history(executionArn);
    expect(byType(events, 'MapIterationAborted')).toHaveLength(2);
    const types = events.map((event) => event.type);
    // Assumption (not found in the AWS docs): the stopped iterations come before the caught Map state exits.
    expect(types.lastIndexOf('MapIterationAborted')).toBeLessThan(types.indexOf('MapStateExited'));
  });

  it('closes it, and the one still waiting for a worker, when the execution times out meanwhile (TaskTimedOut)', async () => {
    const activityArn = await createActivity();
    const iteration = { StartAt: 'Ask', States: { Ask: { Type: 'Task', Resource: activityArn, End: true } } };
    const stateMachineArn = await createMachine({
      TimeoutSeconds: 1,
      StartAt: 'AskAll',
      States: { AskAll: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: iteration, End: true } },
    });
    const executionArn = await start(stateMachineArn, { items: ['ana', 'ben'] });
    const [taken] = await takeTasks(activityArn, ['worker-1']);
    if (!taken) throw new Error('no task');

    await waitForStatus(executionArn, 'TIMED_OUT', 5_000);
    // SendTaskSuccess API reference, Errors: TaskTimedOut.
    await expect(succeed(taken.token, {})).rejects.toBeInstanceOf(TaskTimedOut);
    expect((await local.sfn.send(new GetActivityTaskCommand({ activityArn }))).taskToken).toBeUndefined();
  });

  it('closes the task of a Parallel branch when another branch fails', async () => {
    const activityArn = await createActivity();
    const followArn = await createActivity();
    const stateMachineArn = await createMachine({
      StartAt: 'Both',
      States: {
        Follow: { Type: 'Task', Resource: followArn, End: true },
        Both: {
          Type: 'Parallel',
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Follow' }],
          Next: 'Follow',
          Branches: [
            { StartAt: 'Wait', States: { Wait: { Type: 'Task', Resource: activityArn, End: true } } },
            { StartAt: 'Ask', States: { Ask: { Type: 'Task', Resource: activityArn, End: true } } },
          ],
        },
      },
    });
    const executionArn = await start(stateMachineArn, {});
    const [first, second] = pair(await takeTasks(activityArn, ['worker-1', 'worker-2']));

    await local.sfn.send(new SendTaskFailureCommand({ taskToken: first.token, error: 'Broken' }));
    // "Parallel state": if any branch fails, the entire Parallel state fails and all its branches are stopped.
    await expect(succeed(second.token, {})).rejects.toBeInstanceOf(TaskDoesNotExist);
    expect((await local.describeExecution(executionArn)).status).toBe('RUNNING');
    const [follow] = await takeTasks(followArn, ['worker-3']);
    expect(follow?.input).toMatchObject({ Error: 'Broken' });
  });
});

describe('concurrent iterations running the same activity state', () => {
  it('keep their own attempt counts and read TimeoutSecondsPath from their own state input', async () => {
    // Parameters drop the timeout from the task input, so only each iteration's raw state input holds it.
    const { activityArn, stateMachineArn } = await mapWorkflow({
      ask: { TimeoutSecondsPath: '$.timeout', Parameters: { 'approver.$': '$.approver' } },
    });
    const executionArn = await start(stateMachineArn, {
      items: [
        { approver: 'ana', timeout: 1 },
        { approver: 'ben', timeout: 30 },
      ],
    });
    const tasks = await takeTasks(activityArn, ['worker-1', 'worker-2']);
    const ben = tasks.find((task) => (task.input as { approver?: string }).approver === 'ben');
    if (!ben) throw new Error('no task for ben');

    // ana's task times out after its own 1 s and fails the Map; ben's 30 s would not have.
    const execution = await waitForStatus(executionArn, 'FAILED', 5_000);
    expect(execution.error).toBe('States.Timeout');
    const scheduled = byType(await history(executionArn), 'ActivityScheduled').map((event) => ({
      approver: (JSON.parse(event.activityScheduledEventDetails?.input ?? 'null') as { approver: string }).approver,
      timeout: event.activityScheduledEventDetails?.timeoutInSeconds,
    }));
    expect(scheduled.sort((a, b) => a.approver.localeCompare(b.approver))).toEqual([
      { approver: 'ana', timeout: 1 },
      { approver: 'ben', timeout: 30 },
    ]);
    await expect(succeed(ben.token, {})).rejects.toBeInstanceOf(TaskDoesNotExist);
    // Each iteration's first task is its attempt 1.
    const scheduledLines = local.logLines.filter(
      (line) => line.startsWith('activity task scheduled') && line.includes(executionArn.split(':').at(-1) ?? ''),
    );
    expect(scheduledLines).toHaveLength(2);
    for (const line of scheduledLines) expect(line).toMatch(/Map AskAll iteration [01], state Ask, attempt 1\)$/);
  });
});

describe('the history of concurrent iterations', () => {
  it('ties each ActivityStarted to its ActivityScheduled and each closing event to its ActivityStarted', async () => {
    const { activityArn, stateMachineArn } = await mapWorkflow();
    const executionArn = await start(stateMachineArn, { items: ['ana', 'ben', 'cy'] });
    // Taken in one order and closed in another, so the events of the three tasks interleave.
    const tasks = await takeTasks(activityArn, ['worker-ana', 'worker-ben', 'worker-cy']);
    const named = (name: string): Taken => {
      const task = tasks.find((candidate) => candidate.input === name);
      if (!task) throw new Error(`no task for ${name}`);
      return task;
    };
    await succeed(named('cy').token, { by: 'cy' });
    await sleep(20);
    await local.sfn.send(new SendTaskHeartbeatCommand({ taskToken: named('ana').token }));
    await succeed(named('ana').token, { by: 'ana' });
    await succeed(named('ben').token, { by: 'ben' });
    await waitForStatus(executionArn, 'SUCCEEDED');

    const events = await history(executionArn);
    const byId = new Map(events.map((event) => [event.id, event]));
    for (const closing of byType(events, 'ActivitySucceeded')) {
      const by = (JSON.parse(closing.activitySucceededEventDetails?.output ?? 'null') as { by: string }).by;
      // GetExecutionHistory API reference: previousEventId, the id of the previous event. AWS points it at the task's own ActivityStarted.
      const started = byId.get(closing.previousEventId);
      expect(started?.type).toBe('ActivityStarted');
      const worker = started?.activityStartedEventDetails?.workerName ?? '';
      const scheduled = byId.get(started?.previousEventId);
      expect(scheduled?.type).toBe('ActivityScheduled');
      expect(JSON.parse(scheduled?.activityScheduledEventDetails?.input ?? 'null')).toBe(named(by).input);
      expect(worker).toBe(named(by).workerName);
    }
    expect(byType(events, 'ActivitySucceeded')).toHaveLength(3);
    // Events that are not an activity's own still follow the event before them; the first state follows from nothing (as recorded on AWS).
    for (const event of events.filter((candidate) => !['ActivityStarted', 'ActivitySucceeded'].includes(candidate.type ?? ''))) {
      if (event.type === 'ExecutionStarted' || event.id === 2) continue;
      expect(event.previousEventId).toBe((event.id ?? 0) - 1);
    }
  });
});
