import { expect } from '@jest/globals';
import { fetchStoredEmails } from '../../local/ses/stored-emails';
import { approvalOutput, open, type Page, startApproval, uniqueManager, waitForEnd } from '../support/local-flow';
import {
  countEvents,
  describeExecution,
  emailedRequest,
  expectPageIsHtml4xx,
  historyOf,
  startNamed,
  tokenOfLink,
  useFaultStack,
} from './fault-harness';
import { portsOf, sendTokenEveryWay } from '../support/token-requests';
import { capturedLogs, results } from './suite-collector';

// Hostile input from outside: forged and damaged tokens in links, and execution inputs a caller
// could send. Part of the fault suite: run through local-stack-faults.test.ts.

describe('on one stack with the default settings: hostile tokens and inputs', () => {
  const local = useFaultStack('hostile');

  describe('4. hostile tokens', () => {
    const TEN_KB = 'The quick brown fox jumps over the lazy dog; '.repeat(300).slice(0, 10 * 1024);
    const HOSTILE_TOKENS: ReadonlyArray<readonly [string, string]> = [
      ['a double quote', '"'],
      ['a backslash', '\\'],
      ['a single quote', "'"],
      ['a JSON field injection', '","output":"{}'],
      ['a JSON object end', '"}'],
      ['a JSON document', '{"taskToken":"x","output":"{}"}'],
      ['10 KB of text', TEN_KB],
      ['non-ASCII', 'é日本😀'],
      ['a script tag', '<script>alert(1)</script>'],
      ['the text %00', '%00'],
      ['CR/LF and a header', 'abc\r\nSet-Cookie: stolen=1'],
      ['a VTL reference', '$context.requestId'],
      ['a VTL directive', '#set($x=1)'],
      ['a VTL method call', '$util.escapeJavaScript("x")$input.json(\'$\')'],
    ];

    it.each(['succeed', 'fail'])('/%s answers every hostile token with a 4xx HTML page that does not echo it', async (route) => {
      const statuses: Record<string, string> = {};
      for (const [label, token] of HOSTILE_TOKENS) {
        const page = await open(`${local.stack.apiUrl}/${route}?taskToken=${encodeURIComponent(token)}`);
        statuses[label] = `${page.status} ${page.title}`;
        expectPageIsHtml4xx(page, label);
        if (token.length >= 4) expect(page.body).not.toContain(token);
      }
      // The same, written into the URL without encoding (as a crafted link would be).
      const raw = [
        '%00',
        '%',
        '%zz',
        '%E0%A4%A',
        '<script>alert(1)</script>',
        '"}',
        '\\"',
        '$context.requestId',
        '%0D%0ASet-Cookie:%20stolen=1',
      ];
      for (const query of raw) {
        const response = await fetch(`${local.stack.apiUrl}/${route}?taskToken=${query}`, { headers: { accept: 'text/html' } });
        const body = await response.text();
        const page: Page = {
          status: response.status,
          contentType: response.headers.get('content-type'),
          title: /<h1[^>]*>([^<]*)<\/h1>/.exec(body)?.[1],
          body,
        };
        statuses[`raw ${query}`] = `${page.status} ${page.title}`;
        expectPageIsHtml4xx(page, `raw ${query}`);
        expect(response.headers.get('set-cookie')).toBeNull();
      }
      results[`hostileTokens /${route}`] = statuses;
    });

    it('a real, still-open token with a hostile suffix does not close the request; the real link still works', async () => {
      const { executionArn, approve, reject } = await emailedRequest(local, 'Suffix');
      const token = tokenOfLink(approve);
      const suffixes = [
        '"',
        '\\',
        "'",
        '","output":"{}',
        '"}',
        ' ',
        '%00',
        '\u0000',
        '\r\n',
        '<script>alert(1)</script>',
        '$context.requestId',
        '#set($x=1)',
        'é日本😀',
        '==',
      ];
      const urls: Array<readonly [string, string]> = suffixes.flatMap((suffix) =>
        ['succeed', 'fail'].map(
          (route) =>
            [
              `${route} + ${JSON.stringify(suffix)}`,
              `${local.stack.apiUrl}/${route}?taskToken=${encodeURIComponent(token + suffix)}`,
            ] as const,
        ),
      );
      // The token unencoded: its `+` arrive as spaces. And a prefix.
      urls.push(['succeed, token not URL-encoded', `${local.stack.apiUrl}/succeed?taskToken=${token}`]);
      urls.push(['fail, token not URL-encoded', `${local.stack.apiUrl}/fail?taskToken=${token}`]);
      urls.push(['succeed, "x" + token', `${local.stack.apiUrl}/succeed?taskToken=${encodeURIComponent(`x${token}`)}`]);

      for (const [label, url] of urls) {
        const page = await open(url);
        expectPageIsHtml4xx(page, label);
        expect(page.body).not.toContain(token.slice(0, 32));
      }
      const afterAbuse = await describeExecution(local.sfn, executionArn);
      const history = await historyOf(local.sfn, executionArn);
      expect(afterAbuse.status).toBe('RUNNING');
      expect(countEvents(history, 'ActivitySucceeded') + countEvents(history, 'ActivityFailed')).toBe(0);

      const page = await open(approve);
      const execution = await waitForEnd(local.sfn, executionArn);
      expect(page).toMatchObject({ status: 200, title: 'Approved' });
      expect(execution.status).toBe('SUCCEEDED');
      expect(Object.keys(approvalOutput(execution)).sort()).toEqual(['approval', 'employeeName', 'managerEmailAddress']);
      expect(approvalOutput(execution).approval.decision.decision).toBe('approved');
      expect((await open(reject)).status).toBe(410);
    });

    it('a token sent every way in a request line, to every port of the stack, reaches no log line; the request is decided once', async () => {
      const { executionArn, approve } = await emailedRequest(local, 'Every way');
      const token = tokenOfLink(approve);
      // In the query, behind a percent-encoded ?, after #, as a path segment, on unknown routes, with
      // every method and a foreign Host: to the API, SES, Step Functions and Lambda ports.
      const sent = await sendTokenEveryWay(portsOf(local.stack), token);
      const execution = await waitForEnd(local.sfn, executionArn);
      const history = await historyOf(local.sfn, executionArn);
      const text = capturedLogs
        .filter((entry) => entry.stack === 'hostile')
        .map((entry) => entry.line)
        .join('\n');
      const forms = [token, encodeURIComponent(token), encodeURIComponent(encodeURIComponent(token)), token.slice(0, 32)];

      expect(sent).toBeGreaterThan(150);
      expect(forms.filter((form) => text.includes(form)).map((form) => form.length)).toEqual([]);
      // Several of those requests are plain approvals, sent at once: one decides.
      expect(execution.status).toBe('SUCCEEDED');
      expect(countEvents(history, 'ActivitySucceeded')).toBe(1);
      results.tokenEveryWay = { requests: sent };
    });
  });

  describe('5. hostile execution inputs', () => {
    it('markup in the employee name is legitimate: escaped in the HTML body, plain text in the subject', async () => {
      const name = '<img src=x onerror=alert(1)>';
      const { executionArn, approve, email } = await emailedRequest(local, name);

      expect(email.subject).toBe('Approval needed for <img src=x onerror=alert(1)>');
      expect(email.body.html).toContain('<strong>&lt;img src=x onerror=alert(1)&gt;</strong>');
      expect(email.body.html).not.toContain('<img');
      expect(email.body.text).toContain('An approval is requested for <img src=x onerror=alert(1)>.');
      expect(await open(approve)).toMatchObject({ status: 200, title: 'Approved' });
      const execution = await waitForEnd(local.sfn, executionArn);
      expect(execution.status).toBe('SUCCEEDED');
      expect(approvalOutput(execution).employeeName).toBe(name);
    });

    it('extra fields are carried through to the output after approval', async () => {
      const extra = {
        costCentre: 'CC-42',
        amount: 1234.5,
        tags: ['laptop', 'urgent'],
        nested: { level: { deep: true } },
        note: null,
        emoji: 'é日本😀',
      };
      const { executionArn, approve, email } = await emailedRequest(local, 'Pat', extra);
      await open(approve);
      const execution = await waitForEnd(local.sfn, executionArn);
      const output = approvalOutput(execution);

      expect(execution.status).toBe('SUCCEEDED');
      expect(output).toEqual({
        managerEmailAddress: email.destination.to[0],
        employeeName: 'Pat',
        ...extra,
        approval: {
          policy: 'any',
          approvers: [email.destination.to[0]],
          decision: expect.objectContaining({ decision: 'approved', approver: email.destination.to[0] }),
        },
      });
    });

    const HUGE_NAME = 'y'.repeat(250 * 1024);
    const INVALID_INPUTS: ReadonlyArray<readonly [string, (manager: string) => Record<string, unknown>, string]> = [
      [
        'CR/LF in the name',
        (manager) => ({ managerEmailAddress: manager, employeeName: 'Jim\r\nBcc: everyone@example.com' }),
        'employeeName contains control characters such as line breaks (U+000D, U+000A)',
      ],
      [
        'a 250 KB name',
        (manager) => ({ managerEmailAddress: manager, employeeName: HUGE_NAME }),
        `employeeName is ${250 * 1024} characters long; the limit is 200`,
      ],
      ['a non-address', () => ({ managerEmailAddress: 'bob', employeeName: 'Jim' }), 'managerEmailAddress "bob" is not an email address'],
      [
        'two addresses',
        () => ({ managerEmailAddress: 'boss@example.com,everyone@example.com', employeeName: 'Jim' }),
        'managerEmailAddress "boss@example.com,everyone@example.com" is not an email address',
      ],
      [
        'a display name',
        () => ({ managerEmailAddress: 'Boss <boss@example.com>', employeeName: 'Jim' }),
        'managerEmailAddress "Boss <boss@example.com>" is not an email address',
      ],
      ['a missing field', () => ({ employeeName: 'Jim', costCentre: 'CC-1' }), 'managerEmailAddress is missing'],
      [
        'wrong types',
        () => ({ managerEmailAddress: 42, employeeName: ['Jim'] }),
        'managerEmailAddress must be a string, not a number; employeeName must be a string, not an array',
      ],
    ];

    it.each(INVALID_INPUTS)(
      '%s: FAILED with InvalidRequest before any task is scheduled, the cause says what is wrong, no email',
      async (_label, input, problems) => {
        const manager = uniqueManager('invalid');
        const emailsBefore = (await fetchStoredEmails(local.stack.sesUrl)).length;
        const executionArn = await startApproval(local.sfn, local.stack, input(manager));
        const execution = await waitForEnd(local.sfn, executionArn, 5_000);
        const runningMs = (execution.stopDate?.getTime() ?? Number.NaN) - (execution.startDate?.getTime() ?? Number.NaN);
        const history = await historyOf(local.sfn, executionArn);

        expect(execution.status).toBe('FAILED');
        expect(execution.error).toBe('InvalidRequest');
        expect(execution.cause).toBe(`Invalid approval request: ${problems}.`);
        expect(execution.cause).not.toContain('y'.repeat(100));
        expect(runningMs).toBeLessThan(3_000);
        // The CheckRequest state refuses it: nobody is asked.
        expect(countEvents(history, 'ActivityScheduled')).toBe(0);
        expect((await fetchStoredEmails(local.stack.sesUrl)).length).toBe(emailsBefore);
      },
    );

    it.each<readonly [string, unknown]>([
      ['an array', [1, 2]],
      ['a string', 'text'],
      ['an object with neither field', { costCentre: 'CC-1' }],
    ])(
      'an input that is not a request object (%s): FAILED with InvalidRequest and a cause that says what is wrong',
      async (described, input) => {
        const emailsBefore = (await fetchStoredEmails(local.stack.sesUrl)).length;
        const executionArn = await startNamed(local.sfn, local.stack, `non-object-${described.replace(/\W/g, '-')}-${process.pid}`, input);
        const execution = await waitForEnd(local.sfn, executionArn, 5_000);
        const runningMs = (execution.stopDate?.getTime() ?? Number.NaN) - (execution.startDate?.getTime() ?? Number.NaN);

        expect(execution.status).toBe('FAILED');
        expect(runningMs).toBeLessThan(3_000);
        expect((await fetchStoredEmails(local.stack.sesUrl)).length).toBe(emailsBefore);
        expect({ error: execution.error, cause: execution.cause }).toEqual({
          error: 'InvalidRequest',
          cause: expect.stringMatching(/^Invalid approval request: .*JSON object.*managerEmailAddress.*employeeName/),
        });
      },
    );
  });
});
