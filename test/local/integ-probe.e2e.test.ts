import { expect } from '@jest/globals';
import type { LambdaClient } from '@aws-sdk/client-lambda';
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
 * that would fail `npm run test:aws` shows here first. Holding the worker off is played by stopping
 * the local worker (on AWS: reserved concurrency 0).
 */
describe('the integ probe on the local stack', () => {
  const local = useLocalStack();
  const concurrencyCalls: string[] = [];

  /** Stands in for Lambda: reserved concurrency 0 stops the local worker, anything else starts it. */
  const lambda: Pick<LambdaClient, 'send'> = {
    send: async (command: { constructor: { name: string }; input: { ReservedConcurrentExecutions?: number } }) => {
      concurrencyCalls.push(`${command.constructor.name} ${command.input.ReservedConcurrentExecutions ?? ''}`.trim());
      if (command.input.ReservedConcurrentExecutions === 0) await local.stack.worker.close();
      else await local.stack.worker.start();
      return {};
    },
  };

  const config = (): ProbeConfig => ({
    stateMachineArn: local.stack.stateMachineArn,
    activityArn: local.stack.activityArn,
    approvalApiUrl: local.stack.apiUrl,
    workerFunctionName: 'not-the-local-worker',
    workerReservedConcurrency: undefined,
  });

  const record = (decision: string) =>
    expect.stringMatching(
      new RegExp(`^${decision} at \\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} \\+0000 by the probe, with sourceIp and requestId$`),
    );

  it('clicks: approve, a second click, two damaged links, reject, with the worker held off and put back', async () => {
    const summary = await runClickScenario({ sfn: local.sfn, lambda, config: config(), openLink });

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
    expect(concurrencyCalls).toEqual(['PutFunctionConcurrencyCommand 0', 'DeleteFunctionConcurrencyCommand']);
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
