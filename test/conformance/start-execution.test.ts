import { CreateActivityCommand, CreateStateMachineCommand, GetActivityTaskCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { ROLE_ARN, useLocalStepFunctions } from '../support/use-local-step-functions';
import { type RecordedEvent, type RecordedHistory, recordedShape, recording } from './recordings';

/**
 * `states:startExecution.sync` / `.sync:2` on our local endpoint against the parent histories AWS
 * recorded for the same scenarios: what a parent (the caller of `approvalTask()`) reads as the
 * task's result, or as its error and cause when the child does not succeed.
 */

const local = useLocalStepFunctions();
const { uniqueName, start, waitForStatus, history } = local;

const RECORDINGS = 'start-execution.json';
/** The placeholders LocalStack's snapshot library put in place of the child's ARNs and dates. */
const CHILD_MACHINE = 'arn:<partition>:states:<region>:111111111111:stateMachine:<ArnPart_0idx>';
const CHILD_EXECUTION = 'arn:<partition>:states:<region>:111111111111:execution:<ArnPart_0idx>:TestStartTarget';
const CHILD_NAME = 'TestStartTarget';

async function createMachine(definition: unknown): Promise<{ arn: string; name: string }> {
  const name = uniqueName('machine');
  const { stateMachineArn } = await local.sfn.send(
    new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE_ARN }),
  );
  if (stateMachineArn === undefined) throw new Error('CreateStateMachine returned no ARN');
  return { arn: stateMachineArn, name };
}

/** A parent whose only state starts the machine named in its input, as in the recorded scenarios. */
function parentDefinition(resource: string): unknown {
  return {
    StartAt: 'StartExecution',
    States: {
      StartExecution: {
        Type: 'Task',
        Resource: resource,
        Parameters: { 'StateMachineArn.$': '$.StateMachineArn', 'Input.$': '$.Input', 'Name.$': '$.Name' },
        End: true,
      },
    },
  };
}

/** Dates become the recording's placeholders once checked to be epoch milliseconds, as the service writes them. */
function withDatePlaceholders(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withDatePlaceholders);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => {
      if (key === 'StartDate' && typeof item === 'number') return [key, 'start-date'];
      if (key === 'StopDate' && typeof item === 'number') return [key, 'stop-date'];
      return [key, withDatePlaceholders(item)];
    }),
  );
}

/**
 * Our parent's history in the recorded shape. The service's TaskSubmitted also carries the
 * StartExecution call's SdkHttpMetadata and SdkResponseMetadata (HTTP headers, request ids): no
 * client of ours reads them, so they are left out of the comparison.
 */
async function parentHistory(executionArn: string, child: { arn: string; name: string }): Promise<RecordedEvent[]> {
  const childExecution = `${child.arn.replace(':stateMachine:', ':execution:')}:${CHILD_NAME}`;
  const events = recordedShape(await history(executionArn), {
    [childExecution]: CHILD_EXECUTION,
    [child.arn]: CHILD_MACHINE,
    [ROLE_ARN]: 'snf_role_arn',
    'us-east-1': '<region>',
  });
  return events.map((event) => withDatePlaceholders(event) as RecordedEvent);
}

/** A payload our endpoint returned (the parent's output, or its cause) in the recorded shape. */
function normalisedPayload(text: string | undefined, child: { arn: string }): unknown {
  const childExecution = `${child.arn.replace(':stateMachine:', ':execution:')}:${CHILD_NAME}`;
  const replaced = (text ?? 'null').split(childExecution).join(CHILD_EXECUTION).split(child.arn).join(CHILD_MACHINE);
  return withDatePlaceholders(JSON.parse(replaced));
}

function withoutSdkMetadata(events: readonly RecordedEvent[]): RecordedEvent[] {
  return events.map((event) => {
    const details = event.taskSubmittedEventDetails as { output: Record<string, unknown> } | undefined;
    if (details === undefined) return event;
    const { SdkHttpMetadata: _http, SdkResponseMetadata: _response, ...output } = details.output;
    return { ...event, taskSubmittedEventDetails: { ...details, output } };
  });
}

async function childExecutionsOf(machineArn: string): Promise<number> {
  const { executions } = await local.sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn }));
  return executions?.length ?? 0;
}

describe('states:startExecution, as recorded on AWS', () => {
  it('.sync:2 returns the child description with Input and Output as JSON (test_start_execution_sync2)', async () => {
    const recorded = recording<RecordedHistory>(RECORDINGS, 'test_start_execution_sync2');
    const child = await createMachine({
      StartAt: 'Result',
      States: { Result: { Type: 'Pass', Result: { Arg1: 'argument1' }, End: true } },
    });
    const parent = await createMachine(parentDefinition('arn:aws:states:::states:startExecution.sync:2'));

    const executionArn = await start(parent.arn, { StateMachineArn: child.arn, Input: null, Name: CHILD_NAME });
    const described = await waitForStatus(executionArn, 'SUCCEEDED');

    expect(await parentHistory(executionArn, child)).toEqual(withoutSdkMetadata(recorded.events));
    const succeeded = recorded.events.find((event) => event.type === 'ExecutionSucceeded')?.executionSucceededEventDetails as {
      output: unknown;
    };
    expect(normalisedPayload(described.output, child)).toEqual(succeeded.output);
  });

  it('.sync fails with States.TaskFailed and the failed child description, its Error and Cause inside (test_start_execution_sync_delegate_failure)', async () => {
    const recorded = recording<RecordedHistory>(RECORDINGS, 'test_start_execution_sync_delegate_failure');
    const child = await createMachine({
      StartAt: 'Fail',
      States: { Fail: { Type: 'Fail', Error: 'SomeFailure', Cause: "This state machines raises a 'SomeFailure' failure." } },
    });
    const parent = await createMachine(parentDefinition('arn:aws:states:::states:startExecution.sync'));

    const executionArn = await start(parent.arn, { StateMachineArn: child.arn, Input: null, Name: CHILD_NAME });
    const described = await waitForStatus(executionArn, 'FAILED');

    const events = await parentHistory(executionArn, child);
    expect(events).toEqual(withoutSdkMetadata(recorded.events));
    // What DescribeExecution gives the parent's caller: the recorded ExecutionFailed error and cause.
    const failed = recorded.events.find((event) => event.type === 'ExecutionFailed')?.executionFailedEventDetails as {
      error: string;
      cause: unknown;
    };
    expect(described.error).toBe(failed.error);
    expect(normalisedPayload(described.cause, child)).toEqual(failed.cause);
    expect(await childExecutionsOf(child.arn)).toBe(1);
  });

  it('.sync fails with States.TaskFailed when the child fails on a task timeout, with no Cause inside (test_start_execution_sync_delegate_timeout)', async () => {
    const recorded = recording<RecordedHistory>(RECORDINGS, 'test_start_execution_sync_delegate_timeout');
    // The recorded child timed out in a Lambda task; ours in an activity task a worker took and never answered.
    const { activityArn } = await local.sfn.send(new CreateActivityCommand({ name: uniqueName('activity') }));
    if (activityArn === undefined) throw new Error('CreateActivity returned no ARN');
    const child = await createMachine({
      StartAt: 'Start',
      States: { Start: { Type: 'Task', Resource: activityArn, TimeoutSeconds: 1, End: true } },
    });
    const parent = await createMachine(parentDefinition('arn:aws:states:::states:startExecution.sync'));

    const executionArn = await start(parent.arn, { StateMachineArn: child.arn, Input: { Payload: null }, Name: CHILD_NAME });
    let taken = false;
    for (let poll = 0; poll < 5 && !taken; poll++) {
      taken = (await local.sfn.send(new GetActivityTaskCommand({ activityArn }))).taskToken !== undefined;
    }
    expect(taken).toBe(true);
    await waitForStatus(executionArn, 'FAILED', 5_000);

    expect(await parentHistory(executionArn, child)).toEqual(withoutSdkMetadata(recorded.events));
  });
});
