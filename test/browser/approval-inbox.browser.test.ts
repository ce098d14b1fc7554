import * as fs from 'node:fs';
import * as path from 'node:path';
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { type Browser, chromium, type FrameLocator, type Page } from 'playwright-core';
import { type LocalStack, startLocalStack } from '../../local/local-stack';
import { linksOf, sfnClientFor, startApproval, uniqueManager, waitForEmails, waitForEnd } from '../support/local-flow';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots land here (git-ignored); the README's pictures are copies of them. */
const ARTIFACTS = path.join(__dirname, 'artifacts');

/** Debian's Chromium, headless; no background networking (this machine has no internet). */
function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not at ${CHROMIUM}. Install it with \`apt-get install -y chromium\`, or set CHROMIUM_PATH.`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

describe('a manager in a real browser', () => {
  let stack: LocalStack;
  let sfn: SFNClient;
  let browser: Browser;

  beforeAll(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    stack = await startLocalStack({ ports: { api: 0, ses: 0, stepFunctions: 0 } });
    sfn = sfnClientFor(stack);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    sfn?.destroy();
    await stack?.close();
  });

  /** Opens the inbox and returns the frame showing the email about `employeeName`. */
  async function openEmail(page: Page, employeeName: string): Promise<FrameLocator> {
    await page.goto(stack.sesUrl);
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
    const executionArn = await startApproval(sfn, stack, { managerEmailAddress: manager, employeeName });
    await waitForEmails(stack, manager);
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });

    const frame = await openEmail(page, employeeName);
    await frame.getByRole('link', { name: button }).waitFor();
    if (button === 'Approve') await page.screenshot({ path: path.join(ARTIFACTS, 'inbox.png') });
    await frame.getByRole('link', { name: button }).click();
    await frame.getByRole('heading', { name: heading }).waitFor({ timeout: 10_000 });

    const execution = await waitForEnd(sfn, executionArn);
    expect(execution.status).toBe(status);
    if (button === 'Reject') expect(execution.error).toBe('Rejected');
    else {
      const decision = JSON.parse(execution.output ?? '{}').approval.decision;
      expect(decision.decision).toBe('approved');
      expect(decision.userAgent).toMatch(/Chrome/);
    }
    await page.close();
  });

  it('shows the approved page on its own, as a person sees it after clicking in a mail client', async () => {
    const manager = uniqueManager('page');
    const executionArn = await startApproval(sfn, stack, { managerEmailAddress: manager, employeeName: 'Jim' });
    const [email] = await waitForEmails(stack, manager);
    const { approve } = linksOf(email!);
    const page = await browser.newPage({ viewport: { width: 800, height: 400 } });

    const response = await page.goto(approve);
    await page.screenshot({ path: path.join(ARTIFACTS, 'approved.png') });

    expect(response?.status()).toBe(200);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Approved');
    expect((await waitForEnd(sfn, executionArn)).status).toBe('SUCCEEDED');
    await page.close();
  });
});

describe('a manager in a real browser, confirm link mode', () => {
  let stack: LocalStack;
  let sfn: SFNClient;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startLocalStack({ ports: { api: 0, ses: 0, stepFunctions: 0 }, context: { linkMode: 'confirm' } });
    sfn = sfnClientFor(stack);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    sfn?.destroy();
    await stack?.close();
  });

  it('opens Approve, sees the confirmation page, types a comment, presses Approve, and the decision carries the comment', async () => {
    const manager = uniqueManager('confirm');
    const executionArn = await startApproval(sfn, stack, { managerEmailAddress: manager, employeeName: 'Jim' });
    const [email] = await waitForEmails(stack, manager);
    const { approve } = linksOf(email!);
    const page = await browser.newPage({ viewport: { width: 800, height: 500 } });

    await page.goto(approve);
    await page.getByRole('heading', { name: 'Approve this request?' }).waitFor();
    await page.getByLabel('Comment (optional)').fill('Budget checked');
    await page.screenshot({ path: path.join(ARTIFACTS, 'confirm.png') });
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('heading', { name: 'Approved' }).waitFor({ timeout: 10_000 });

    const execution = await waitForEnd(sfn, executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(JSON.parse(execution.output ?? '{}').approval.decision).toMatchObject({ decision: 'approved', comment: 'Budget checked' });
    await page.close();
  });
});
