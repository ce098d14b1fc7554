import { approvalOutput, open, waitForEnd } from '../support/local-flow';
import { countEvents, emailedRequest, historyOf, NO_LONGER_OPEN, tally, useFaultStack } from './fault-harness';
import { results } from './suite-collector';

// Clicks that race each other and clicks that replay a decided link.
// Part of the fault suite: run through local-stack-faults.test.ts.

describe('3. concurrent clicks', () => {
  const local = useFaultStack('clicks');

  it('50 clicks on one Approve link at once: one 200 "Approved", 49 410, one ActivitySucceeded', async () => {
    const { executionArn, approve } = await emailedRequest(local, 'Fifty');

    const pages = await Promise.all(Array.from({ length: 50 }, () => open(approve)));
    const execution = await waitForEnd(local.sfn, executionArn);
    const history = await historyOf(local.sfn, executionArn);
    results.fiftyClicks = tally(pages.map((page) => `${page.status} ${page.title}`));

    expect(tally(pages.map((page) => `${page.status} ${page.title}`))).toEqual({ '200 Approved': 1, [`410 ${NO_LONGER_OPEN}`]: 49 });
    expect(execution.status).toBe('SUCCEEDED');
    expect(approvalOutput(execution).approval.decision).toMatchObject({ decision: 'approved', sourceIp: '127.0.0.1' });
    expect(countEvents(history, 'ActivitySucceeded')).toBe(1);
    expect(countEvents(history, 'ActivityFailed')).toBe(0);
  });

  it('Approve and Reject of one email clicked at the same time: one outcome, the other click 410, the outcome matches the 200 page', async () => {
    const requests = await Promise.all(Array.from({ length: 6 }, (_, i) => emailedRequest(local, `Race ${i}`)));
    const outcomes: string[] = [];
    for (const [i, { executionArn, approve, reject }] of requests.entries()) {
      // Half of the races send Reject first.
      const pages =
        i % 2 === 0 ? await Promise.all([open(approve), open(reject)]) : (await Promise.all([open(reject), open(approve)])).reverse();
      const execution = await waitForEnd(local.sfn, executionArn);
      const history = await historyOf(local.sfn, executionArn);
      const winner = pages.find((page) => page.status === 200);
      outcomes.push(`${winner?.title} -> ${execution.status}`);

      expect(pages.map((page) => page.status).sort()).toEqual([200, 410]);
      expect(pages.find((page) => page.status === 410)?.title).toBe(NO_LONGER_OPEN);
      if (winner?.title === 'Approved') {
        expect(execution.status).toBe('SUCCEEDED');
      } else {
        expect(winner?.title).toBe('Rejected');
        expect(execution).toMatchObject({ status: 'FAILED', error: 'Rejected' });
      }
      expect(countEvents(history, 'ActivitySucceeded') + countEvents(history, 'ActivityFailed')).toBe(1);
    }
    results.approveRejectRace = tally(outcomes);
  });

  it('Approve then Reject one after the other (and the reverse): the first click decides, the second gets 410', async () => {
    const first = await emailedRequest(local, 'Seq A');
    const approved = await open(first.approve);
    const thenRejected = await open(first.reject);
    const second = await emailedRequest(local, 'Seq B');
    const rejected = await open(second.reject);
    const thenApproved = await open(second.approve);

    expect(approved).toMatchObject({ status: 200, title: 'Approved' });
    expect(thenRejected).toMatchObject({ status: 410, title: NO_LONGER_OPEN });
    expect(await waitForEnd(local.sfn, first.executionArn)).toMatchObject({ status: 'SUCCEEDED' });
    expect(rejected).toMatchObject({ status: 200, title: 'Rejected' });
    expect(thenApproved).toMatchObject({ status: 410, title: NO_LONGER_OPEN });
    expect(await waitForEnd(local.sfn, second.executionArn)).toMatchObject({ status: 'FAILED', error: 'Rejected' });
  });
});
