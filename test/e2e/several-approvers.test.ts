import { expect } from '@jest/globals';
import { GetExecutionHistoryCommand } from '@aws-sdk/client-sfn';
import { approvalOutput, linksOf, open, startApproval, uniqueManager, waitForEmails, waitForEnd } from '../support/local-flow';
import { approvalCli } from '../support/approval-cli';
import { useLocalStack } from '../support/use-local-stack';

jest.setTimeout(60_000);

/** Two approvers no other test emails, and a requester who is neither. */
function team(label: string): { ana: string; ben: string; requester: string } {
  return { ana: uniqueManager(`${label}-ana`), ben: uniqueManager(`${label}-ben`), requester: uniqueManager(`${label}-dev`) };
}

describe('a request for several approvers on the local stack', () => {
  const local = useLocalStack();

  it('any: both are emailed with links of their own; the first click decides and the other link answers 410', async () => {
    const { ana, ben, requester } = team('any');
    const executionArn = await startApproval(local.sfn, local.stack, {
      approvers: [ana, ben],
      policy: 'any',
      subject: 'Refund order 7 <b>now</b>',
      details: { Order: '7', Amount: '120 EUR' },
      requester,
      ticket: 'OPS-1',
    });

    const [toAna] = await waitForEmails(local.stack, ana);
    const [toBen] = await waitForEmails(local.stack, ben);
    expect(toAna?.subject).toBe('Refund order 7 <b>now</b>');
    expect(toAna?.body.html).toContain('Refund order 7 &lt;b&gt;now&lt;/b&gt;');
    expect(toAna?.body.html).toContain('120 EUR');
    // Each approver's links carry a token of their own.
    expect(linksOf(toAna!).approve).not.toBe(linksOf(toBen!).approve);

    const click = await open(linksOf(toBen!).approve);
    const execution = await waitForEnd(local.sfn, executionArn);
    const late = await open(linksOf(toAna!).reject);

    expect(click).toMatchObject({ status: 200, title: 'Approved' });
    expect(execution.status).toBe('SUCCEEDED');
    const output = approvalOutput(execution);
    expect(output).toMatchObject({ ticket: 'OPS-1', approval: { policy: 'any', approvers: [ana, ben] } });
    expect(output.approval.decision).toMatchObject({ decision: 'approved', approver: ben });
    expect(late).toMatchObject({ status: 410, title: 'This request is no longer open' });
  });

  it('all: approved once both approved, with each record naming its approver', async () => {
    const { ana, ben } = team('all');
    const executionArn = await startApproval(local.sfn, local.stack, {
      approvers: [ana, ben],
      policy: 'all',
      subject: 'Grant admin to Eve',
    });
    const [toAna] = await waitForEmails(local.stack, ana);
    const [toBen] = await waitForEmails(local.stack, ben);

    expect(await open(linksOf(toAna!).approve)).toMatchObject({ status: 200, title: 'Approved' });
    // One approval of two: the request waits for Ben.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(
      (await local.sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1, reverseOrder: true }))).events?.[0]?.type,
    ).not.toBe('ExecutionSucceeded');
    expect(await open(linksOf(toBen!).approve)).toMatchObject({ status: 200, title: 'Approved' });
    const execution = await waitForEnd(local.sfn, executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    const decisions = (approvalOutput(execution).approval as unknown as { decisions: Array<Record<string, unknown>> }).decisions;
    expect(decisions.map((record) => [record.approver, record.decision])).toEqual([
      [ana, 'approved'],
      [ben, 'approved'],
    ]);
  });

  it("all: a rejection decides at once and closes the other approver's links", async () => {
    const { ana, ben } = team('all-reject');
    const executionArn = await startApproval(local.sfn, local.stack, {
      approvers: [ana, ben],
      policy: 'all',
      subject: 'Delete the audit bucket',
    });
    const [toAna] = await waitForEmails(local.stack, ana);
    const [toBen] = await waitForEmails(local.stack, ben);

    expect(await open(linksOf(toBen!).reject)).toMatchObject({ status: 200, title: 'Rejected' });
    const execution = await waitForEnd(local.sfn, executionArn);

    expect(execution).toMatchObject({ status: 'FAILED', error: 'Rejected' });
    expect(JSON.parse(execution.cause ?? '{}')).toMatchObject({ decision: 'rejected', approver: ben });
    expect(await open(linksOf(toAna!).approve)).toMatchObject({ status: 410 });
  });

  it('names the approver from its own data: a forged query parameter or header cannot change it', async () => {
    const { ana, ben } = team('forged');
    const executionArn = await startApproval(local.sfn, local.stack, { approvers: [ana, ben], subject: 'Rotate the keys' });
    const [toAna] = await waitForEmails(local.stack, ana);
    await waitForEmails(local.stack, ben);

    const forged = `${linksOf(toAna!).approve}&approver=${encodeURIComponent(ben)}&approverRecord=x`;
    const page = await open(forged, { headers: { 'x-approver': ben, 'user-agent': `","approver":"${ben}` } });
    const execution = await waitForEnd(local.sfn, executionArn);

    expect(page).toMatchObject({ status: 200, title: 'Approved' });
    expect(approvalOutput(execution).approval.decision).toMatchObject({ approver: ana, userAgent: `","approver":"${ben}` });
  });

  it('refuses self-approval at once, before anyone is emailed', async () => {
    const { ana, ben } = team('self');
    const executionArn = await startApproval(local.sfn, local.stack, {
      approvers: [ana, ben],
      subject: 'My own raise',
      requester: ben.toUpperCase(),
    });
    const execution = await waitForEnd(local.sfn, executionArn);

    expect(execution).toMatchObject({ status: 'FAILED', error: 'InvalidRequest' });
    expect(execution.cause).toMatch(/requester/);
    await expect(waitForEmails(local.stack, ana, 1, 500)).rejects.toThrow(/got 0/);
  });

  it('keeps the seed form exactly: one manager, the seed subject and email', async () => {
    const manager = uniqueManager('seed');
    const executionArn = await startApproval(local.sfn, local.stack, { managerEmailAddress: manager, employeeName: 'Jim' });
    const [email] = await waitForEmails(local.stack, manager);

    expect(email?.subject).toBe('Approval needed for Jim');
    expect(email?.body.text).toMatch(/^An approval is requested for Jim\.\n/);
    await open(linksOf(email!).approve);
    expect(approvalOutput(await waitForEnd(local.sfn, executionArn)).approval).toMatchObject({
      policy: 'any',
      approvers: [manager],
      decision: { decision: 'approved', approver: manager },
    });
  });
});

describe('the CLI as a gate on the local stack', () => {
  const local = useLocalStack({ context: { reminderIntervalSeconds: 2, reminderCount: 0 } });

  it('start --wait exits 0 once both approvers of an `all` request approved, and prints only the final JSON with --json', async () => {
    const { ana, ben } = team('gate-all');
    const gate = approvalCli(
      local.stack,
      'start',
      '--local',
      '--wait',
      '--json',
      '--approver',
      ana,
      '--approver',
      ben,
      '--policy',
      'all',
      '--subject',
      'Deploy release 42',
      '--detail',
      'Release=42',
    );
    const [toAna] = await waitForEmails(local.stack, ana);
    const [toBen] = await waitForEmails(local.stack, ben);
    await open(linksOf(toAna!).approve);
    await open(linksOf(toBen!).approve);
    const { code, stdout } = await gate;

    expect(code).toBe(0);
    const view = JSON.parse(stdout) as { outcome: string; approvers: Array<{ address: string; state: string }> };
    expect(view.outcome).toBe('approved');
    expect(view.approvers.map(({ address, state }) => [address, state])).toEqual([
      [ana, 'approved'],
      [ben, 'approved'],
    ]);
  });

  it('wait <arn> exits 3 on a rejection, and status shows who rejected and who was closed', async () => {
    const { ana, ben } = team('gate-reject');
    const started = await approvalCli(
      local.stack,
      'start',
      '--local',
      '--json',
      '--approver',
      ana,
      '--approver',
      ben,
      '--subject',
      'Grant admin to Eve',
    );
    const { executionArn } = JSON.parse(started.stdout) as { executionArn: string };
    const gate = approvalCli(local.stack, 'wait', '--local', executionArn);
    const [toBen] = await waitForEmails(local.stack, ben);
    await waitForEmails(local.stack, ana);
    await open(linksOf(toBen!).reject);
    const waited = await gate;
    const status = await approvalCli(local.stack, 'status', '--local', '--json', executionArn);

    expect(waited.code).toBe(3);
    expect(waited.stdout).toContain(`Rejected by ${ben}`);
    const view = JSON.parse(status.stdout) as { approvers: Array<{ address: string; state: string }> };
    expect(view.approvers.map(({ address, state }) => [address, state])).toEqual([
      [ana, 'closed'],
      [ben, 'rejected'],
    ]);
  });

  it.each(['any', 'all'])('start --wait exits 4 when the request expires (policy %s)', async (policy) => {
    const { ana, ben } = team(`gate-expire-${policy}`);
    const gate = approvalCli(
      local.stack,
      'start',
      '--local',
      '--wait',
      '--json',
      '--approver',
      ana,
      '--approver',
      ben,
      '--policy',
      policy,
      '--subject',
      'Rotate the keys',
    );
    const [toAna] = await waitForEmails(local.stack, ana);
    await waitForEmails(local.stack, ben);
    // Under all, Ana approves and Ben's silence expires the request; under any, both stay silent.
    if (policy === 'all') await open(linksOf(toAna!).approve);
    const { code, stdout } = await gate;

    expect(code).toBe(4);
    expect(JSON.parse(stdout)).toMatchObject({ outcome: 'expired', error: 'Expired' });
  });
});

describe('confirm mode with several approvers on the local stack', () => {
  const local = useLocalStack({ context: { linkMode: 'confirm' } });

  it('the confirmation page shows no request text, for an open, a closed or a forged link', async () => {
    const { ana, ben } = team('confirm');
    const executionArn = await startApproval(local.sfn, local.stack, { approvers: [ana, ben], subject: 'Ship the Q3 report' });
    const [toAna] = await waitForEmails(local.stack, ana);
    const [toBen] = await waitForEmails(local.stack, ben);

    const page = await open(linksOf(toAna!).approve);
    expect(page).toMatchObject({ status: 200, title: 'Approve this request?' });
    expect(page.body).toContain('the request described in the email you received');
    expect(page.body).not.toContain('Ship the Q3 report');

    const forged = new URL(linksOf(toAna!).approve);
    forged.searchParams.set('taskToken', 'not-a-token');
    const invalid = await open(forged.toString());
    expect(invalid.status).toBe(400);
    expect(invalid.body).not.toContain('Ship the Q3 report');

    // Ben decides with the page's form; Ana's link is closed then.
    const token = new URL(linksOf(toBen!).approve).searchParams.get('taskToken') ?? '';
    const decided = await open(linksOf(toBen!).approve.split('?')[0] ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ taskToken: token, comment: 'ok' }).toString(),
    });
    expect(decided).toMatchObject({ status: 200, title: 'Approved' });
    await waitForEnd(local.sfn, executionArn);
    const closed = await open(linksOf(toAna!).approve);
    expect(closed).toMatchObject({ status: 410, title: 'This request is no longer open' });
    expect(closed.body).not.toContain('Ship the Q3 report');
  });
});
