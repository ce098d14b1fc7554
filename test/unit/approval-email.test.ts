import { renderApprovalEmail } from '../../functions/commons/approval-email';
import type { ApprovalTask } from '../../functions/commons/approval-request';
import { buildDecisionLinks } from '../../functions/commons/decision-links';
import { HOSTILE_NAME, realisticTaskToken } from '../support/fixtures';

const now = new Date('2026-11-21T10:00:00Z');
const links = buildDecisionLinks('https://abc123.execute-api.eu-west-1.amazonaws.com/respond/', realisticTaskToken());
const task = (overrides: Partial<ApprovalTask> = {}): ApprovalTask => ({
  request: { managerEmailAddress: 'boss@example.com', employeeName: 'Jim Smith' },
  attempt: 1,
  reminderCount: 2,
  reminderIntervalSeconds: 86_400,
  executionName: 'promotion-jim-42',
  ...overrides,
});

describe('renderApprovalEmail', () => {
  it('gives both links, in HTML and in plain text, and says when they stop working', () => {
    const email = renderApprovalEmail({ task: task(), links, now });

    expect(email.subject).toBe('Approval needed for Jim Smith');
    expect(email.text).toContain(`Approve: ${links.approveUrl}`);
    expect(email.text).toContain(`Reject: ${links.rejectUrl}`);
    expect(email.html).toContain(`href="${links.approveUrl}"`);
    expect(email.html).toContain(`href="${links.rejectUrl}"`);
    expect(email.text).toContain('These links work until about 2026-11-22 10:00 UTC');
    expect(email.text).toContain('The request expires at about 2026-11-24 10:00 UTC');
    expect(email.text).toContain('Request: promotion-jim-42');
  });

  it('says a reminder is a reminder, and which one', () => {
    const email = renderApprovalEmail({ task: task({ attempt: 2 }), links, now });

    expect(email.subject).toBe('Reminder 1 of 2: approval needed for Jim Smith');
    expect(email.text).toContain('This is reminder 1 of 2. Links in earlier emails no longer work');
    expect(email.html).toContain('This is reminder 1 of 2.');
  });

  it('says the last reminder is the last chance', () => {
    const email = renderApprovalEmail({ task: task({ attempt: 3 }), links, now });

    expect(email.subject).toBe('Reminder 2 of 2: approval needed for Jim Smith');
    expect(email.text).toContain('After that the request expires and is not approved.');
  });

  it('escapes an HTML-hostile employee name everywhere in the HTML body', () => {
    const email = renderApprovalEmail({
      task: task({ request: { managerEmailAddress: 'boss@example.com', employeeName: HOSTILE_NAME } }),
      links,
      now,
    });

    expect(email.html).not.toContain('<img');
    expect(email.html).not.toContain('<b>Jim</b>');
    expect(email.html).toContain(
      '&lt;img src=x onerror=&quot;alert(&#39;pwned&#39;)&quot;&gt;&amp;&lt;b&gt;Jim&lt;/b&gt; &quot;O&#39;Brien&quot;',
    );
    // The plain-text part shows the name as typed.
    expect(email.text).toContain(HOSTILE_NAME);
  });

  it('keeps the subject on one line whatever the name holds', () => {
    const email = renderApprovalEmail({
      task: task({ request: { managerEmailAddress: 'boss@example.com', employeeName: 'Jim\r\nBcc: evil@example.com\u2028x' } }),
      links,
      now,
    });

    expect(email.subject).toBe('Approval needed for Jim Bcc: evil@example.com x');
    expect(email.subject).not.toMatch(/[\r\n\u2028]/);
  });
});
