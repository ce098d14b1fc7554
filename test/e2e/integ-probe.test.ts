import { expect } from '@jest/globals';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Pages } from '../../infra/approval-pages';
import { runClickScenario } from '../integ/probe/click-scenario';
import { runClockScenario } from '../integ/probe/clock-scenario';
import type { ProbeConfig } from '../integ/probe/config';
import { runConfirmScenario } from '../integ/probe/confirm-scenario';
import { runDeliveryScenario } from '../integ/probe/delivery-scenario';
import { fetchPage, openLink } from '../integ/probe/open-link';
import { runAllScenario, runAnyScenario } from '../integ/probe/policy-scenarios';
import { ACTIVITY_CLOCK, AFTER_DECISION_POLL, OWN_TIMEOUT_AFTER_INTERVAL } from '../integ/probe/summary';
import { type LocalStackUnderTest, useLocalStack } from '../support/use-local-stack';

jest.setTimeout(60_000);

/**
 * How long the local GetActivityTask holds a poll. The service holds it 60 s; shorter here so the
 * `any` scenario's poll after the decision (a full hold, which must come back empty) stays quick.
 */
const POLL_HOLD_MS = 3_000;

/** The worker held off for the scenario and given back, and nothing left running. */
const HELD_OFF = { workerHeldOff: true, workerRestored: true, stopped: 0 } as const;

/**
 * Stands in for a stack's slot table: the probe's puts hold the local worker's slots, its deletes
 * free them. The first put of each hold also ends a worker run that could still be polling (the
 * run the stack started with; on AWS the probe runs while the worker is idle). `calls` lists them.
 */
function fakeSlotTable(local: LocalStackUnderTest): { readonly dynamodb: Pick<DynamoDBClient, 'send'>; readonly calls: string[] } {
  const calls: string[] = [];
  let held = false;
  const dynamodb: Pick<DynamoDBClient, 'send'> = {
    send: async (command: {
      constructor: { name: string };
      input: { Key?: { slot?: { S?: string } }; Item?: { slot?: { S?: string } } };
    }) => {
      const slot = command.input.Item?.slot?.S ?? command.input.Key?.slot?.S;
      calls.push(`${command.constructor.name} ${slot ?? ''}`.trim());
      const holding = command.constructor.name === 'PutItemCommand';
      local.stack.worker.holdSlots(holding);
      if (holding && !held) {
        await local.stack.worker.close();
        await local.stack.worker.start();
      }
      held = holding;
      return {};
    },
  };
  return { dynamodb, calls };
}

/** The probe's view of a local stack; `reminderIntervalSeconds` is the one its context sets (cdk.json's default otherwise). */
function configOf(local: LocalStackUnderTest, reminderIntervalSeconds = 86_400): ProbeConfig {
  return {
    stateMachineArn: local.stack.stateMachineArn,
    activityArn: local.stack.activityArn,
    approvalApiUrl: local.stack.apiUrl,
    workerFunctionName: 'not-the-local-worker',
    workerSlotsTable: 'slots',
    workerSlotCount: 2,
    reminderIntervalSeconds,
  };
}

const record = (decision: string, more = '') =>
  expect.stringMatching(
    new RegExp(
      `^${decision} at \\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} \\+0000 by the probe, with sourceIp and requestId, approver as asked${more}$`,
    ),
  );

/**
 * The real-AWS test's probe (test/integ/probe), run against the local stack: the same scenarios
 * and the same summaries the integ test asserts on, so a change to the API or the state machine
 * that would fail `npm run test:aws` shows here first. The probe holds every worker slot (a
 * DynamoDB table on AWS); here the fake table tells the local worker its slots are held elsewhere.
 */
describe('the integ probe on the local stack', () => {
  const local = useLocalStack({ activityPollHoldMs: POLL_HOLD_MS });
  const slots = fakeSlotTable(local);
  const deps = () => ({ sfn: local.sfn, dynamodb: slots.dynamodb, config: configOf(local), openLink });

  beforeEach(() => {
    slots.calls.length = 0;
  });

  it('clicks: approve, a second click, two damaged links, reject, with the worker slots held and given back', async () => {
    const summary = await runClickScenario(deps());

    expect(summary).toEqual({
      ...HELD_OFF,
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
    });
    expect(slots.calls).toEqual(['PutItemCommand slot-0', 'PutItemCommand slot-1', 'DeleteItemCommand slot-0', 'DeleteItemCommand slot-1']);
  });

  it("any: the second approver approves, the first approver's link is closed, and no task is left on the activity", async () => {
    const summary = await runAnyScenario(deps());

    expect(summary).toEqual({
      ...HELD_OFF,
      click: `200 ${Pages.approved.title}`,
      execution: 'SUCCEEDED',
      record: record('approved'),
      otherApproverLink: `410 ${Pages.noLongerOpen.title}`,
      afterDecisionPoll: AFTER_DECISION_POLL.none,
    });
    expect(slots.calls).toHaveLength(4);
  });

  it('all: one approval keeps the request open, both approve it, one record per approver in their order', async () => {
    const summary = await runAllScenario(deps());

    expect(summary).toEqual({
      ...HELD_OFF,
      secondApproverClick: `200 ${Pages.approved.title}`,
      afterOneApproval: 'RUNNING',
      firstApproverClick: `200 ${Pages.approved.title}`,
      execution: 'SUCCEEDED',
      records: [record('approved'), record('approved')],
    });
  });

  it('delivery: the worker takes the request and reports no failure, and the probe stops the execution', async () => {
    const summary = await runDeliveryScenario({ sfn: local.sfn, config: configOf(local), taskBudgetMs: 1_000 });

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

describe('the integ probe on the local stack in confirm link mode', () => {
  const local = useLocalStack({ context: { linkMode: 'confirm' }, activityPollHoldMs: POLL_HOLD_MS });
  const slots = fakeSlotTable(local);

  it('confirm: the page shows no appended subject, a damaged link is not valid, the posted form decides with its comment', async () => {
    const summary = await runConfirmScenario({ sfn: local.sfn, dynamodb: slots.dynamodb, config: configOf(local), fetchPage });

    expect(summary).toEqual({
      ...HELD_OFF,
      page: '200 Approve this request?',
      forgedSubject: 'absent',
      form: "carries the link's token",
      alteredLink: `400 ${Pages.invalidLink.title}`,
      afterPages: 'RUNNING',
      click: `200 ${Pages.approved.title}`,
      execution: 'SUCCEEDED',
      record: record('approved', ', comment as sent'),
      reopened: `410 ${Pages.noLongerOpen.title}`,
    });
  });
});

/**
 * The clock scenario on a confirm-mode stack (as on AWS) with a 2-second reminder interval, so the
 * task waits untaken 3.5 s and then times out 2 s after the probe took it. The local engine starts
 * the clock at ActivityStarted (local/step-functions/activity-task.ts), as the service documents.
 */
describe('the integ probe on the local stack with a short reminder interval', () => {
  const REMINDER_INTERVAL_SECONDS = 2;
  const local = useLocalStack({
    context: { linkMode: 'confirm', reminderIntervalSeconds: REMINDER_INTERVAL_SECONDS, reminderCount: 1 },
    activityPollHoldMs: POLL_HOLD_MS,
  });
  const slots = fakeSlotTable(local);

  it('clock: a task taken later than its timeout was not timed out, and times out the interval after it was taken', async () => {
    const summary = await runClockScenario({
      sfn: local.sfn,
      dynamodb: slots.dynamodb,
      config: configOf(local, REMINDER_INTERVAL_SECONDS),
      lateByMs: 1_500,
      timeoutSlackMs: 3_000,
    });

    expect(summary).toEqual({
      ...HELD_OFF,
      activityClock: ACTIVITY_CLOCK.atPickUp,
      ownTimeout: OWN_TIMEOUT_AFTER_INTERVAL,
    });
  });
});
