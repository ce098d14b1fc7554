import { expect } from '@jest/globals';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { approvalOutput, linksOf, open, startApproval, uniqueManager, waitForEmails, waitForEnd } from '../support/local-flow';
import { approvalCli } from '../support/approval-cli';
import { portsOf, sendTokenEveryWay } from '../support/token-requests';
import { useLocalStack } from '../support/use-local-stack';

jest.setTimeout(60_000);

describe('the approval flow on the local stack', () => {
  const local = useLocalStack();

  it('approve: the manager gets an email, clicks Approve, the execution SUCCEEDS with the decision record', async () => {
    const manager = uniqueManager('approve');
    const executionArn = await startApproval(local.sfn, local.stack, {
      managerEmailAddress: manager,
      employeeName: 'Jim',
      costCentre: 'CC-7',
    });

    const [email] = await waitForEmails(local.stack, manager);
    expect(email?.subject).toBe('Approval needed for Jim');
    // A clicker can name the request ($context.requestId) with X-Amzn-RequestId; the record must not carry that name.
    const page = await open(linksOf(email!).approve, { headers: { 'X-Amzn-RequestId': 'chosen-by-the-clicker' } });
    const execution = await waitForEnd(local.sfn, executionArn);

    expect(page).toMatchObject({ status: 200, title: 'Approved' });
    expect(page.contentType).toMatch(/^text\/html/);
    expect(execution.status).toBe('SUCCEEDED');
    const output = approvalOutput(execution);
    expect(output).toMatchObject({ managerEmailAddress: manager, employeeName: 'Jim', costCentre: 'CC-7' });
    expect(output.approval.decision).toEqual({
      decision: 'approved',
      decidedAt: expect.stringMatching(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/),
      sourceIp: '127.0.0.1',
      userAgent: 'e2e-test-browser/1.0',
      // API Gateway's extended request id, which no client chooses.
      requestId: expect.stringMatching(/^[A-Za-z0-9+/]{16}$/),
      // Added by the state machine: the address the email went to.
      approver: manager,
    });
  });

  it('reject: clicking Reject FAILS the execution with error Rejected and the decision record as cause', async () => {
    const manager = uniqueManager('reject');
    const executionArn = await startApproval(local.sfn, local.stack, { managerEmailAddress: manager, employeeName: 'Ann' });

    const [email] = await waitForEmails(local.stack, manager);
    const page = await open(linksOf(email!).reject);
    const execution = await waitForEnd(local.sfn, executionArn);

    expect(page).toMatchObject({ status: 200, title: 'Rejected' });
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Rejected');
    expect(JSON.parse(execution.cause ?? '{}')).toMatchObject({
      decision: 'rejected',
      sourceIp: '127.0.0.1',
      userAgent: 'e2e-test-browser/1.0',
    });
  });

  it('a second click gets the "no longer open" page and changes nothing', async () => {
    const manager = uniqueManager('twice');
    const executionArn = await startApproval(local.sfn, local.stack, { managerEmailAddress: manager, employeeName: 'Bob' });
    const [email] = await waitForEmails(local.stack, manager);
    const { approve, reject } = linksOf(email!);

    expect((await open(approve)).title).toBe('Approved');
    const first = await waitForEnd(local.sfn, executionArn);
    const again = await open(approve);
    const other = await open(reject);
    const after = await waitForEnd(local.sfn, executionArn);

    for (const page of [again, other]) {
      expect(page.status).toBe(410);
      expect(page.title).toBe('This request is no longer open');
    }
    expect(after.status).toBe('SUCCEEDED');
    expect(after.output).toBe(first.output);
  });

  it('a damaged link (truncated or altered token) gets "not valid" with 400, and the request stays open', async () => {
    const manager = uniqueManager('damaged');
    const executionArn = await startApproval(local.sfn, local.stack, { managerEmailAddress: manager, employeeName: 'Dee' });
    const [email] = await waitForEmails(local.stack, manager);
    const { approve } = linksOf(email!);
    const url = new URL(approve);
    const token = url.searchParams.get('taskToken') ?? '';
    const damaged = [token.slice(0, -12), `${token.slice(0, -4)}${token.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`];

    for (const bad of damaged) {
      url.searchParams.set('taskToken', bad);
      expect(await open(url.toString())).toMatchObject({ status: 400, title: 'This link is not valid' });
    }
    expect((await local.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    expect(await open(approve)).toMatchObject({ status: 200, title: 'Approved' });
  });

  it('a link without a token gets a 400 page from the request validator', async () => {
    for (const url of [
      `${local.stack.apiUrl}/succeed`,
      `${local.stack.apiUrl}/fail?taskToken=`,
      `${local.stack.apiUrl}/succeed?taskToken=%20%20`,
    ]) {
      const page = await open(url);
      expect(page).toMatchObject({ status: 400, title: 'This link is not valid' });
      expect(page.contentType).toMatch(/^text\/html/);
    }
  });

  it('a garbage token gets a 4xx page, never a 500 or raw JSON', async () => {
    for (const token of ['garbage', 'AAAA+/==', '"},{"x":1', '<script>alert(1)</script>', 'x'.repeat(3000)]) {
      const page = await open(`${local.stack.apiUrl}/succeed?taskToken=${encodeURIComponent(token)}`);
      expect(page.status).toBeGreaterThanOrEqual(400);
      expect(page.status).toBeLessThan(500);
      expect(page.contentType).toMatch(/^text\/html/);
      expect(page.body).not.toContain('<script>alert(1)</script>');
      expect(page.body).not.toContain('__type');
    }
  });

  it('an unknown route gets an HTML page, not the raw gateway JSON', async () => {
    const page = await open(`${local.stack.apiUrl}/approve-everything`);
    expect(page.status).toBe(403);
    expect(page.contentType).toMatch(/^text\/html/);
  });

  it('the approval CLI starts a request on the local stack and reports the decision record', async () => {
    const manager = uniqueManager('cli');

    const started = await approvalCli(local.stack, 'start', '--local', '--json', '--manager-email', manager, '--employee-name', 'Jim');
    expect(started.code).toBe(0);
    const { executionArn } = JSON.parse(started.stdout) as { executionArn: string };
    expect(executionArn).toMatch(/^arn:aws:states:us-east-1:123456789012:execution:HumanApproval:/);
    const [email] = await waitForEmails(local.stack, manager);
    await open(linksOf(email!).approve);
    await waitForEnd(local.sfn, executionArn);
    const status = await approvalCli(local.stack, 'status', executionArn, '--local', '--json');

    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      executionArn,
      status: 'SUCCEEDED',
      request: { managerEmailAddress: manager, employeeName: 'Jim' },
      decision: { decision: 'approved', sourceIp: '127.0.0.1', userAgent: 'e2e-test-browser/1.0' },
    });
  });

  it('the approval CLI refuses a bad email and an unknown execution with clear errors', async () => {
    const badEmail = await approvalCli(local.stack, 'start', '--local', '--manager-email', 'not-an-address', '--employee-name', 'Jim');
    const unknown = await approvalCli(
      local.stack,
      'status',
      `${local.stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:no-such-run`,
      '--local',
    );

    expect(badEmail.code).toBe(2);
    expect(badEmail.stderr).toContain('"not-an-address" is not an email address');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No execution/);
  });

  it('never writes a task token to any log, whichever way and to whichever port it is sent', async () => {
    const manager = uniqueManager('logs');
    const executionArn = await startApproval(local.sfn, local.stack, { managerEmailAddress: manager, employeeName: 'Lou' });
    const [email] = await waitForEmails(local.stack, manager);
    const { approve } = linksOf(email!);
    await open(approve);
    await waitForEnd(local.sfn, executionArn);
    const token = new URL(approve).searchParams.get('taskToken') ?? '';
    // The spent token again, in every part of a request line (the ? percent-encoded, after #, as a
    // path segment, on unknown routes, with every method), to the API, SES, Step Functions and Lambda.
    const sent = await sendTokenEveryWay(portsOf(local.stack), token);

    expect(token.length).toBeGreaterThan(100);
    expect(sent).toBeGreaterThan(150);
    const written = local.logs.join('\n');
    expect(written).toContain('[api]');
    expect(written).toContain('[worker]');
    expect(written).not.toContain(token);
    expect(written).not.toContain(encodeURIComponent(token));
    expect(written).not.toContain(encodeURIComponent(encodeURIComponent(token)));
    expect(written).not.toContain(token.slice(0, 32));
    expect(written).not.toContain(encodeURIComponent(token).slice(0, 32));
  });
});

describe('reminders and expiry on the local stack', () => {
  const local = useLocalStack({ context: { reminderIntervalSeconds: 2, reminderCount: 1 } });

  it('sends a reminder with a new token, closes the old link, and expires after the last reminder', async () => {
    const manager = uniqueManager('remind');
    const executionArn = await startApproval(local.sfn, local.stack, { managerEmailAddress: manager, employeeName: 'Kim' });

    const [first, reminder] = await waitForEmails(local.stack, manager, 2, 15_000);
    const oldLinks = linksOf(first!);
    const newLinks = linksOf(reminder!);
    expect(reminder?.subject).toBe('Reminder 1 of 1: approval needed for Kim');
    expect(newLinks.approve).not.toBe(oldLinks.approve);
    const stale = await open(oldLinks.approve);
    expect(stale).toMatchObject({ status: 410, title: 'This request is no longer open' });

    const execution = await waitForEnd(local.sfn, executionArn, 15_000);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Expired');
    expect((await open(newLinks.approve)).status).toBe(410);
  });
});
