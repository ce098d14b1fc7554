import { expect } from '@jest/globals';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { localSlackUserId } from '../../local/slack/server';
import { linksOf, open, startApproval, uniqueManager, waitForEmails, waitForEnd } from '../support/local-flow';
import { actInSlack, type StoredSlackMessage, waitForClosedSlackMessage, waitForSlackMessages } from '../support/local-slack-flow';
import { useLocalStack } from '../support/use-local-stack';

jest.setTimeout(60_000);

const lastText = (message: StoredSlackMessage): string => JSON.stringify(message.blocks.at(-1));

describe("closing every approver's Slack message when the request ends, on the local stack", () => {
  const local = useLocalStack();

  it("replaces the other approver's message with the outcome when one approves (policy any), through the status-change event", async () => {
    const ana = uniqueManager('close-ana');
    const ben = uniqueManager('close-ben');
    const executionArn = await startApproval(local.sfn, local.stack, {
      approvers: [ana, ben],
      via: ['slack'],
      subject: 'Open the firewall for the partner',
    });
    const [anaMessage] = await waitForSlackMessages(local.stack, ana);
    const [benMessage] = await waitForSlackMessages(local.stack, ben);

    await actInSlack(local.stack, { ts: anaMessage?.ts ?? '', action: 'approve', as: ana });
    expect((await waitForEnd(local.sfn, executionArn)).status).toBe('SUCCEEDED');

    const closed = await waitForClosedSlackMessage(local.stack, benMessage?.ts ?? '');
    expect(lastText(closed)).toContain(`Approved by <@${localSlackUserId(ana)}>`);
    expect(JSON.stringify(closed.blocks)).toContain('Open the firewall for the partner');
    // The status-change event went through the local EventBridge to the closer, and was delivered
    // (the message may be replaced before the closer's invocation has returned).
    await local.stack.events?.settled();
    const delivered = (local.stack.events?.events() ?? []).filter(
      (stored) => (stored.event.detail as { executionArn?: string }).executionArn === executionArn,
    );
    expect(delivered.map((stored) => [stored.event['detail-type'], stored.matched.map((match) => match.result)])).toEqual([
      ['Step Functions Execution Status Change', ['delivered']],
    ]);
  });

  it('closes the Slack message of a request decided with the email link', async () => {
    const ana = uniqueManager('close-email');
    const executionArn = await startApproval(local.sfn, local.stack, {
      approvers: [ana],
      via: ['slack', 'email'],
      subject: 'Rotate the database password',
    });
    const [message] = await waitForSlackMessages(local.stack, ana);
    const [email] = await waitForEmails(local.stack, ana);

    await open(linksOf(email!).reject);
    expect((await waitForEnd(local.sfn, executionArn)).error).toBe('Rejected');

    const closed = await waitForClosedSlackMessage(local.stack, message?.ts ?? '');
    expect(lastText(closed)).toContain(`Rejected by ${ana}`);
  });

  it('closes the messages of a stopped request', async () => {
    const ana = uniqueManager('close-stop');
    const executionArn = await startApproval(local.sfn, local.stack, {
      approvers: [ana],
      via: ['slack'],
      subject: 'Delete the old bucket',
    });
    const [message] = await waitForSlackMessages(local.stack, ana);

    await local.sfn.send(new StopExecutionCommand({ executionArn, error: 'ChangeCancelled' }));

    const closed = await waitForClosedSlackMessage(local.stack, message?.ts ?? '');
    expect(lastText(closed)).toContain('This request was stopped');
    expect(closed.replacements).toHaveLength(1);
  });
});
