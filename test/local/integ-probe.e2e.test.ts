import { expect } from '@jest/globals';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Pages } from '../../infra/approval-pages';
import { runClickScenario } from '../integ/probe/click-scenario';
import type { ProbeConfig } from '../integ/probe/config';
import { runDeliveryScenario } from '../integ/probe/delivery-scenario';
import { openLink } from '../integ/probe/open-link';
import { useLocalStack } from '../support/use-local-stack';

jest.setTimeout(60_000);

/**
 * The real-AWS test's probe (test/integ/probe), run against the local stack: the same scenarios
 * and the same summaries the integ test asserts on, so a change to the API or the state machine
 * that would fail `npm run test:aws` shows here first. The probe holds every worker slot (a
 * DynamoDB table on AWS); here the fake table tells the local worker its slots are held elsewhere.
 */
describe('the integ probe on the local stack', () => {
  const local = useLocalStack();
  const slotCalls: string[] = [];

  /**
   * Stands in for the slot table: the probe's puts hold the local worker's slots, its deletes free
   * them. The first put also ends the worker run the stack started with, which would still be
   * polling (on AWS the probe runs while the worker is idle).
   */
  const dynamodb: Pick<DynamoDBClient, 'send'> = {
    send: async (command: {
      constructor: { name: string };
      input: { Key?: { slot?: { S?: string } }; Item?: { slot?: { S?: string } } };
    }) => {
      const slot = command.input.Item?.slot?.S ?? command.input.Key?.slot?.S;
      slotCalls.push(`${command.constructor.name} ${slot ?? ''}`.trim());
      const holding = command.constructor.name === 'PutItemCommand';
      local.stack.worker.holdSlots(holding);
      if (holding && slotCalls.length === 1) {
        await local.stack.worker.close();
        await local.stack.worker.start();
      }
      return {};
    },
  };

  const config = (): ProbeConfig => ({
    stateMachineArn: local.stack.stateMachineArn,
    activityArn: local.stack.activityArn,
    approvalApiUrl: local.stack.apiUrl,
    workerFunctionName: 'not-the-local-worker',
    workerSlotsTable: 'slots',
    workerSlotCount: 2,
  });

  const record = (decision: string) =>
    expect.stringMatching(
      new RegExp(
        `^${decision} at \\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} \\+0000 by the probe, with sourceIp and requestId, approver as asked$`,
      ),
    );

  it('clicks: approve, a second click, two damaged links, reject, with the worker slots held and given back', async () => {
    const summary = await runClickScenario({ sfn: local.sfn, dynamodb, config: config(), openLink });

    expect(summary).toEqual({
      workerHeldOff: true,
      approve: {
        click: `200 ${Pages.approved.title}`,
        execution: 'SUCCEEDED',
        record: record('approved'),
        secondClick: `410 ${Pages.noLongerOpen.title}`,
      },
      reject: {
        alteredLink: `400 ${Pages.invalidLink.title}`,
        truncatedLink: `400 ${Pages.invalidLink.title}`,
        afterDamagedLinks: 'RUNNING',
        click: `200 ${Pages.rejected.title}`,
        execution: 'FAILED Rejected',
        record: record('rejected'),
      },
      workerRestored: true,
      stopped: 0,
    });
    expect(slotCalls).toEqual(['PutItemCommand slot-0', 'PutItemCommand slot-1', 'DeleteItemCommand slot-0', 'DeleteItemCommand slot-1']);
  });

  it('delivery: the worker takes the request and reports no failure, and the probe stops the execution', async () => {
    const summary = await runDeliveryScenario({ sfn: local.sfn, config: config(), taskBudgetMs: 1_000 });

    // Locally the worker's name is the function's logical id; on AWS it is the function name the probe is given.
    expect(summary).toEqual({
      takenBy: expect.stringMatching(/^WorkerFunction/),
      failure: 'none',
      lastEvent: 'ActivityStarted',
      statusAfterWorker: 'RUNNING',
      stopped: true,
    });
  });
});
