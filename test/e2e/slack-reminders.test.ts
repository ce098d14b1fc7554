import { expect } from '@jest/globals';
import { decodeSlackButtonValue, SLACK_ACTION_ID } from '../../functions/commons/slack-contract';
import { localSlackUserId } from '../../local/slack/server';
import { startApproval, uniqueManager, waitForEnd } from '../support/local-flow';
import { REMINDER_NOTES } from '../../functions/approval-worker/slack-message-trail';
import { slackButtons, slackMessage, waitForClosedSlackMessage, waitForSlackMessages } from '../support/local-slack-flow';
import { useLocalStack } from '../support/use-local-stack';

jest.setTimeout(60_000);

describe('reminders and expiry of a Slack request on the local stack', () => {
  // A link (here: a pair of buttons) lives 2 s, then one reminder, then the request expires.
  const local = useLocalStack({ context: { reminderIntervalSeconds: 2, reminderCount: 1 } });

  it("sends a fresh message with a new token as the reminder, taking the first message's buttons off; at expiry the reminder is closed too", async () => {
    const ana = uniqueManager('slack-remind');
    const executionArn = await startApproval(local.sfn, local.stack, {
      approvers: [ana],
      via: ['slack'],
      subject: 'Rotate the signing key',
    });

    const [first, reminder] = await waitForSlackMessages(local.stack, ana, 2, 15_000);
    const tokenOf = (blocks: Parameters<typeof slackButtons>[0]): string | undefined =>
      slackButtons(blocks).find((button) => button.actionId === SLACK_ACTION_ID.approve)?.value?.taskToken;
    expect(first?.ts).not.toBe(reminder?.ts);
    expect(tokenOf(reminder?.blocks ?? [])).toEqual(expect.any(String));
    expect(tokenOf(reminder?.blocks ?? [])).not.toBe(tokenOf(first?.blocks ?? []));
    expect(JSON.stringify(reminder?.blocks)).toMatch(/reminder/i);
    // The buttons still name the approver the message was sent to.
    const rawValue = slackButtons(reminder?.blocks ?? []).find((button) => button.actionId === SLACK_ACTION_ID.approve)?.rawValue;
    expect(decodeSlackButtonValue(rawValue)?.approverUserId).toBe(localSlackUserId(ana));

    // The worker took the first message's buttons off before posting the reminder: its task was replaced.
    const firstAfter = await waitForClosedSlackMessage(local.stack, first?.ts ?? '');
    expect(firstAfter.text).toBe(REMINDER_NOTES.slack);
    expect(JSON.stringify(firstAfter.blocks)).toContain('Rotate the signing key');

    const execution = await waitForEnd(local.sfn, executionArn, 15_000);
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('Expired');
    // The request's end closes the reminder as well; the first message keeps its reminder note.
    const reminderAfter = await waitForClosedSlackMessage(local.stack, reminder?.ts ?? '');
    expect(reminderAfter.text).toMatch(/^This request expired at /);
    expect((await slackMessage(local.stack, first?.ts ?? '')).replacements.map((version) => version.text)).toEqual([REMINDER_NOTES.slack]);
  });
});
