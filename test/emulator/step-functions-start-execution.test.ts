import {
  CreateActivityCommand,
  CreateStateMachineCommand,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  StopExecutionCommand,
  TaskDoesNotExist,
} from '@aws-sdk/client-sfn';
import { ROLE_ARN, useLocalStepFunctions } from '../support/use-local-step-functions';

jest.setTimeout(30_000);

const local = useLocalStepFunctions();
const { uniqueName, start, waitForStatus, describeExecution, succeed, takeTask } = local;

const START_EXECUTION = 'arn:aws:states:::states:startExecution';

async function createMachine(definition: unknown, name = uniqueName('machine')): Promise<string> {
  const { stateMachineArn } = await local.sfn.send(
    new CreateStateMachineCommand({ name, definition: JSON.stringify(definition), roleArn: ROLE_ARN }),
  );
  if (stateMachineArn === undefined) throw new Error('CreateStateMachine returned no ARN');
  return stateMachineArn;
}

async function createActivity(): Promise<string> {
  const { activityArn } = await local.sfn.send(new CreateActivityCommand({ name: uniqueName('activity') }));
  if (activityArn === undefined) throw new Error('CreateActivity returned no ARN');
  return activityArn;
}

/** A parent whose state Child starts `childArn` with the given integration pattern and Parameters. */
function parentDefinition(
  pattern: '' | '.sync' | '.sync:2',
  parameters: Record<string, unknown>,
  fields: Record<string, unknown> = {},
): unknown {
  return {
    StartAt: 'Child',
    States: {
      Child: { Type: 'Task', Resource: `${START_EXECUTION}${pattern}`, Parameters: parameters, End: true, ...fields },
      ...(fields.Catch === undefined ? {} : { Handled: { Type: 'Pass', End: true } }),
    },
  };
}

/** A child that waits on an activity task and returns the worker's output. */
async function waitingChild(): Promise<{ activityArn: string; stateMachineArn: string }> {
  const activityArn = await createActivity();
  const stateMachineArn = await createMachine({ StartAt: 'Wait', States: { Wait: { Type: 'Task', Resource: activityArn, End: true } } });
  return { activityArn, stateMachineArn };
}

/** The (only) execution of the child machine, once the parent has started it. */
async function childOf(parentArn: string, childMachineArn: string): Promise<string> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const { executions } = await local.sfn.send(new ListExecutionsCommand({ stateMachineArn: childMachineArn }));
    const child = executions?.[0]?.executionArn;
    if (child !== undefined) return child;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`No child execution of ${parentArn}`);
}

describe('states:startExecution.sync:2', () => {
  it("returns the child's description with Input and Output as JSON once the child succeeds", async () => {
    const child = await waitingChild();
    const parentArn = await createMachine(
      parentDefinition('.sync:2', {
        StateMachineArn: child.stateMachineArn,
        Input: { release: '42', 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id' },
        'Name.$': '$.childName',
      }),
    );
    const executionArn = await start(parentArn, { childName: 'release-42-approval' });
    const task = await takeTask(child.activityArn);
    // "Start a new state machine from a running execution": the parent's execution ID is an ordinary field of the child's input.
    expect(task.input).toEqual({ release: '42', AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: executionArn });
    expect((await describeExecution(executionArn)).status).toBe('RUNNING');

    await succeed(task.token, { approved: true });
    const execution = await waitForStatus(executionArn, 'SUCCEEDED');

    const childArn = `${child.stateMachineArn.replace(':stateMachine:', ':execution:')}:release-42-approval`;
    const childDescription = await describeExecution(childArn);
    // Same guide: `.sync:2` returns Output as JSON (`.sync` as a string). Assumption (not found in the AWS docs): the other fields are DescribeExecution's, capitalized, dates in epoch milliseconds.
    expect(JSON.parse(execution.output ?? 'null')).toEqual({
      ExecutionArn: childArn,
      Input: { release: '42', AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: executionArn },
      InputDetails: { Included: true },
      Name: 'release-42-approval',
      Output: { approved: true },
      OutputDetails: { Included: true },
      StartDate: childDescription.startDate?.getTime(),
      StateMachineArn: child.stateMachineArn,
      Status: 'SUCCEEDED',
      StopDate: childDescription.stopDate?.getTime(),
    });
  });

  it('fails with States.TaskFailed whose cause carries the child’s own Error and Cause, for the parent’s Catch', async () => {
    const childArn = await createMachine({
      StartAt: 'Decide',
      States: { Decide: { Type: 'Fail', Error: 'Rejected', Cause: '{"decision":"rejected","comment":"Not now"}' } },
    });
    const parentArn = await createMachine(
      parentDefinition(
        '.sync:2',
        { StateMachineArn: childArn, Input: { release: '42' } },
        { Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.failure', Next: 'Handled' }] },
      ),
    );
    const executionArn = await start(parentArn, { release: '42' });
    const execution = await waitForStatus(executionArn, 'SUCCEEDED');

    const { failure } = JSON.parse(execution.output ?? 'null') as { failure: { Error: string; Cause: string } };
    expect(failure.Error).toBe('States.TaskFailed');
    // Assumption (not found in the AWS docs; LocalStack's AWS-recorded integration): the cause is the child's description as JSON.
    expect(JSON.parse(failure.Cause)).toMatchObject({
      Status: 'FAILED',
      Error: 'Rejected',
      Cause: '{"decision":"rejected","comment":"Not now"}',
      StateMachineArn: childArn,
      Input: { release: '42' },
    });
  });

  it('reports a child that timed out as States.TaskFailed with its status', async () => {
    const child = await waitingChild();
    const childArn = await createMachine({
      TimeoutSeconds: 1,
      StartAt: 'Wait',
      States: { Wait: { Type: 'Task', Resource: child.activityArn, End: true } },
    });
    const parentArn = await createMachine(parentDefinition('.sync:2', { StateMachineArn: childArn }));
    const executionArn = await start(parentArn, {});

    const execution = await waitForStatus(executionArn, 'FAILED', 5_000);
    expect(execution.error).toBe('States.TaskFailed');
    const cause = JSON.parse(execution.cause ?? 'null') as Record<string, unknown>;
    expect(cause).toMatchObject({ Status: 'TIMED_OUT' });
    // A timed-out execution's description carries no error and no cause (recorded on AWS: test/conformance/execution-timeout.test.ts).
    expect(cause).not.toHaveProperty('Error');
    expect(cause).not.toHaveProperty('Cause');
  });

  it('stops the child when the parent is stopped', async () => {
    const child = await waitingChild();
    const parentArn = await createMachine(parentDefinition('.sync:2', { StateMachineArn: child.stateMachineArn, Input: {} }));
    const executionArn = await start(parentArn, {});
    const task = await takeTask(child.activityArn);
    const childArn = await childOf(executionArn, child.stateMachineArn);

    await local.sfn.send(new StopExecutionCommand({ executionArn, error: 'Cancelled' }));

    // "Service integration patterns", Run a Job (.sync): an aborted startExecution.sync task calls StopExecution on the child.
    const stopped = await waitForStatus(childArn, 'ABORTED');
    // Assumption (not found in the AWS docs; as Floci measured it): the child is stopped with this cause and no error.
    expect(stopped.cause).toBe(
      `The Task state in AWS Step Functions execution [${executionArn}] which was managing this resource was aborted`,
    );
    expect(stopped.error).toBeUndefined();
    await expect(succeed(task.token, {})).rejects.toBeInstanceOf(TaskDoesNotExist);
    expect((await describeExecution(executionArn)).status).toBe('ABORTED');
  });

  it('stops the child when its Map iteration is stopped by a failing sibling', async () => {
    const child = await waitingChild();
    const failingArn = await createActivity();
    const iteration = {
      StartAt: 'Which',
      States: {
        Which: { Type: 'Choice', Choices: [{ Variable: '$', StringEquals: 'child', Next: 'Child' }], Default: 'Fails' },
        Child: { Type: 'Task', Resource: `${START_EXECUTION}.sync:2`, Parameters: { StateMachineArn: child.stateMachineArn }, End: true },
        Fails: { Type: 'Task', Resource: failingArn, End: true },
      },
    };
    const parentArn = await createMachine({
      StartAt: 'Both',
      States: { Both: { Type: 'Map', ItemsPath: '$.items', ItemProcessor: iteration, End: true } },
    });
    const executionArn = await start(parentArn, { items: ['child', 'other'] });
    await takeTask(child.activityArn);
    const childArn = await childOf(executionArn, child.stateMachineArn);
    const failing = await takeTask(failingArn);

    await local.sfn.send(new SendTaskFailureCommand({ taskToken: failing.token, error: 'Broken' }));

    // Same guide: a .sync task is aborted when an iteration of its Map state fails.
    await waitForStatus(childArn, 'ABORTED');
    expect(await waitForStatus(executionArn, 'FAILED')).toMatchObject({ error: 'Broken' });
  });

  it('fails with States.Timeout and stops the child when the task’s TimeoutSeconds pass', async () => {
    const child = await waitingChild();
    const parentArn = await createMachine(
      parentDefinition(
        '.sync:2',
        { StateMachineArn: child.stateMachineArn },
        { TimeoutSeconds: 1, Catch: [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.failure', Next: 'Handled' }] },
      ),
    );
    const executionArn = await start(parentArn, {});
    const childArn = await childOf(executionArn, child.stateMachineArn);

    const execution = await waitForStatus(executionArn, 'SUCCEEDED', 5_000);
    expect(JSON.parse(execution.output ?? 'null')).toMatchObject({ failure: { Error: 'States.Timeout' } });
    expect((await describeExecution(childArn)).status).toBe('ABORTED');
  });
});

describe('states:startExecution.sync and states:startExecution', () => {
  it('.sync returns Input and Output as JSON text', async () => {
    const childArn = await createMachine({ StartAt: 'Done', States: { Done: { Type: 'Pass', Result: { ok: true }, End: true } } });
    const parentArn = await createMachine(parentDefinition('.sync', { StateMachineArn: childArn, Input: { a: 1 } }));
    const execution = await waitForStatus(await start(parentArn, {}), 'SUCCEEDED');

    // "Start a new state machine from a running execution": `.sync` returns Output as a String.
    expect(JSON.parse(execution.output ?? 'null')).toMatchObject({ Input: '{"a":1}', Output: '{"ok":true}', Status: 'SUCCEEDED' });
  });

  it('the plain integration returns the new execution at once and leaves it running', async () => {
    const child = await waitingChild();
    const parentArn = await createMachine(parentDefinition('', { StateMachineArn: child.stateMachineArn, Input: '{"as":"text"}' }));
    const executionArn = await start(parentArn, {});
    const execution = await waitForStatus(executionArn, 'SUCCEEDED');

    // StartExecution API reference, Response: executionArn and startDate. Assumption (not found in the AWS docs): capitalized, the date in epoch milliseconds.
    const output = JSON.parse(execution.output ?? 'null') as { ExecutionArn: string; StartDate: number };
    expect(Object.keys(output).sort()).toEqual(['ExecutionArn', 'StartDate']);
    expect(typeof output.StartDate).toBe('number');
    // An Input given as a string is the child's input text.
    expect((await describeExecution(output.ExecutionArn)).status).toBe('RUNNING');
    expect((await takeTask(child.activityArn)).input).toEqual({ as: 'text' });
    await local.sfn.send(new StopExecutionCommand({ executionArn: output.ExecutionArn }));
  });

  it('fails with StepFunctions.<Code>Exception when StartExecution refuses the child', async () => {
    const parentArn = await createMachine(
      parentDefinition('.sync:2', { StateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:missing' }),
    );
    const execution = await waitForStatus(await start(parentArn, {}), 'FAILED');
    // Assumption (not found in the AWS docs; LocalStack and Floci name it so): a refused call is StepFunctions.<Code>Exception.
    expect(execution.error).toBe('StepFunctions.StateMachineDoesNotExistException');
  });
});
