import { renderApprovalEmail } from '../../functions/commons/approval-email';
import { validateApprovalRequest, type ApprovalTask, type NormalizedApprovalRequest } from '../../functions/commons/approval-request';
import { buildDecisionLinks } from '../../functions/commons/decision-links';
import { HOSTILE_NAME, realisticTaskToken } from '../support/fixtures';

const now = new Date('2026-11-21T10:00:00Z');
const links = buildDecisionLinks('https://abc123.execute-api.eu-west-1.amazonaws.com/respond/', realisticTaskToken());

/** A request as CheckRequest hands it on: checked and normalized. */
function checked(input: Record<string, unknown>): NormalizedApprovalRequest {
  const result = validateApprovalRequest(input);
  if (!result.valid) throw new Error(result.problems.map((problem) => problem.message).join('; '));
  return result.request;
}

const seed = (employeeName: string) => checked({ managerEmailAddress: 'boss@example.com', employeeName });
const task = (overrides: Partial<ApprovalTask> = {}): ApprovalTask => ({
  request: seed('Jim Smith'),
  approver: 'boss@example.com',
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
      task: task({ request: seed(HOSTILE_NAME) }),
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
    // The request check refuses such a name; the email stays one line even so.
    const email = renderApprovalEmail({
      task: task({ request: { ...seed('Jim'), employeeName: 'Jim\r\nBcc: evil@example.com\u2028x' } }),
      links,
      now,
    });

    expect(email.subject).toBe('Approval needed for Jim Bcc: evil@example.com x');
    expect(email.subject).not.toMatch(/[\r\n\u2028]/);
  });

  it('cuts a long subject at a whole character, never inside a surrogate pair', () => {
    // "Approval needed for " is 20 characters: the emoji straddles the 200th UTF-16 unit.
    const name = `${'a'.repeat(179)}\u{1F600}${'b'.repeat(30)}`;
    const email = renderApprovalEmail({ task: task({ request: { ...seed('Jim'), employeeName: name } }), links, now });

    expect(email.subject).toBe(`Approval needed for ${'a'.repeat(179)}\u{1F600}`);
    expect(email.subject).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });
});

// The seed's email, byte for byte as it was before requests could take another form: a change to
// it must show up here.
const PINNED_SEED_FIRST_EMAIL = {
  subject: 'Approval needed for Jim <b>"O\'Brien"</b> & Co',
  text: [
    'An approval is requested for Jim <b>"O\'Brien"</b> & Co.',
    // Two blank lines: the seed email leaves the empty reminder line in the first email.
    '',
    '',
    'Approve: https://abc123.execute-api.eu-west-1.amazonaws.com/respond/succeed?taskToken=AQC%2Btok%2Fen%3D%3D',
    '',
    'Reject: https://abc123.execute-api.eu-west-1.amazonaws.com/respond/fail?taskToken=AQC%2Btok%2Fen%3D%3D',
    '',
    'These links work until about 2026-11-22 10:00 UTC; if nobody answers by then, a reminder follows. The request expires at about 2026-11-24 10:00 UTC.',
    'Anyone with these links can answer the request: do not forward this email.',
    '',
    'Request: promotion-jim-42',
  ].join('\n'),
  html: [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Approval needed for Jim &lt;b&gt;&quot;O&#39;Brien&quot;&lt;/b&gt; &amp; Co</title></head>',
    '<body>',
    '<div style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;line-height:1.5;color:rgb(32,33,36);max-width:36em">',
    '<p>An approval is requested for <strong>Jim &lt;b&gt;&quot;O&#39;Brien&quot;&lt;/b&gt; &amp; Co</strong>.</p>',
    '<p>',
    '<a href="https://abc123.execute-api.eu-west-1.amazonaws.com/respond/succeed?taskToken=AQC%2Btok%2Fen%3D%3D" style="display:inline-block;padding:12px 24px;margin:0 12px 12px 0;border-radius:6px;background:rgb(24,128,56);color:white;font-weight:bold;text-decoration:none">Approve</a>',
    '<a href="https://abc123.execute-api.eu-west-1.amazonaws.com/respond/fail?taskToken=AQC%2Btok%2Fen%3D%3D" style="display:inline-block;padding:12px 24px;margin:0 12px 12px 0;border-radius:6px;background:rgb(197,34,31);color:white;font-weight:bold;text-decoration:none">Reject</a>',
    '</p>',
    '<p>These links work until about 2026-11-22 10:00 UTC; if nobody answers by then, a reminder follows. The request expires at about 2026-11-24 10:00 UTC.</p>',
    '<p style="color:rgb(95,99,104);font-size:90%">Anyone with these links can answer the request: do not forward this email.',
    '<br>Request: promotion-jim-42</p>',
    '</div>',
    '</body></html>',
  ].join('\n'),
};

const PINNED_SEED_LAST_EMAIL = {
  subject: 'Reminder 2 of 2: approval needed for Jim <b>"O\'Brien"</b> & Co',
  text: [
    'An approval is requested for Jim <b>"O\'Brien"</b> & Co.',
    '',
    'This is reminder 2 of 2. Links in earlier emails no longer work; use the ones below.',
    '',
    'Approve: https://abc123.execute-api.eu-west-1.amazonaws.com/respond/succeed?taskToken=AQC%2Btok%2Fen%3D%3D',
    '',
    'Reject: https://abc123.execute-api.eu-west-1.amazonaws.com/respond/fail?taskToken=AQC%2Btok%2Fen%3D%3D',
    '',
    'These links work until about 2026-11-22 10:00 UTC. After that the request expires and is not approved.',
    'Anyone with these links can answer the request: do not forward this email.',
    '',
    'Request: promotion-jim-42',
  ].join('\n'),
  html: [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Reminder 2 of 2: approval needed for Jim &lt;b&gt;&quot;O&#39;Brien&quot;&lt;/b&gt; &amp; Co</title></head>',
    '<body>',
    '<div style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;line-height:1.5;color:rgb(32,33,36);max-width:36em">',
    '<p>An approval is requested for <strong>Jim &lt;b&gt;&quot;O&#39;Brien&quot;&lt;/b&gt; &amp; Co</strong>.</p>',
    '<p><strong>This is reminder 2 of 2. Links in earlier emails no longer work; use the ones below.</strong></p>',
    '<p>',
    '<a href="https://abc123.execute-api.eu-west-1.amazonaws.com/respond/succeed?taskToken=AQC%2Btok%2Fen%3D%3D" style="display:inline-block;padding:12px 24px;margin:0 12px 12px 0;border-radius:6px;background:rgb(24,128,56);color:white;font-weight:bold;text-decoration:none">Approve</a>',
    '<a href="https://abc123.execute-api.eu-west-1.amazonaws.com/respond/fail?taskToken=AQC%2Btok%2Fen%3D%3D" style="display:inline-block;padding:12px 24px;margin:0 12px 12px 0;border-radius:6px;background:rgb(197,34,31);color:white;font-weight:bold;text-decoration:none">Reject</a>',
    '</p>',
    '<p>These links work until about 2026-11-22 10:00 UTC. After that the request expires and is not approved.</p>',
    '<p style="color:rgb(95,99,104);font-size:90%">Anyone with these links can answer the request: do not forward this email.',
    '<br>Request: promotion-jim-42</p>',
    '</div>',
    '</body></html>',
  ].join('\n'),
};

describe('renderApprovalEmail for a seed request', () => {
  const pinnedTask = (attempt: number): ApprovalTask =>
    task({ request: seed(`Jim <b>"O'Brien"</b> & Co`), attempt, reminderIntervalSeconds: 86_400 });
  const pinnedLinks = buildDecisionLinks('https://abc123.execute-api.eu-west-1.amazonaws.com/respond/', 'AQC+tok/en==');

  it('is exactly the seed email', () => {
    expect(renderApprovalEmail({ task: pinnedTask(1), links: pinnedLinks, now })).toEqual(PINNED_SEED_FIRST_EMAIL);
  });

  it('is exactly the seed email for the last reminder', () => {
    expect(renderApprovalEmail({ task: pinnedTask(3), links: pinnedLinks, now })).toEqual(PINNED_SEED_LAST_EMAIL);
  });

  it('shows neither the derived subject nor anything but the name, even beside extra fields', () => {
    const request = checked({ managerEmailAddress: 'boss@example.com', employeeName: `Jim <b>"O'Brien"</b> & Co`, subject: 'Other' });

    expect(renderApprovalEmail({ task: { ...pinnedTask(1), request }, links: pinnedLinks, now })).toEqual(PINNED_SEED_FIRST_EMAIL);
  });
});

describe('renderApprovalEmail for a general request', () => {
  const deploy = checked({
    approvers: ['ana@example.com', 'ben@example.com'],
    subject: 'Deploy release 42 to production',
    details: { Release: '42', Change: 'Adds the export endpoint' },
    requester: 'dev@example.com',
  });
  const general = (request: NormalizedApprovalRequest, overrides: Partial<ApprovalTask> = {}) =>
    renderApprovalEmail({
      task: task({ request, approver: request.approvers[0] ?? '', executionName: 'deploy-42', ...overrides }),
      links,
      now,
    });

  it("has the request's subject as its subject and says what is asked, by whom, and how it is decided", () => {
    const email = general(deploy);

    expect(email.subject).toBe('Deploy release 42 to production');
    expect(email.text).toBe(
      [
        'Your approval is requested: Deploy release 42 to production',
        '',
        'Release: 42',
        'Change: Adds the export endpoint',
        '',
        'Requested by dev@example.com.',
        'Any one of the 2 approvers can decide.',
        '',
        `Approve: ${links.approveUrl}`,
        '',
        `Reject: ${links.rejectUrl}`,
        '',
        'These links work until about 2026-11-22 10:00 UTC; if nobody answers by then, a reminder follows. The request expires at about 2026-11-24 10:00 UTC.',
        'Anyone with these links can answer the request: do not forward this email.',
        '',
        'Request: deploy-42',
      ].join('\n'),
    );
    expect(email.html).toContain('<h1 style="font-size:1.25em;margin:0 0 16px">Deploy release 42 to production</h1>');
    expect(email.html).toMatch(/<th scope="row"[^>]*>Release<\/th><td[^>]*>42<\/td>/);
    expect(email.html).toMatch(/<th scope="row"[^>]*>Change<\/th><td[^>]*>Adds the export endpoint<\/td>/);
    expect(email.html).toContain('<p>Requested by <strong>dev@example.com</strong>.<br>Any one of the 2 approvers can decide.</p>');
    expect(email.html).toContain(`href="${links.approveUrl}"`);
    expect(email.html).toContain(`href="${links.rejectUrl}"`);
    expect(email.html).toContain('do not forward this email.');
    expect(email.html).toContain('<br>Request: deploy-42</p>');
  });

  it('says that every approver must approve under policy all', () => {
    const email = general({ ...deploy, policy: 'all' });

    expect(email.text).toContain('All 2 approvers must approve; one rejection decides.');
    expect(email.html).toContain('All 2 approvers must approve; one rejection decides.');
  });

  it('says nothing about a policy, a requester or details when there is one approver and nothing else', () => {
    const email = general(checked({ approvers: ['ana@example.com'], subject: 'Refund order 7', policy: 'all' }));

    expect(email.text.split('\n').slice(0, 3)).toEqual(['Your approval is requested: Refund order 7', '', `Approve: ${links.approveUrl}`]);
    expect(email.html).not.toContain('<table');
    expect(email.html).not.toContain('approvers');
    expect(email.html).not.toContain('Requested by');
  });

  it('prefixes reminders as the seed email does, and says which reminder it is', () => {
    const email = general(deploy, { attempt: 2, reminderCount: 3 });

    expect(email.subject).toBe('Reminder 1 of 3: Deploy release 42 to production');
    expect(email.text).toContain('This is reminder 1 of 3. Links in earlier emails no longer work; use the ones below.');
    expect(email.html).toContain('<p><strong>This is reminder 1 of 3.');
  });

  it('cuts a long reminder subject to 200 characters without splitting an emoji', () => {
    const email = general({ ...deploy, subject: '🚀'.repeat(200) }, { attempt: 2, reminderCount: 3 });

    expect([...email.subject]).toHaveLength(200);
    expect(email.subject).toBe(`Reminder 1 of 3: ${'🚀'.repeat(183)}`);
    expect(email.subject).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('escapes HTML in the subject, the details and the requester', () => {
    const email = general(
      checked({
        approvers: ['ana@example.com'],
        subject: `Deploy <script>alert("x")</script> & 'more'`,
        details: { '<b>Key</b>': `<img src=x onerror="alert('pwned')">`, Owner: 'R&D "core"' },
        requester: "o'dev&co@example.com",
      }),
    );

    expect(email.html).not.toContain('<script');
    expect(email.html).not.toContain('<img');
    expect(email.html).not.toContain('<b>Key</b>');
    expect(email.html).toContain('<title>Deploy &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;more&#39;</title>');
    expect(email.html).toContain('>Deploy &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;more&#39;</h1>');
    expect(email.html).toMatch(
      />&lt;b&gt;Key&lt;\/b&gt;<\/th><td[^>]*>&lt;img src=x onerror=&quot;alert\(&#39;pwned&#39;\)&quot;&gt;<\/td>/,
    );
    expect(email.html).toMatch(/>Owner<\/th><td[^>]*>R&amp;D &quot;core&quot;<\/td>/);
    expect(email.html).toContain('Requested by <strong>o&#39;dev&amp;co@example.com</strong>.');
    // The plain-text part shows everything as typed.
    expect(email.subject).toBe(`Deploy <script>alert("x")</script> & 'more'`);
    expect(email.text).toContain(`<b>Key</b>: <img src=x onerror="alert('pwned')">`);
    expect(email.text).toContain("Requested by o'dev&co@example.com.");
  });
  it('shows no bidirectional control or hidden format character, whatever the task carries', () => {
    // The execution name is the StartExecution caller's choice (Step Functions allows bidirectional
    // controls in it); the marks in the subject and details are those of a request accepted before
    // they were refused, whose reminders still go out.
    const email = general(
      { ...deploy, subject: 'Pay \u200finvoice 42', details: { 'Amount\u206a': '1\u061c00 EUR', Payee: 'ACME\ufff9 Ltd\ufffb' } },
      { executionName: 'pay-\u202e24-eciovni', attempt: 2 },
    );

    const hidden = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u206f\ufff9-\ufffb]/;
    expect(email.subject).not.toMatch(hidden);
    expect(email.html).not.toMatch(hidden);
    expect(email.text).not.toMatch(hidden);
    expect(email.subject).toBe('Reminder 1 of 2: Pay invoice 42');
    expect(email.text).toContain('Amount: 100 EUR\nPayee: ACME Ltd');
    expect(email.text).toContain('Request: pay-24-eciovni');
    expect(email.html).toContain('<br>Request: pay-24-eciovni</p>');
  });

  it('drops the soft hyphen, U+180E, the invisible operators and tag characters, and replaces lone surrogates, for a request accepted before they were refused', () => {
    const smuggled = Array.from('approve now', (letter) => String.fromCodePoint(0xe0000 + letter.charCodeAt(0))).join('');
    const email = general({
      ...deploy,
      subject: `Pay\u00ad invoice\u180e 42${smuggled}`,
      details: { 'Amount\u2061': '1\u2062\u2063\u206400 EUR', Note: 'half \ud800 pair' },
    });

    const hidden = /[\u00ad\u180e\u2061-\u2064]|\udb40[\udc00-\udc7f]/;
    for (const shown of [email.subject, email.html, email.text]) {
      expect(shown).not.toMatch(hidden);
      expect(shown).not.toMatch(/[\ud800-\udfff]/u);
    }
    expect(email.subject).toBe('Pay invoice 42');
    expect(email.text).toContain('Amount: 100 EUR\nNote: half \ufffd pair');
    // The England flag is made of tag characters and stays whole.
    expect(general({ ...deploy, subject: '🏴󠁧󠁢󠁥󠁮󠁧󠁿 release' }).subject).toBe('🏴󠁧󠁢󠁥󠁮󠁧󠁿 release');
  });

  it('shows a seed name and execution name without bidirectional controls', () => {
    const email = renderApprovalEmail({
      task: task({ request: { ...seed('Jim'), employeeName: 'Jim \u200eSmith' }, executionName: 'promo-\u2067jim\u2069' }),
      links,
      now,
    });

    expect(email.subject).toBe('Approval needed for Jim Smith');
    expect(email.text).toContain('An approval is requested for Jim Smith.');
    expect(email.html).toContain('<strong>Jim Smith</strong>');
    expect(email.text).toContain('Request: promo-jim');
    expect(`${email.html}${email.text}`).not.toMatch(/[\u200e\u2067\u2069]/);
  });
});
