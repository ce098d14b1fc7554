import { expect } from '@jest/globals';
import { type ApprovalTask, validateApprovalRequest } from '../../functions/commons/approval-request';
import {
  escapeSlackText,
  renderApprovalSlackMessage,
  SLACK_LIMITS,
  type SlackApprovalMessage,
  type SlackBlock,
  type SlackButton,
} from '../../functions/commons/approval-slack-message';
import { decodeSlackButtonValue, SLACK_ACTION_ID, SLACK_ACTIONS_BLOCK_ID } from '../../functions/commons/slack-contract';
import { realisticTaskToken } from '../support/fixtures';

const NOW = new Date('2026-11-21T10:00:00Z');
const TOKEN = realisticTaskToken(900, 3);
const ANA_SLACK_ID = 'U07ANA4242';

function taskFor(input: Record<string, unknown>, overrides: Partial<ApprovalTask> = {}): ApprovalTask {
  const checked = validateApprovalRequest({ via: ['slack'], ...input });
  if (!checked.valid) throw new Error(checked.problems.map((problem) => problem.message).join('; '));
  return {
    request: checked.request,
    approver: checked.request.approvers[0] ?? '',
    attempt: 1,
    reminderCount: 2,
    reminderIntervalSeconds: 3_600,
    executionName: 'deploy-42',
    ...overrides,
  };
}

const deployRequest = {
  approvers: ['ana@example.com', 'ben@example.com', 'cy@example.com'],
  subject: 'Deploy release 42 to production',
  details: { Release: '42', Change: 'Adds the export endpoint' },
  requester: 'dev@example.com',
};

const render = (task: ApprovalTask) => renderApprovalSlackMessage({ task, approverUserId: ANA_SLACK_ID, taskToken: TOKEN, now: NOW });

/** Every text a person can see: the fallback, and each text object of each block. */
function visibleTexts(message: SlackApprovalMessage): string[] {
  return [message.text, ...message.blocks.flatMap(blockTexts)];
}

function blockTexts(block: SlackBlock): string[] {
  switch (block.type) {
    case 'header':
      return [block.text.text];
    case 'section':
      return 'fields' in block ? block.fields.map((field) => field.text) : [block.text.text];
    case 'context':
      return block.elements.map((element) => element.text);
    case 'actions':
      return block.elements.map((button) => button.text.text);
  }
}

function buttons(message: SlackApprovalMessage): SlackButton[] {
  const actions = message.blocks.find((block) => block.type === 'actions');
  if (actions?.type !== 'actions') throw new Error('no actions block');
  expect(actions.block_id).toBe(SLACK_ACTIONS_BLOCK_ID);
  return actions.elements;
}

function fields(message: SlackApprovalMessage): string[] {
  return message.blocks.flatMap((block) => (block.type === 'section' && 'fields' in block ? block.fields.map((field) => field.text) : []));
}

describe('renderApprovalSlackMessage', () => {
  it('shows the subject as the header, the details as fields, who asks and the policy', () => {
    const message = render(taskFor({ ...deployRequest, policy: 'any' }));

    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Deploy release 42 to production' } });
    expect(fields(message)).toEqual(['*Release*\n42', '*Change*\nAdds the export endpoint']);
    const all = visibleTexts(message).join('\n');
    expect(all).toContain('Your approval is requested by dev@example.com.');
    expect(all).toContain('Any one of 3 approvers decides.');
    expect(message.text).toBe('Approval requested: Deploy release 42 to production');
  });

  it('says how policy all decides, and when one approver is alone', () => {
    expect(visibleTexts(render(taskFor({ ...deployRequest, approvers: ['ana@example.com', 'ben@example.com'], policy: 'all' })))).toContain(
      'Your approval is requested by dev@example.com.\nAll 2 approvers must approve; one rejection decides.',
    );
    expect(visibleTexts(render(taskFor({ approvers: ['ana@example.com'], subject: 'Refund order 7' })))).toContain(
      'Your approval is requested.\nYou are the only approver.',
    );
  });

  it("says until when the buttons work and when the request expires, in the reader's time zone with UTC as the fallback", () => {
    const all = visibleTexts(render(taskFor(deployRequest))).join('\n');

    // Taken at 10:00 with an hour per attempt and 2 reminders: buttons until 11:00, expiry at 13:00.
    expect(all).toContain(
      'These buttons work until about <!date^1795258800^{date_short_pretty} at {time}|2026-11-21 11:00 UTC>; if nobody answers by then, a reminder follows. ' +
        'The request expires at about <!date^1795266000^{date_short_pretty} at {time}|2026-11-21 13:00 UTC>.',
    );
  });

  it('says which reminder this is, in the header, the fallback text and the body', () => {
    const message = render(taskFor(deployRequest, { attempt: 3 }));

    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Reminder 2 of 2: Deploy release 42 to production' },
    });
    expect(message.text).toBe('Approval reminder 2 of 2: Deploy release 42 to production');
    const all = visibleTexts(message).join('\n');
    expect(all).toContain('*This is reminder 2 of 2.* Buttons in earlier messages no longer work; use the ones below.');
    expect(all).toContain('After that the request expires and is not approved.');
  });

  it("has an Approve and a Reject button with the shared ids, each carrying the token and the approver's Slack user", () => {
    const [approve, reject] = buttons(render(taskFor(deployRequest)));

    expect(approve).toMatchObject({
      type: 'button',
      text: { type: 'plain_text', text: 'Approve' },
      style: 'primary',
      action_id: SLACK_ACTION_ID.approve,
    });
    expect(reject).toMatchObject({
      type: 'button',
      text: { type: 'plain_text', text: 'Reject' },
      style: 'danger',
      action_id: SLACK_ACTION_ID.reject,
    });
    for (const button of [approve, reject]) {
      expect(decodeSlackButtonValue(button?.value)).toEqual({ approverUserId: ANA_SLACK_ID, taskToken: TOKEN });
    }
  });

  it('never shows the token: not in the fallback text, not in any text of any block', () => {
    const message = render(taskFor(deployRequest, { attempt: 2 }));

    for (const text of visibleTexts(message)) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(TOKEN.slice(0, 40));
    }
  });

  it('escapes &, < and > in every text from the request, so it cannot link, mention or format a date', () => {
    const message = render(
      taskFor(
        {
          approvers: ['ana@example.com'],
          subject: 'Deploy <!channel> & <https://evil.example|click here>',
          details: { '<@U0BOSS>': '<!here> A&B > C', Note: '<!date^0^{date}|x>' },
          requester: 'dev@example.com',
        },
        { executionName: 'exec-<!everyone>' },
      ),
    );

    const mrkdwn = visibleTexts(message)
      .filter((text) => !['Approve', 'Reject'].includes(text))
      .slice(2);
    for (const text of [message.text, ...mrkdwn]) {
      expect(text).not.toMatch(/<!channel>|<!here>|<!everyone>|<@U0BOSS>|<https:/);
    }
    expect(message.text).toBe('Approval requested: Deploy &lt;!channel&gt; &amp; &lt;https://evil.example|click here&gt;');
    expect(fields(message)).toEqual(['*&lt;@U0BOSS&gt;*\n&lt;!here&gt; A&amp;B &gt; C', '*Note*\n&lt;!date^0^{date}|x&gt;']);
    expect(visibleTexts(message).join('\n')).toContain('Request: exec-&lt;!everyone&gt;');
    // The header is plain_text, which Slack shows as it is: no link, mention or date is parsed there.
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Deploy <!channel> & <https://evil.example|click here>' },
    });
  });

  it("marks every mrkdwn text carrying the request's words verbatim, so Slack links no bare URL or #channel in them, while the times still format", () => {
    const message = render(
      taskFor({
        approvers: ['ana@example.com'],
        subject: 'Rotate keys for #payments',
        details: { Runbook: 'https://wiki.example.com/runbooks/rotate', Team: '#payments @oncall' },
        requester: 'dev@example.com',
      }),
    );

    const mrkdwnObjects = message.blocks.flatMap((block) => {
      if (block.type === 'section') return 'fields' in block ? block.fields : [block.text];
      return block.type === 'context' ? block.elements : [];
    });
    const carryingRequest = mrkdwnObjects.filter((object) =>
      ['dev@example.com', 'https://wiki.example.com', '#payments', 'Request: deploy-42'].some((words) => object.text.includes(words)),
    );
    expect(carryingRequest.map((object) => object.text)).toEqual([
      expect.stringContaining('Your approval is requested by dev@example.com.'),
      '*Runbook*\nhttps://wiki.example.com/runbooks/rotate',
      '*Team*\n#payments @oncall',
      expect.stringContaining('Request: deploy-42'),
    ]);
    for (const object of carryingRequest) expect(object).toMatchObject({ type: 'mrkdwn', verbatim: true });
    // Verbatim keeps manual strings working: the times are still <!date^...> in the context block.
    expect(JSON.stringify(message.blocks)).toMatch(/<!date\^\d+\^\{date_short_pretty\} at \{time\}\|2026-11-21 \d\d:\d\d UTC>/);
  });

  it("keeps within Block Kit's limits however long the text, cutting with an ellipsis and never inside an escape", () => {
    const details = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`${i}`.padEnd(100, '&'), '<'.repeat(1_000)]));
    const message = render(
      taskFor({ approvers: ['ana@example.com'], subject: '&'.repeat(200), details }, { attempt: 3, reminderCount: 9 }),
    );

    const header = message.blocks[0];
    expect(header?.type === 'header' && header.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    const sections = message.blocks.filter((block) => block.type === 'section' && 'fields' in block);
    expect(sections).toHaveLength(2);
    for (const section of sections) {
      const sectionFields = section.type === 'section' && 'fields' in section ? section.fields : [];
      expect(sectionFields.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionFields);
      for (const field of sectionFields) {
        expect(field.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
        expect(field.text).toMatch(/^\*\d+(&amp;)+\*\n(&lt;)+…$/);
      }
    }
    for (const block of message.blocks) {
      if (block.type === 'section' && 'text' in block) expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      if (block.type === 'context')
        for (const element of block.elements) expect(element.text.length).toBeLessThanOrEqual(SLACK_LIMITS.contextText);
    }
    expect(fields(message)).toHaveLength(20);
  });

  it('drops hidden characters a task may still carry from before they were refused', () => {
    const task = taskFor(deployRequest);
    const message = render({
      ...task,
      request: { ...task.request, subject: 'Deploy\u2066 release\u2069 42' },
      executionName: 'run\u202e-7',
    });

    expect(message.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Deploy release 42' } });
    expect(visibleTexts(message).join('\n')).toContain('Request: run-7');
  });
});

describe('escapeSlackText', () => {
  it('escapes only the three control characters, as Slack asks', () => {
    expect(escapeSlackText(`A & B <c> "d" 'e' *f* _g_`)).toBe(`A &amp; B &lt;c&gt; "d" 'e' *f* _g_`);
  });
});
