import { expect } from '@jest/globals';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { ProbeConfig } from './probe/config';
import { withWorkerHeldOff } from './probe/worker-hold';

const CONFIG: ProbeConfig = {
  stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:HumanApproval',
  activityArn: 'arn:aws:states:us-east-1:123456789012:activity:HumanApproval',
  approvalApiUrl: 'https://abc.execute-api.us-east-1.amazonaws.com/respond/',
  workerFunctionName: 'worker',
  workerSlotsTable: 'slots',
  workerSlotCount: 3,
  reminderIntervalSeconds: 86_400,
};

/** A slot table that records each call, and refuses the put of `failingPut` (0-based), as a throttled DynamoDB would. */
function slotTable(failingPut?: number): { readonly dynamodb: Pick<DynamoDBClient, 'send'>; readonly calls: string[] } {
  const calls: string[] = [];
  let puts = 0;
  const dynamodb = {
    send: (command: { constructor: { name: string }; input: { Key?: { slot?: { S?: string } }; Item?: { slot?: { S?: string } } } }) => {
      const name = command.constructor.name;
      if (name === 'PutItemCommand' && puts++ === failingPut) {
        return Promise.reject(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
      }
      calls.push(`${name} ${command.input.Item?.slot?.S ?? command.input.Key?.slot?.S ?? ''}`);
      return Promise.resolve({});
    },
  } as Pick<DynamoDBClient, 'send'>;
  return { dynamodb, calls };
}

/** Step Functions whose StopExecution fails, as when the probe lost a permission. */
const brokenSfn = {
  send: () => Promise.reject(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' })),
} as unknown as SFNClient;

describe('the probe holding the worker off', () => {
  it('gives back the slots it took when taking the others failed, so the worker is not kept off for ten minutes', async () => {
    const { dynamodb, calls } = slotTable(1);

    await expect(withWorkerHeldOff({ sfn: brokenSfn, dynamodb, config: CONFIG }, {}, () => Promise.resolve({}))).rejects.toThrow(
      'throttled',
    );

    expect(calls.filter((call) => call.startsWith('PutItemCommand'))).toHaveLength(1);
    expect(calls.filter((call) => call.startsWith('DeleteItemCommand'))).toHaveLength(CONFIG.workerSlotCount);
  });

  it('gives back every slot when stopping a started execution fails, then fails: nothing may pass for stopped', async () => {
    const { dynamodb, calls } = slotTable();

    const run = withWorkerHeldOff({ sfn: brokenSfn, dynamodb, config: CONFIG }, { seen: 'no' }, (started) => {
      started.push('arn:aws:states:us-east-1:123456789012:execution:HumanApproval:probe');
      return Promise.resolve({ seen: 'yes' });
    });

    await expect(run).rejects.toThrow('not allowed');
    expect(calls.filter((call) => call.startsWith('DeleteItemCommand'))).toHaveLength(CONFIG.workerSlotCount);
  });
});
