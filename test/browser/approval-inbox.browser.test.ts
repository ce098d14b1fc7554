import * as path from 'node:path';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import type { FrameLocator, Page } from 'playwright-core';
import { approvalOutput, linksOf, startApproval, uniqueManager, waitForEmails, waitForEnd } from '../support/local-flow';
import { useLocalStack } from '../support/use-local-stack';
import { ARTIFACTS, useChromium } from './chromium';

describe('a manager in a real browser', () => {
  // Declared before the stack, so the browser closes first: its open connections cannot hold the stack's servers.
  const session = useChromium();
  const local = useLocalStack();

  /** Opens the inbox and returns the frame showing the email about `employeeName`. */
  async function openEmail(page: Page, employeeName: string): Promise<FrameLocator> {
    await page.goto(local.stack.sesUrl);
    const email = page.locator('.email', { hasText: `Approval needed for ${employeeName}` });
    await email.waitFor({ timeout: 15_000 });
    return email.frameLocator('iframe');
  }

  it.each([
    ['Approve', 'Approved', 'SUCCEEDED'],
    ['Reject', 'Rejected', 'FAILED'],
  ])('opens the email in the inbox, clicks %s, sees the %s page, and the execution is %s', async (button, heading, status) => {
    const manager = uniqueManager(button.toLowerCase());
    const employeeName = `Jim ${button}`;
    const executionArn = await startApproval(local.sfn, local.stack, { managerEmailAddress: manager, employeeName });
    await waitForEmails(local.stack, manager);
    const page = await session.browser.newPage({ viewport: { width: 1000, height: 900 } });

    const frame = await openEmail(page, employeeName);
    await frame.getByRole('link', { name: button }).waitFor();
    if (button === 'Approve') await page.screenshot({ path: path.join(ARTIFACTS, 'inbox.png') });
    await frame.getByRole('link', { name: button }).click();
    await frame.getByRole('heading', { name: heading }).waitFor({ timeout: 10_000 });

    const execution = await waitForEnd(local.sfn, executionArn);
    expect(execution.status).toBe(status);
    if (button === 'Reject') expect(execution.error).toBe('Rejected');
    else {
      const decision = approvalOutput(execution).approval.decision;
      expect(decision.decision).toBe('approved');
      expect(decision.userAgent).toMatch(/Chrome/);
    }
    await page.close();
  });

  it('shows the approved page on its own, as a person sees it after clicking in a mail client', async () => {
    const manager = uniqueManager('page');
    const executionArn = await startApproval(local.sfn, local.stack, { managerEmailAddress: manager, employeeName: 'Jim' });
    const [email] = await waitForEmails(local.stack, manager);
    const { approve } = linksOf(email!);
    const page = await session.browser.newPage({ viewport: { width: 800, height: 400 } });

    const response = await page.goto(approve);
    await page.screenshot({ path: path.join(ARTIFACTS, 'approved.png') });

    expect(response?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Approved');
    expect((await waitForEnd(local.sfn, executionArn)).status).toBe('SUCCEEDED');
    await page.close();
  });
});

describe('a manager in a real browser, confirm link mode', () => {
  const session = useChromium();
  const local = useLocalStack({ context: { linkMode: 'confirm' } });

  it('opens Approve, sees the confirmation page, types a comment, presses Approve, and the decision carries the comment', async () => {
    const manager = uniqueManager('confirm');
    const executionArn = await startApproval(local.sfn, local.stack, { managerEmailAddress: manager, employeeName: 'Jim' });
    const [email] = await waitForEmails(local.stack, manager);
    const { approve } = linksOf(email!);
    const page = await session.browser.newPage({ viewport: { width: 800, height: 500 } });

    await page.goto(approve);
    await page.getByRole('heading', { name: 'Approve this request?' }).waitFor();
    await page.getByLabel('Comment (optional)').fill('Budget checked');
    await page.screenshot({ path: path.join(ARTIFACTS, 'confirm.png') });
    expect((await local.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('heading', { name: 'Approved' }).waitFor({ timeout: 10_000 });

    const execution = await waitForEnd(local.sfn, executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(approvalOutput(execution).approval.decision).toMatchObject({ decision: 'approved', comment: 'Budget checked' });
    await page.close();
  });

  it('two approvers, policy all: each opens their own email, reads the subject there, and both approvals decide on the confirmation page', async () => {
    const ana = uniqueManager('browser-ana');
    const ben = uniqueManager('browser-ben');
    const subject = `Deploy release ${process.pid} to production`;
    const executionArn = await startApproval(local.sfn, local.stack, {
      approvers: [ana, ben],
      policy: 'all',
      subject,
      details: { Release: String(process.pid), Change: 'Adds the export endpoint' },
    });
    await waitForEmails(local.stack, ana);
    await waitForEmails(local.stack, ben);
    const page = await session.browser.newPage({ viewport: { width: 1000, height: 900 } });

    for (const [approver, comment] of [
      [ana, 'Tests are green'],
      [ben, 'Release notes checked'],
    ] as const) {
      await page.goto(local.stack.sesUrl);
      const email = page.locator('.email', { hasText: approver });
      await email.waitFor({ timeout: 15_000 });
      const frame = email.frameLocator('iframe');
      await expect(frame.getByText('Adds the export endpoint').textContent()).resolves.toBe('Adds the export endpoint');
      const href = await frame.getByRole('link', { name: 'Approve' }).getAttribute('href');
      await page.goto(href ?? '');
      await page.getByRole('heading', { name: 'Approve this request?' }).waitFor();
      // The page shows no request text: the email said what the request is.
      await page.getByText('the request described in the email you received').waitFor();
      await expect(page.getByText(subject).count()).resolves.toBe(0);
      await page.getByLabel('Comment (optional)').fill(comment);
      await page.getByRole('button', { name: 'Approve' }).click();
      await page.getByRole('heading', { name: 'Approved' }).waitFor({ timeout: 10_000 });
      if (approver === ana) expect((await local.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    }

    const execution = await waitForEnd(local.sfn, executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    const { decisions } = approvalOutput(execution).approval as unknown as { decisions: Array<Record<string, unknown>> };
    expect(decisions.map((record) => [record.approver, record.decision, record.comment])).toEqual([
      [ana, 'approved', 'Tests are green'],
      [ben, 'approved', 'Release notes checked'],
    ]);
    await page.close();
  });
});
