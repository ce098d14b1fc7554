import { startLocalEvents } from '../../local/events/server';
import { EVENT_PAYLOAD_LIMIT_BYTES, executionStatusChangeEvent } from '../../local/events/step-functions-events';

/**
 * The "Step Functions Execution Status Change" event against the documented examples ("EventBridge
 * (CloudWatch Events) for Step Functions execution status changes",
 * https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html: "Execution Started",
 * "Execution Succeeded", "Execution Failed", and "EventBridge payloads" for the 248 KB rule) and
 * the fields AWS sent as LocalStack recorded them (github.com/localstack/localstack,
 * tests/aws/services/stepfunctions/v2/base/test_base.snapshot.json, test_event_bridge_events_base,
 * commit 8b9a79f05846835cf4dff63ab7eefdde9df83783).
 */

// The documented examples' names.
const EXECUTION_ARN = 'arn:aws:states:us-east-1:012345678912:execution:state-machine-name:execution-name';
const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:012345678912:stateMachine:state-machine';
const execution = { executionArn: EXECUTION_ARN, stateMachineArn: STATE_MACHINE_ARN, name: 'execution-name' };

/** The detail's fields, in the order AWS sent them (recorded). */
const RECORDED_DETAIL_FIELDS = [
  'executionArn',
  'stateMachineArn',
  'name',
  'status',
  'startDate',
  'stopDate',
  'input',
  'output',
  'stateMachineVersionArn',
  'stateMachineAliasArn',
  'redriveCount',
  'redriveDate',
  'redriveStatus',
  'redriveStatusReason',
  'inputDetails',
  'outputDetails',
  'error',
  'cause',
];

describe('executionStatusChangeEvent', () => {
  it('is the documented "Execution Started" event, with the recorded fields, null where nothing is known', () => {
    const event = executionStatusChangeEvent({ ...execution, status: 'RUNNING', startDate: new Date(1551225271984), input: '{}' });

    expect(event).toEqual({
      source: 'aws.states',
      detailType: 'Step Functions Execution Status Change',
      resources: [EXECUTION_ARN],
      detail: {
        executionArn: EXECUTION_ARN,
        stateMachineArn: STATE_MACHINE_ARN,
        name: 'execution-name',
        status: 'RUNNING',
        startDate: 1551225271984,
        stopDate: null,
        input: '{}',
        output: null,
        stateMachineVersionArn: null,
        stateMachineAliasArn: null,
        redriveCount: 0,
        redriveDate: null,
        redriveStatus: 'NOT_REDRIVABLE',
        redriveStatusReason: 'Execution is RUNNING and cannot be redriven',
        inputDetails: { included: true },
        outputDetails: null,
        error: null,
        cause: null,
      },
    });
    expect(Object.keys(event.detail)).toEqual(RECORDED_DETAIL_FIELDS);
  });

  it('is the documented "Execution Succeeded" event: the output as a JSON string, included', () => {
    const { detail } = executionStatusChangeEvent({
      ...execution,
      status: 'SUCCEEDED',
      startDate: new Date(1547148840101),
      stopDate: new Date(1547148840122),
      input: '{}',
      output: '"Hello World!"',
    });

    expect(detail).toMatchObject({
      status: 'SUCCEEDED',
      startDate: 1547148840101,
      stopDate: 1547148840122,
      input: '{}',
      output: '"Hello World!"',
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
      inputDetails: { included: true },
      outputDetails: { included: true },
      error: null,
      cause: null,
    });
  });

  it.each(['FAILED', 'TIMED_OUT', 'ABORTED'] as const)('is the documented %s event: no output, error and cause, redrivable', (status) => {
    const { detail } = executionStatusChangeEvent({
      ...execution,
      status,
      startDate: new Date(1551225146847),
      stopDate: new Date(1551225151881),
      input: '{}',
      output: '{"ignored":true}',
      error: 'Approval.Rejected',
      cause: 'Rejected by ana.silva@example.com',
    });

    expect(detail).toMatchObject({
      status,
      stopDate: 1551225151881,
      output: null,
      outputDetails: null,
      redriveStatus: 'REDRIVABLE',
      redriveStatusReason: null,
      error: 'Approval.Rejected',
      cause: 'Rejected by ana.silva@example.com',
    });
  });

  describe('the 248 KB rule of "EventBridge payloads"', () => {
    /** A JSON string payload whose escaped form (quotes and all) takes `bytes` bytes. */
    const payloadOfEscapedSize = (bytes: number): string => JSON.stringify('x'.repeat(bytes - 6));
    const succeeded = (input: string, output: string) =>
      executionStatusChangeEvent({ ...execution, status: 'SUCCEEDED', startDate: new Date(), stopDate: new Date(), input, output }).detail;

    it('keeps input and output whose escaped sizes add up to 248 KB', () => {
      const input = payloadOfEscapedSize(EVENT_PAYLOAD_LIMIT_BYTES - 100 * 1024);
      const output = payloadOfEscapedSize(100 * 1024);

      expect(Buffer.byteLength(JSON.stringify(input)) + Buffer.byteLength(JSON.stringify(output))).toBe(248 * 1024);
      expect(succeeded(input, output)).toMatchObject({
        input,
        output,
        inputDetails: { included: true },
        outputDetails: { included: true },
      });
    });

    it('leaves out the input when input and output together exceed 248 KB', () => {
      const input = payloadOfEscapedSize(EVENT_PAYLOAD_LIMIT_BYTES - 100 * 1024 + 1);
      const output = payloadOfEscapedSize(100 * 1024);

      expect(succeeded(input, output)).toMatchObject({
        input: null,
        output,
        inputDetails: { included: false },
        outputDetails: { included: true },
      });
    });

    it('leaves out an output that alone exceeds 248 KB, and the input with it', () => {
      const output = payloadOfEscapedSize(EVENT_PAYLOAD_LIMIT_BYTES + 1);

      expect(succeeded('{}', output)).toMatchObject({
        input: null,
        output: null,
        inputDetails: { included: false },
        outputDetails: { included: false },
      });
    });
  });

  it('becomes an event shaped as the documented examples once published', async () => {
    const events = await startLocalEvents({ port: 0, region: 'us-east-1', accountId: '012345678912' });
    try {
      const published = events.publish({
        ...executionStatusChangeEvent({ ...execution, status: 'RUNNING', startDate: new Date(1551225271984), input: '{}' }),
        time: new Date('2019-02-26T19:42:21.480Z'),
      });

      expect(Object.keys(published)).toEqual([
        'version',
        'id',
        'detail-type',
        'source',
        'account',
        'time',
        'region',
        'resources',
        'detail',
      ]);
      expect(published).toMatchObject({
        version: '0',
        'detail-type': 'Step Functions Execution Status Change',
        source: 'aws.states',
        account: '012345678912',
        time: '2019-02-26T19:42:21Z',
        region: 'us-east-1',
        resources: [EXECUTION_ARN],
      });
    } finally {
      await events.close();
    }
  });
});
