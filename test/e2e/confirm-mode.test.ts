import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { approvalOutput, linksOf, open, startApproval, uniqueManager, waitForEmails, waitForEnd } from '../support/local-flow';
import { useLocalStack } from '../support/use-local-stack';

jest.setTimeout(60_000);

/** Submits the confirmation form the way a browser does. */
function submit(page: string, pageUrl: string, comment?: string): Promise<Awaited<ReturnType<typeof open>>> {
  const action = /<form method="post" action="([^"]+)">/.exec(page)?.[1];
  const token = /name="taskToken" value="([^"]*)"/.exec(page)?.[1];
  if (!action || token === undefined) throw new Error('no confirmation form on the page');
  const fields = new URLSearchParams({ taskToken: token.replace(/&amp;/g, '&'), comment: comment ?? '' });
  return open(new URL(action, pageUrl).toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
  });
}

describe('confirm link mode on the local stack', () => {
  const local = useLocalStack({ context: { linkMode: 'confirm' } });

  it('opening a link, as a mail scanner does, only shows a page: nothing is decided', async () => {
    const manager = uniqueManager('scanned');
    const executionArn = await startApproval(local.sfn, local.stack, { managerEmailAddress: manager, employeeName: 'Jim' });
    const [email] = await waitForEmails(local.stack, manager);
    const { approve, reject } = linksOf(email!);

    const pages = await Promise.all([approve, reject, approve, reject].map((url) => open(url)));
    const head = await fetch(approve, { method: 'HEAD' });

    expect(pages.map((page) => page.status)).toEqual([200, 200, 200, 200]);
    expect(pages.map((page) => page.title)).toEqual([
      'Approve this request?',
      'Reject this request?',
      'Approve this request?',
      'Reject this request?',
    ]);
    expect(head.status).toBeGreaterThanOrEqual(400);
    expect((await local.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    // The person's own click still works afterwards.
    const decided = await submit(pages[0]!.body, approve);
    expect(decided).toMatchObject({ status: 200, title: 'Approved' });
    expect((await waitForEnd(local.sfn, executionArn)).status).toBe('SUCCEEDED');
  });

  it('shows no request text: a subject appended to the link or sent as a header does not reach the page', async () => {
    const manager = uniqueManager('forged-subject');
    await startApproval(local.sfn, local.stack, { managerEmailAddress: manager, employeeName: 'Jim' });
    const [email] = await waitForEmails(local.stack, manager);
    const { approve } = linksOf(email!);

    const plain = await open(approve);
    const forged = await open(`${approve}&subject=${encodeURIComponent('Order team lunch')}`, {
      headers: { subject: 'Grant admin to Eve' },
    });
    const headerOnly = await open(approve, { headers: { subject: 'Grant admin to Eve' } });

    expect(new URL(approve).searchParams.has('subject')).toBe(false);
    for (const page of [forged, headerOnly]) {
      expect(page.status).toBe(200);
      expect(page.body).not.toContain('Order team lunch');
      expect(page.body).not.toContain('Grant admin');
      expect(page.body).toBe(plain.body);
    }
    expect(plain.body).toContain('the request described in the email you received');
    expect(plain.body).not.toContain('Jim');
  });

  it('pressing Approve records the decision with the comment', async () => {
    const manager = uniqueManager('confirm-approve');
    const executionArn = await startApproval(local.sfn, local.stack, { managerEmailAddress: manager, employeeName: 'Ann' });
    const [email] = await waitForEmails(local.stack, manager);
    const { approve } = linksOf(email!);

    const confirmation = await open(approve);
    const decided = await submit(confirmation.body, approve, 'Budget checked: "OK" <3');
    const execution = await waitForEnd(local.sfn, executionArn);

    expect(decided).toMatchObject({ status: 200, title: 'Approved' });
    expect(execution.status).toBe('SUCCEEDED');
    expect(approvalOutput(execution).approval.decision).toMatchObject({
      decision: 'approved',
      comment: 'Budget checked: "OK" <3',
      sourceIp: '127.0.0.1',
    });
  });

  it('pressing Reject fails the execution with Rejected and the comment in the cause; a second press gets "no longer open"', async () => {
    const manager = uniqueManager('confirm-reject');
    const executionArn = await startApproval(local.sfn, local.stack, { managerEmailAddress: manager, employeeName: 'Bob' });
    const [email] = await waitForEmails(local.stack, manager);
    const { reject } = linksOf(email!);

    const confirmation = await open(reject);
    const decided = await submit(confirmation.body, reject, 'Not this quarter');
    const again = await submit(confirmation.body, reject, 'twice');
    const execution = await waitForEnd(local.sfn, executionArn);

    expect(decided.title).toBe('Rejected');
    expect(again).toMatchObject({ status: 410, title: 'This request is no longer open' });
    expect(execution).toMatchObject({ status: 'FAILED', error: 'Rejected' });
    expect(JSON.parse(execution.cause ?? '{}')).toMatchObject({ decision: 'rejected', comment: 'Not this quarter' });
  });

  it('a post with another content type or without a token gets an HTML 4xx page', async () => {
    const json = await open(`${local.stack.apiUrl}/succeed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"taskToken":"x"}',
    });
    const empty = await open(`${local.stack.apiUrl}/succeed`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'comment=hi',
    });

    expect(json.status).toBe(415);
    expect(empty.status).toBe(400);
    for (const page of [json, empty]) expect(page.contentType).toMatch(/^text\/html/);
  });
});
