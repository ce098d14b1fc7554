import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  DeleteActivityCommand,
  DescribeActivityCommand,
  GetActivityTaskCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
} from '@aws-sdk/client-sfn';
import { ROLE_ARN, useLocalStepFunctions } from '../support/use-local-step-functions';
import { type RecordedEvent, type RecordedHistory, type Recording, recordedShape, recording } from './recordings';

/** Activity tasks on our local endpoint against the histories and errors AWS gave for the same scenarios. */

const local = useLocalStepFunctions();
const { uniqueName, start, waitForStatus, history } = local;

const ACTIVITY_RECORDINGS = 'activity-tasks.json';
const INPUT = { Value1: 'HelloWorld' };
/** The worker name the recordings carry. */
const RECORDED_WORKER = 'BASE_ID_ACTIVITY_CONSUMER';

interface ActivityMachine {
  readonly activityArn: string;
  readonly stateMachineArn: string;
}

/** One Task state named ActivityTask on a fresh activity, as in the recorded scenarios. */
async function activityMachine(taskFields: Record<string, unknown> = {}): Promise<ActivityMachine> {
  const { activityArn } = await local.sfn.send(new CreateActivityCommand({ name: uniqueName('activity') }));
  if (activityArn === undefined) throw new Error('CreateActivity returned no ARN');
  const definition = {
    StartAt: 'ActivityTask',
    States: { ActivityTask: { Type: 'Task', Resource: activityArn, End: true, ...taskFields } },
  };
  const { stateMachineArn } = await local.sfn.send(
    new CreateStateMachineCommand({ name: uniqueName('machine'), definition: JSON.stringify(definition), roleArn: ROLE_ARN }),
  );
  if (stateMachineArn === undefined) throw new Error('CreateStateMachine returned no ARN');
  return { activityArn, stateMachineArn };
}

async function takeTask(activityArn: string, workerName: string | undefined): Promise<string> {
  for (let poll = 0; poll < 5; poll++) {
    const { taskToken } = await local.sfn.send(
      new GetActivityTaskCommand({ activityArn, ...(workerName === undefined ? {} : { workerName }) }),
    );
    if (taskToken !== undefined) return taskToken;
  }
  throw new Error(`No task on ${activityArn}`);
}

async function ourHistory(executionArn: string, machine: ActivityMachine): Promise<RecordedEvent[]> {
  return recordedShape(await history(executionArn), { [machine.activityArn]: 'activity_arn', [ROLE_ARN]: 'snf_role_arn' });
}

describe('an activity task, as recorded on AWS', () => {
  it.each([
    ['succeeds: the same events, ids, previous ids and details', 'test_activity_task', {}, RECORDED_WORKER],
    [
      'shows TimeoutSeconds and HeartbeatSeconds in ActivityScheduled',
      'test_activity_task_with_heartbeat',
      { TimeoutSeconds: 60, HeartbeatSeconds: 10 },
      RECORDED_WORKER,
    ],
    ['records ActivityStarted with empty details for a worker without a name', 'test_activity_task_no_worker_name', {}, undefined],
  ] as const)('%s (%s)', async (_behaviour, test, taskFields, workerName) => {
    const recorded = recording<RecordedHistory>(ACTIVITY_RECORDINGS, test);
    const machine = await activityMachine(taskFields);
    const executionArn = await start(machine.stateMachineArn, INPUT);
    const token = await takeTask(machine.activityArn, workerName);

    await local.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(INPUT) }));
    await waitForStatus(executionArn, 'SUCCEEDED');

    expect(await ourHistory(executionArn, machine)).toEqual(recorded.events);
  });

  it('fails with the worker error and cause in ActivityFailed and ExecutionFailed (test_activity_task_failure)', async () => {
    const recorded = recording<RecordedHistory>(ACTIVITY_RECORDINGS, 'test_activity_task_failure');
    const machine = await activityMachine();
    const executionArn = await start(machine.stateMachineArn, INPUT);
    const token = await takeTask(machine.activityArn, RECORDED_WORKER);

    await local.sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'Programmatic Error', cause: JSON.stringify(INPUT) }));
    const described = await waitForStatus(executionArn, 'FAILED');

    expect(await ourHistory(executionArn, machine)).toEqual(recorded.events);
    expect(described).toMatchObject({ error: 'Programmatic Error', cause: JSON.stringify(INPUT) });
  });

  it('times out with States.Timeout and no cause, in ActivityTimedOut and ExecutionFailed (test_activity_task_start_timeout)', async () => {
    const recorded = recording<RecordedHistory>(ACTIVITY_RECORDINGS, 'test_activity_task_start_timeout');
    // The recording used TimeoutSeconds 5; 1 keeps the test short, and the expected event says 1 too.
    const expected = recorded.events.map((event) =>
      event.type === 'ActivityScheduled'
        ? { ...event, activityScheduledEventDetails: { ...(event.activityScheduledEventDetails as object), timeoutInSeconds: 1 } }
        : event,
    );
    const machine = await activityMachine({ TimeoutSeconds: 1 });
    const executionArn = await start(machine.stateMachineArn, INPUT);
    await takeTask(machine.activityArn, RECORDED_WORKER);

    const described = await waitForStatus(executionArn, 'FAILED', 5_000);

    expect(await ourHistory(executionArn, machine)).toEqual(expected);
    expect(described.error).toBe('States.Timeout');
    expect(described.cause).toBeUndefined();
  });

  it('fails the execution with States.Runtime when the activity was deleted (test_activity_task_on_deleted)', async () => {
    const recorded = recording<RecordedHistory>(ACTIVITY_RECORDINGS, 'test_activity_task_on_deleted');
    const machine = await activityMachine();
    await local.sfn.send(new DeleteActivityCommand({ activityArn: machine.activityArn }));

    const executionArn = await start(machine.stateMachineArn, INPUT);
    await waitForStatus(executionArn, 'FAILED');

    expect(await ourHistory(executionArn, machine)).toEqual(recorded.events);
  });
});

interface RecordedApiError extends Recording {
  readonly [response: string]: unknown;
}

describe('activity API errors, as recorded on AWS', () => {
  const errors = 'activity-api-errors.json';

  it.each([
    ['GetActivityTask', 'test_get_activity_task_deleted'],
    ['DescribeActivity', 'test_describe_deleted_activity'],
  ])('%s on a deleted activity answers 400 ActivityDoesNotExist naming the ARN (%s)', async (operation, test) => {
    const recorded = recording<RecordedApiError>(errors, test).no_such_activity as {
      Error: { Code: string; Message: string };
      HTTPStatusCode: number;
    };
    const { activityArn } = await local.sfn.send(new CreateActivityCommand({ name: uniqueName('deleted') }));
    if (activityArn === undefined) throw new Error('CreateActivity returned no ARN');
    await local.sfn.send(new DeleteActivityCommand({ activityArn }));

    const call =
      operation === 'GetActivityTask'
        ? local.sfn.send(new GetActivityTaskCommand({ activityArn }))
        : local.sfn.send(new DescribeActivityCommand({ activityArn }));
    const error = await call.then(
      () => undefined,
      (thrown: unknown) => thrown as { name: string; message: string; $metadata: { httpStatusCode?: number } },
    );

    expect(error?.name).toBe(recorded.Error.Code);
    expect(error?.message.split(activityArn).join('activity_arn')).toBe(recorded.Error.Message);
    expect(error?.$metadata.httpStatusCode).toBe(recorded.HTTPStatusCode);
  });

  it.each([
    ['GetActivityTask', 'test_get_activity_task_invalid_arn'],
    ['DescribeActivity', 'test_describe_activity_invalid_arn'],
  ])('%s with a malformed ARN answers InvalidArn with the message AWS gives (%s)', async (operation, test) => {
    const recorded = recording<RecordedApiError>(errors, test).exception as { exception_typename: string; exception_value: string };
    const activityArn = 'no_an_activity_arn';

    const call =
      operation === 'GetActivityTask'
        ? local.sfn.send(new GetActivityTaskCommand({ activityArn }))
        : local.sfn.send(new DescribeActivityCommand({ activityArn }));
    const error = await call.then(
      () => undefined,
      (thrown: unknown) => thrown as { name: string; message: string },
    );

    expect(error?.name).toBe(recorded.exception_typename);
    // The recording is botocore's rendering: "An error occurred (Code) when calling the Op operation: <message>".
    expect(`An error occurred (${error?.name}) when calling the ${operation} operation: ${error?.message}`).toBe(recorded.exception_value);
  });
});

describe('a missed heartbeat, as recorded on AWS', () => {
  it('closes the task as States.Timeout with no cause, and so fails the execution (test_heartbeat_timeout)', async () => {
    // Recorded on a callback task (TaskTimedOut); an activity task reports the same in ActivityTimedOut.
    const recorded = recording<RecordedHistory>('heartbeat-timeouts.json', 'test_heartbeat_timeout');
    const recordedTimeout = recorded.events.find((event) => event.type === 'TaskTimedOut')?.taskTimedOutEventDetails as { error: string };
    const recordedFailure = recorded.events.find((event) => event.type === 'ExecutionFailed')?.executionFailedEventDetails;
    const machine = await activityMachine({ TimeoutSeconds: 600, HeartbeatSeconds: 1 });
    const executionArn = await start(machine.stateMachineArn, INPUT);
    await takeTask(machine.activityArn, RECORDED_WORKER);

    await waitForStatus(executionArn, 'FAILED', 5_000);

    const events = await ourHistory(executionArn, machine);
    expect(events.find((event) => event.type === 'ActivityTimedOut')?.activityTimedOutEventDetails).toEqual({
      error: recordedTimeout.error,
    });
    expect(events.find((event) => event.type === 'ExecutionFailed')?.executionFailedEventDetails).toEqual(recordedFailure);
  });
});
