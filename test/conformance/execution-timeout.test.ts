import { CreateStateMachineCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ROLE_ARN, useLocalStepFunctions } from '../support/use-local-step-functions';
import { type Recording, recording } from './recordings';

/**
 * An execution that runs past the machine's TimeoutSeconds, on our local endpoint, against the
 * DescribeExecution AWS gave: TIMED_OUT with no error and no cause. A `.sync` / `.sync:2` parent
 * gets the child's description as its cause, so a timed-out child carries no `Error` there either.
 */

const local = useLocalStepFunctions();
const { uniqueName, waitForStatus } = local;

interface TimeoutRecording extends Recording {
  readonly describeExecution: Record<string, unknown>;
}

describe('a timed-out execution, as recorded on AWS', () => {
  it('is TIMED_OUT with no error and no cause in DescribeExecution (test_global_timeout)', async () => {
    const recorded = recording<TimeoutRecording>('execution-timeout.json', 'test_global_timeout').describeExecution;
    // The recording used TimeoutSeconds 5 over a 60-second Wait; 1 keeps the test short.
    const definition = { TimeoutSeconds: 1, StartAt: 'WaitOneMinute', States: { WaitOneMinute: { Type: 'Wait', Seconds: 60, End: true } } };
    const { stateMachineArn } = await local.sfn.send(
      new CreateStateMachineCommand({ name: uniqueName('timeout'), definition: JSON.stringify(definition), roleArn: ROLE_ARN }),
    );
    const name = uniqueName('execution');
    const { executionArn } = await local.sfn.send(new StartExecutionCommand({ stateMachineArn, name }));
    if (executionArn === undefined) throw new Error('StartExecution returned no ARN');

    const described = await waitForStatus(executionArn, 'TIMED_OUT', 5_000);

    // The fields our clients read; redriveCount and redriveStatus (recorded) are not served locally.
    expect({
      status: described.status,
      error: described.error,
      cause: described.cause,
      input: JSON.parse(described.input ?? 'null') as unknown,
      inputDetails: described.inputDetails,
      name: described.name === name ? '<execution-name>' : described.name,
      stopped: described.stopDate instanceof Date,
    }).toEqual({
      status: recorded.status,
      error: recorded.error,
      cause: recorded.cause,
      input: recorded.input,
      inputDetails: recorded.inputDetails,
      name: recorded.name,
      stopped: recorded.stopDate === 'datetime',
    });
  });
});
