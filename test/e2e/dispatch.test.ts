import { startApproval, uniqueManager, waitForEmails, waitForEnd } from '../support/local-flow';
import { useLocalStack } from '../support/use-local-stack';

jest.setTimeout(60_000);

// Correctness of dispatch, not its speed (that is `npm run bench`): the worker is woken for each
// request and each reminder, and the send-rate cap holds over a burst.

describe('waking the worker', () => {
  // An hourly schedule and 1-second polls: no scheduled run, and no poll left over from an earlier
  // run, can deliver these emails. Only the state machine's wake-up can.
  const local = useLocalStack({
    activityPollHoldMs: 1_000,
    context: { workerScheduleMinutes: 60, reminderIntervalSeconds: 3, reminderCount: 1 },
  });

  it('emails the first request and its reminder without waiting for the hourly schedule', async () => {
    const manager = uniqueManager('woken');
    // Let the run the schedule started at boot end its last (1-second) poll.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const executionArn = await startApproval(local.sfn, local.stack, { managerEmailAddress: manager, employeeName: 'Wes' });

    const [first, reminder] = await waitForEmails(local.stack, manager, 2, 15_000);
    const execution = await waitForEnd(local.sfn, executionArn, 15_000);

    expect(first?.subject).toBe('Approval needed for Wes');
    expect(reminder?.subject).toBe('Reminder 1 of 1: approval needed for Wes');
    expect(execution.error).toBe('Expired');
  });
});

describe('the send-rate cap', () => {
  const RATE = 4;
  const REQUESTS = 14;
  const local = useLocalStack({ context: { maxSendRate: RATE, workerMaxConcurrency: 2 } });

  it(`never sends more than ${RATE} emails a second over a burst of ${REQUESTS} requests, and sends them all`, async () => {
    const managers = Array.from({ length: REQUESTS }, () => uniqueManager('burst'));
    await Promise.all(
      managers.map((manager, i) => startApproval(local.sfn, local.stack, { managerEmailAddress: manager, employeeName: `Burst ${i}` })),
    );
    await Promise.all(managers.map((manager) => waitForEmails(local.stack, manager, 1, 30_000)));

    const times = local.stack.ses
      .sent()
      .filter((email) => managers.includes(email.to[0] ?? ''))
      .map((email) => email.acceptedAt)
      .sort((a, b) => a - b);
    expect(times).toHaveLength(REQUESTS);
    // Each of the 2 instances keeps to half the rate, so any stretch of W seconds holds at most
    // RATE * W emails plus one slot per instance that opened at its start.
    const INSTANCES = 2;
    const span = (times.at(-1) ?? 0) - (times[0] ?? 0);
    // A little slack for scheduling jitter on a busy machine: still far below an uncapped burst.
    expect(REQUESTS).toBeLessThanOrEqual((RATE * span) / 1_000 + 2 * INSTANCES);
    for (const from of times) {
      expect(times.filter((t) => t >= from && t < from + 2_000).length).toBeLessThanOrEqual(RATE * 2 + 2 * INSTANCES);
    }
  });
});
