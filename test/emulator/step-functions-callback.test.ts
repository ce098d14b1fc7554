import { CreateStateMachineCommand, GetExecutionHistoryCommand, ListExecutionsCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { ROLE_ARN, useLocalStepFunctions } from '../support/use-local-step-functions';

jest.setTimeout(30_000);

const local = useLocalStepFunctions();
const { uniqueName, start, waitForStatus, describeExecution } = local;

/**
 * `arn:aws:states:::states:startExecution.waitForTaskToken` and the AWS SDK integration
 * `aws-sdk:sfn:sendTaskSuccess` / `sendTaskFailure` on the local endpoint. What they follow:
 * - AWS Step Functions Developer Guide, "Service integration patterns", Wait for a Callback with
 *   Task Token: the task token is in the context object (`$$.Task.Token`) and the state pauses
 *   "until it receives the task token back with a SendTaskSuccess or SendTaskFailure call";
 *   SendTaskSuccess's output is the state's result, SendTaskFailure's error and cause are the
 *   state's error and cause; HeartbeatSeconds / TimeoutSeconds end a wait nobody answers.
 * - Same guide, "Start a new AWS Step Functions state machine from a running execution": the
 *   `.waitForTaskToken` form of StartExecution passes the token in the child's Input.
 * - History as recorded on AWS (LocalStack test_heartbeats, test/conformance/recordings/heartbeat-timeouts.json):
 *   TaskScheduled with the clocks, TaskStarted, TaskSubmitted, then TaskSucceeded / TaskFailed / TaskTimedOut.
 */

const CALLBACK = 'arn:aws:states:::states:startExecution.waitForTaskToken';

async function createMachine(definition: unknown): Promise<string> {
  const { stateMachineArn } = await local.sfn.send(
    new CreateStateMachineCommand({ name: uniqueName('machine'), definition: JSON.stringify(definition), roleArn: ROLE_ARN }),
  );
  if (stateMachineArn === undefined) throw new Error('CreateStateMachine returned no ARN');
  return stateMachineArn;
}

/** A child that answers its parent's token from its input (`$.parentToken`) with SendTaskSuccess or SendTaskFailure, as `$.answer` says. */
function answeringChild(): Promise<string> {
  return createMachine({
    StartAt: 'How',
    States: {
      How: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.answer', StringEquals: 'success', Next: 'Succeed' },
          { Variable: '$.answer', StringEquals: 'failure', Next: 'Fail' },
        ],
        Default: 'Silent',
      },
      Succeed: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:sfn:sendTaskSuccess',
        Parameters: { 'TaskToken.$': '$$.Execution.Input.parentToken', 'Output.$': 'States.JsonToString($.result)' },
        End: true,
      },
      Fail: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:sfn:sendTaskFailure',
        Parameters: { 'TaskToken.$': '$$.Execution.Input.parentToken', Error: 'Rejected', Cause: '{"decision":"rejected"}' },
        End: true,
      },
      Silent: { Type: 'Pass', End: true },
    },
  });
}

function parentOf(childArn: string, fields: Record<string, unknown> = {}): Promise<string> {
  return createMachine({
    StartAt: 'Child',
    States: {
      Child: {
        Type: 'Task',
        Resource: CALLBACK,
        Parameters: {
          StateMachineArn: childArn,
          Input: { 'answer.$': '$.answer', 'parentToken.$': '$$.Task.Token', result: { ok: true } },
        },
        End: true,
        ...fields,
      },
      ...(fields.Catch === undefined ? {} : { Rejected: { Type: 'Pass', End: true } }),
    },
  });
}

async function historyTypes(executionArn: string): Promise<string[]> {
  const { events } = await local.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
  return (events ?? []).map((event) => event.type ?? '');
}

describe('states:startExecution.waitForTaskToken', () => {
  it('hands the child a token and succeeds with the output the child sends through aws-sdk:sfn:sendTaskSuccess', async () => {
    const parentArn = await parentOf(await answeringChild());
    const executionArn = await start(parentArn, { answer: 'success' });

    const execution = await waitForStatus(executionArn, 'SUCCEEDED');

    expect(JSON.parse(execution.output ?? 'null')).toEqual({ ok: true });
    expect(await historyTypes(executionArn)).toEqual(
      expect.arrayContaining(['TaskScheduled', 'TaskStarted', 'TaskSubmitted', 'TaskSucceeded', 'ExecutionSucceeded']),
    );
  });

  it('fails with the error and cause the child sends through aws-sdk:sfn:sendTaskFailure, which a Catch matches by name', async () => {
    const parentArn = await parentOf(await answeringChild(), {
      Catch: [{ ErrorEquals: ['Rejected'], ResultPath: '$.failure', Next: 'Rejected' }],
    });
    const executionArn = await start(parentArn, { answer: 'failure' });

    const execution = await waitForStatus(executionArn, 'SUCCEEDED');

    expect(JSON.parse(execution.output ?? 'null')).toMatchObject({ failure: { Error: 'Rejected', Cause: '{"decision":"rejected"}' } });
  });

  it("puts the task token, not the context object's placeholder, in the child's input and the TaskScheduled parameters", async () => {
    const childArn = await answeringChild();
    const parentArn = await parentOf(childArn, { TimeoutSeconds: 5 });
    const executionArn = await start(parentArn, { answer: 'none' });
    let childExecution: string | undefined;
    for (let attempt = 0; attempt < 50 && childExecution === undefined; attempt++) {
      childExecution = (await local.sfn.send(new ListExecutionsCommand({ stateMachineArn: childArn }))).executions?.[0]?.executionArn;
      if (childExecution === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const input = JSON.parse((await describeExecution(childExecution ?? '')).input ?? '{}') as { parentToken: string };

    expect(input.parentToken).toMatch(/^[A-Za-z0-9+/]{700,}={0,2}$/);
    const { events } = await local.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    const scheduled = events?.find((event) => event.type === 'TaskScheduled')?.taskScheduledEventDetails;
    expect(scheduled).toMatchObject({ resource: 'startExecution.waitForTaskToken', resourceType: 'states', timeoutInSeconds: 5 });
    expect(JSON.parse(scheduled?.parameters ?? '{}')).toMatchObject({ Input: { parentToken: input.parentToken } });

    // The token is answerable from outside, as on AWS.
    await local.sfn.send(new SendTaskSuccessCommand({ taskToken: input.parentToken, output: '{"late":true}' }));
    expect(JSON.parse((await waitForStatus(executionArn, 'SUCCEEDED')).output ?? 'null')).toEqual({ late: true });
  });

  it('waits for the callback, not for the child: a child that ends without answering leaves the task to its TimeoutSeconds', async () => {
    const parentArn = await parentOf(await answeringChild(), { TimeoutSeconds: 1 });
    const executionArn = await start(parentArn, { answer: 'none' });

    const execution = await waitForStatus(executionArn, 'FAILED', 5_000);

    expect(execution.error).toBe('States.Timeout');
    expect(await historyTypes(executionArn)).toContain('TaskTimedOut');
  });

  it('fails the answering state with Sfn.TaskTimedOutException once the parent timed out waiting, for its Catch', async () => {
    const child = await createMachine({
      StartAt: 'Answer',
      States: {
        Answer: {
          Type: 'Task',
          Resource: 'arn:aws:states:::aws-sdk:sfn:sendTaskSuccess',
          Parameters: { 'TaskToken.$': '$.token', Output: '{}' },
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Done' }],
          End: true,
        },
        Done: { Type: 'Pass', End: true },
      },
    });
    const parentArn = await parentOf(await answeringChild(), { TimeoutSeconds: 1 });
    const parentExecution = await start(parentArn, { answer: 'none' });
    await waitForStatus(parentExecution, 'FAILED', 5_000);
    const { events } = await local.sfn.send(new GetExecutionHistoryCommand({ executionArn: parentExecution }));
    const parameters = JSON.parse(
      events?.find((event) => event.type === 'TaskScheduled')?.taskScheduledEventDetails?.parameters ?? '{}',
    ) as {
      Input: { parentToken: string };
    };

    const answered = await waitForStatus(await start(child, { token: parameters.Input.parentToken }), 'SUCCEEDED');

    const { failure } = JSON.parse(answered.output ?? 'null') as { failure: { Error: string; Cause: string } };
    expect(failure.Error).toBe('Sfn.TaskTimedOutException');
    expect(failure.Cause).not.toContain(parameters.Input.parentToken);
  });
});
