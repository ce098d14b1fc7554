import * as path from 'node:path';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import type { Locator, Page } from 'playwright-core';
import { localSlackUserId } from '../../local/slack/server';
import type { LocalStack } from '../../local/stack/local-stack';
import { approvalOutput, startApproval, waitForEnd } from '../support/local-flow';
import { useLocalStack } from '../support/use-local-stack';
import { ARTIFACTS, useChromium } from './chromium';

/** The README's picture of the local Slack: written only when this is set, then committed by hand. */
const DOCS_SCREENSHOT =
  process.env.APPROVAL_SCREENSHOTS === '1' ? path.join(__dirname, '..', '..', 'docs', 'images', 'slack-local.png') : undefined;

const ANA = 'ana.lima@example.com';
const BEN = 'ben.ortiz@example.com';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until the local Slack holds the app's direct message to `email` about `subject` (GET /store). */
async function waitForDirectMessage(stack: LocalStack, email: string, subject: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const store = (await (await fetch(`${stack.slackUrl ?? ''}/store`)).json()) as { messages: Array<{ email: string; text: string }> };
    if (store.messages.some((message) => message.email === email && message.text.includes(subject))) return;
    if (Date.now() > deadline) throw new Error(`No direct message to ${email} about "${subject}" within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * The page from its top down to just below `message`, into the artifacts, and into docs/images for
 * the README when APPROVAL_SCREENSHOTS=1.
 */
async function screenshotMessage(page: Page, message: Locator, file: string): Promise<void> {
  const box = await message.boundingBox();
  const viewport = page.viewportSize();
  if (box === null || viewport === null) throw new Error('The message is not on screen.');
  const clip = { x: 0, y: 0, width: viewport.width, height: Math.min(viewport.height, Math.ceil(box.y + box.height + 16)) };
  await page.screenshot({ path: path.join(ARTIFACTS, file), clip });
  if (DOCS_SCREENSHOT !== undefined) await page.screenshot({ path: DOCS_SCREENSHOT, clip });
}

describe('approvers deciding on the local Slack page in a real browser', () => {
  const session = useChromium();
  const local = useLocalStack();

  /** The page acting as `email`, as the approver would open it from `approval local`'s printout. */
  async function openAs(email: string): Promise<Page> {
    const page = await session.browser.newPage({ viewport: { width: 900, height: 700 } });
    await page.goto(`${local.stack.slackUrl ?? ''}/?as=${encodeURIComponent(email)}`);
    return page;
  }

  it("refuses a colleague's click on the approver's message, then the approver approves and the execution succeeds", async () => {
    const subject = 'Deploy release 2.4.0 to production';
    const executionArn = await startApproval(local.sfn, local.stack, {
      approvers: [ANA],
      via: ['slack'],
      subject,
      requester: 'jane.doe@example.com',
      details: { Release: '2.4.0', Change: 'Adds the CSV export endpoint', Environment: 'production' },
    });
    await waitForDirectMessage(local.stack, ANA, subject);
    const page = await openAs(BEN);

    const othersMessage = page.locator('h2:has-text("Direct messages to others") ~ article.message', { hasText: subject });
    await othersMessage.getByRole('button', { name: 'Approve' }).click();
    const refusal = page.locator('article.ephemeral');
    await refusal.waitFor({ timeout: 10_000 });

    await page.screenshot({ path: path.join(ARTIFACTS, 'slack-refused.png') });
    expect(await refusal.textContent()).toContain(`Only @${ANA} can decide this request.`);
    expect((await local.sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');

    await page.getByLabel('Acting as').fill(ANA);
    await page.getByRole('button', { name: 'Switch' }).click();
    const ownMessage = page.locator('article.message', { hasText: subject });
    await ownMessage.getByRole('button', { name: 'Approve' }).waitFor();
    await expect(page.locator('article.ephemeral').count()).resolves.toBe(0);
    await screenshotMessage(page, ownMessage, 'slack-local.png');
    await ownMessage.getByRole('button', { name: 'Approve' }).click();
    await ownMessage.getByText(`Approved by @${ANA} at`).waitFor({ timeout: 10_000 });

    await page.screenshot({ path: path.join(ARTIFACTS, 'slack-approved.png') });
    // Slack shows the mention as the member and the date in the reader's time zone; the page shows the address and the UTC fallback.
    await expect(ownMessage.textContent()).resolves.toMatch(
      new RegExp(`Approved by @${ANA.replace(/\./g, '\\.')} at \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC`),
    );
    await expect(ownMessage.getByRole('button').count()).resolves.toBe(0);
    const execution = await waitForEnd(local.sfn, executionArn);
    expect(execution.status).toBe('SUCCEEDED');
    expect(approvalOutput(execution).approval.decision).toMatchObject({
      decision: 'approved',
      channel: 'slack',
      slackUserId: localSlackUserId(ANA),
    });
    await page.close();
  });

  it('opens the reject form, takes a reason, and the execution fails as Rejected with the reason as the comment', async () => {
    const subject = 'Rotate the payments database credentials';
    const reason = 'Not during the freeze week';
    const executionArn = await startApproval(local.sfn, local.stack, { approvers: [ANA], via: ['slack'], subject });
    await waitForDirectMessage(local.stack, ANA, subject);
    const page = await openAs(ANA);
    const message = page.locator('article.message', { hasText: subject });

    await message.getByRole('button', { name: 'Reject' }).click();
    const modal = page.locator('section.modal', { hasText: 'Reject request' });
    await modal.waitFor({ timeout: 10_000 });
    await modal.getByLabel('Reason').fill(reason);
    await page.screenshot({ path: path.join(ARTIFACTS, 'slack-reject-form.png') });
    await modal.getByRole('button', { name: 'Reject' }).click();
    await message.getByText(`Rejected by @${ANA} at`).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'slack-rejected.png') });

    await expect(message.textContent()).resolves.toContain(reason);
    await expect(message.getByRole('button').count()).resolves.toBe(0);
    await expect(page.locator('section.modal').count()).resolves.toBe(0);
    const execution = await waitForEnd(local.sfn, executionArn);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Rejected');
    expect(JSON.parse(execution.cause ?? '{}')).toMatchObject({ decision: 'rejected', channel: 'slack', comment: reason });
    await page.close();
  });
});
