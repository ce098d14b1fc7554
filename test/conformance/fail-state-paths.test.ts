import { CreateStateMachineCommand } from '@aws-sdk/client-sfn';
import { ROLE_ARN, useLocalStepFunctions } from '../support/use-local-step-functions';
import { type RecordedHistory, recordedShape, recording } from './recordings';

/**
 * A Fail state whose ErrorPath or CausePath finds nothing, on our local endpoint, against the
 * histories AWS recorded: the execution fails with States.Runtime naming the state, the field and
 * the path. A parent that reads a child's Error or Cause with these paths meets this whenever the
 * field is absent (a timed-out child has neither: see execution-timeout.test.ts).
 */

const local = useLocalStepFunctions();
const { uniqueName, start, waitForStatus, history } = local;

const RECORDINGS = 'fail-state-paths.json';
const INPUT = { 'int-literal': 0 };

async function failingMachine(failFields: Record<string, unknown>): Promise<string> {
  const definition = {
    StartAt: 'pass',
    States: {
      pass: { Type: 'Pass', Result: { Error: 'error-value' }, Next: 'fail' },
      fail: { Type: 'Fail', ...failFields },
    },
  };
  const { stateMachineArn } = await local.sfn.send(
    new CreateStateMachineCommand({ name: uniqueName('fail'), definition: JSON.stringify(definition), roleArn: ROLE_ARN }),
  );
  if (stateMachineArn === undefined) throw new Error('CreateStateMachine returned no ARN');
  return stateMachineArn;
}

describe('a Fail state path that finds nothing, as recorded on AWS', () => {
  it.each([
    ['ErrorPath', 'test_invalid_jsonpath[INVALID_JSONPATH_IN_ERRORPATH]', { ErrorPath: '$.ErrorX', Cause: 'cause-value' }],
    ['CausePath', 'test_invalid_jsonpath[ST.INVALID_JSONPATH_IN_CAUSEPATH]', { Error: 'error-value', CausePath: '$.NoSuchCausePath' }],
  ])('%s: the execution fails with States.Runtime naming the field and the path (%s)', async (_field, test, failFields) => {
    const recorded = recording<RecordedHistory>(RECORDINGS, test);
    const stateMachineArn = await failingMachine(failFields);

    const executionArn = await start(stateMachineArn, INPUT);
    await waitForStatus(executionArn, 'FAILED');

    // The recording replaced the state's input in the cause by a placeholder.
    const events = recordedShape(await history(executionArn), { [ROLE_ARN]: 'snf_role_arn', '{"Error":"error-value"}': '<json-input:1>' });
    expect(events).toEqual(recorded.events);
  });
});
