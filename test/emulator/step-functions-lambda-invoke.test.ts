import { CreateStateMachineCommand } from '@aws-sdk/client-sfn';
import type { JsonValue } from '../../local/step-functions/interpreter';
import { lambdaFunctionError, lambdaUnknownError } from '../../local/step-functions/lambda-errors';
import { ROLE_ARN, useLocalStepFunctions } from '../support/use-local-step-functions';

jest.setTimeout(30_000);

const local = useLocalStepFunctions();
const { uniqueName, start, waitForStatus } = local;

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:local-test-function';

async function invokeMachine(task: Record<string, unknown>): Promise<string> {
  const definition = {
    StartAt: 'Invoke',
    States: {
      Invoke: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: FUNCTION_ARN, 'Payload.$': '$' },
        End: true,
        ...task,
      },
      ...('Catch' in task ? { Handled: { Type: 'Pass', End: true } } : {}),
    },
  };
  const { stateMachineArn } = await local.sfn.send(
    new CreateStateMachineCommand({ name: uniqueName('invoke'), definition: JSON.stringify(definition), roleArn: ROLE_ARN }),
  );
  if (stateMachineArn === undefined) throw new Error('CreateStateMachine returned no ARN');
  return stateMachineArn;
}

describe('a synchronous lambda:invoke whose function fails', () => {
  it('fails with the error type the function threw, and its error payload as cause, for Retry and Catch', async () => {
    let calls = 0;
    local.endpoint.engine.registerLambdaFunction(FUNCTION_ARN, (payload: JsonValue) => {
      calls++;
      return Promise.reject(
        lambdaFunctionError({ errorType: 'CustomError', errorMessage: `refused ${JSON.stringify(payload)}`, trace: ['at handler'] }),
      );
    });
    const stateMachineArn = await invokeMachine({
      Retry: [{ ErrorEquals: ['CustomError'], IntervalSeconds: 1, MaxAttempts: 1 }],
      Catch: [{ ErrorEquals: ['CustomError'], ResultPath: '$.failure', Next: 'Handled' }],
    });

    const execution = await waitForStatus(await start(stateMachineArn, { n: 1 }), 'SUCCEEDED', 10_000);

    // "Invoke Lambda with Step Functions": a response with FunctionError fails the task; Retry and Catch match the function's error type.
    expect(calls).toBe(2);
    const { failure } = JSON.parse(execution.output ?? 'null') as { failure: { Error: string; Cause: string } };
    expect(failure.Error).toBe('CustomError');
    expect(JSON.parse(failure.Cause)).toEqual({ errorType: 'CustomError', errorMessage: 'refused {"n":1}', trace: ['at handler'] });
  });

  it('reports a function that timed out as Lambda.Unknown, which States.TaskFailed also matches', async () => {
    local.endpoint.engine.registerLambdaFunction(FUNCTION_ARN, () =>
      Promise.reject(lambdaUnknownError('Task timed out after 3.00 seconds')),
    );
    const uncaught = await invokeMachine({});
    const caught = await invokeMachine({ Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.failure', Next: 'Handled' }] });

    // "Handling errors in Step Functions workflows": unhandled errors, function timeouts included, are reported as Lambda.Unknown.
    const failed = await waitForStatus(await start(uncaught, {}), 'FAILED');
    expect(failed.error).toBe('Lambda.Unknown');
    expect(failed.cause).toContain('Task timed out after 3.00 seconds');
    const handled = await waitForStatus(await start(caught, {}), 'SUCCEEDED');
    expect(JSON.parse(handled.output ?? 'null')).toMatchObject({ failure: { Error: 'Lambda.Unknown' } });
  });
});
