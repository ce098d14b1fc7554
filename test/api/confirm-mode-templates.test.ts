import { buildDecisionLinks } from '../../functions/commons/decision-links';
import { parseQueryString } from '../../local/api-gateway/vtl/query-string';
import { renderMappingTemplate } from '../../local/api-gateway/vtl/render-mapping-template';
import type { ApiGatewayRequestContext } from '../../local/api-gateway/vtl/request-context';
import { formatRequestTime } from '../../local/api-gateway/vtl/request-time';
import { selectTemplate } from '../../local/api-gateway/vtl/template-selection';
import { type ApiModel, type RouteModel, routeFor } from '../../local/api-gateway/api-model';
import { synthApiModel } from '../support/synth';

// linkMode=confirm: the templates under test are read from the synthesized template, through the
// model the local API Gateway serves from (local/api-gateway/api-model.ts).

const FORM = 'application/x-www-form-urlencoded';
const REQUEST_TIME = new Date(Date.UTC(2026, 10, 21, 9, 15, 3));
const HOSTILE_TOKENS = ['"><script>alert(1)</script>', "it's & <b>", 'AQC+/==\\"\n', '日本 é 😀', '%zz', 'x'.repeat(10_000)];

let model: ApiModel;

function route(method: 'GET' | 'POST', path: '/succeed' | '/fail'): RouteModel {
  const found = routeFor(model, method, path);
  if (!found) throw new Error(`no ${method} ${path}`);
  return found;
}

function context(method: string, resourcePath: string, rawQuery = '', userAgent = 'Mozilla/5.0 Chrome/131.0'): ApiGatewayRequestContext {
  return {
    queryString: parseQueryString(rawQuery),
    headers: { 'User-Agent': userAgent, 'Content-Type': FORM },
    sourceIp: '203.0.113.42',
    userAgent,
    requestId: '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f',
    extendedRequestId: 'Tk3aBcDEFgHiJkL=',
    requestTime: formatRequestTime(REQUEST_TIME),
    requestTimeEpoch: REQUEST_TIME.getTime(),
    httpMethod: method,
    resourcePath,
    stage: 'respond',
  };
}

/** What a browser posts when the confirmation form is submitted. */
function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/**
 * The page GET answers with once SendTaskHeartbeat accepted the token (its 200 response), for a link
 * with the token and `rest` of the query string, and any extra request headers.
 */
function renderConfirmPage(path: '/succeed' | '/fail', token: string, rest = '', headers: Record<string, string> = {}): string {
  const response = route('GET', path).integrationResponses.find((candidate) => candidate.statusCode === '200');
  const template = response && selectTemplate(response.responseTemplates, 'text/html');
  if (!template) throw new Error('no confirmation page template');
  const request = context('GET', path, `taskToken=${encodeURIComponent(token)}${rest}`);
  return renderMappingTemplate(template, { request: { ...request, headers: { ...request.headers, ...headers } } }).output;
}

/** The page's text as a person reads it: tags removed, whitespace runs made one space. */
function visibleText(html: string): string {
  return html
    .replace(/<title>[^<]*<\/title>/, '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function renderPost(path: '/succeed' | '/fail', body: string, userAgent?: string): Record<string, unknown> {
  const template = route('POST', path).requestTemplates[FORM];
  if (!template) throw new Error('no form request template');
  return JSON.parse(renderMappingTemplate(template, { request: context('POST', path, '', userAgent), body }).output) as Record<
    string,
    unknown
  >;
}

function tokenInPage(html: string): string {
  const value = /name="taskToken" value="([^"]*)"/.exec(html)?.[1];
  if (value === undefined) throw new Error('the page has no token field');
  // What the browser will submit: the attribute value with its character references resolved.
  return value.replace(
    /&(amp|lt|gt|quot|apos);/g,
    (_m, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[name] ?? '',
  );
}

beforeAll(() => {
  model = synthApiModel({ linkMode: 'confirm' });
});

describe('confirm mode, GET: a page and nothing else', () => {
  it('GET /succeed and GET /fail only check the token with SendTaskHeartbeat, which decides nothing', () => {
    for (const path of ['/succeed', '/fail'] as const) {
      // SendTaskHeartbeat (API reference): reports that the task is still in progress; an unknown, closed or timed-out task answers an error.
      expect(route('GET', path).stepFunctionsAction).toBe('SendTaskHeartbeat');
      expect(route('GET', path).requiredQueryParameters).toEqual(['taskToken']);
      expect(route('POST', path).integrationType).toBe('AWS');
    }
    const check = route('GET', '/succeed').requestTemplates['application/json'];
    if (!check) throw new Error('no heartbeat request template');
    const token = 'AQCE+abc/def==';
    expect(
      JSON.parse(
        renderMappingTemplate(check, { request: context('GET', '/succeed', `taskToken=${encodeURIComponent(token)}&subject=x`) }).output,
      ),
    ).toEqual({ taskToken: token });
    expect(route('POST', '/succeed').stepFunctionsAction).toBe('SendTaskSuccess');
    expect(route('POST', '/fail').stepFunctionsAction).toBe('SendTaskFailure');
    expect(model.routes).toHaveLength(4);
  });

  it('shows a form that posts the exact token back, for approve and for reject', () => {
    const token = 'AQCEAAAAKgAAAA+abc/def==';
    const link = buildDecisionLinks('https://x.execute-api.eu-west-1.amazonaws.com/respond', token);
    for (const [path, url, title, action] of [
      ['/succeed', link.approveUrl, 'Approve this request?', 'succeed'],
      ['/fail', link.rejectUrl, 'Reject this request?', 'fail'],
    ] as const) {
      const html = renderConfirmPage(path, decodeURIComponent(new URL(url).searchParams.get('taskToken') ?? ''));

      expect(/<h1[^>]*>([^<]*)<\/h1>/.exec(html)?.[1]).toBe(title);
      expect(html).toContain(`<form method="post" action="${action}">`);
      expect(tokenInPage(html)).toBe(token);
      expect(html).toContain('name="comment"');
    }
  });

  it('shows no request text: not a subject added to the link, not a subject header, only the decision and where the request is described', () => {
    const plain = renderConfirmPage('/succeed', 'AQC+tok/en==');
    // What the security test did: a real link with a subject appended, and a subject header for good measure.
    const forged = renderConfirmPage(
      '/succeed',
      'AQC+tok/en==',
      `&subject=${encodeURIComponent('Deploy release 42')}&subject=${encodeURIComponent('Order team lunch')}`,
      { subject: 'Grant admin to Eve', Subject: 'Grant admin to Eve' },
    );
    const headerOnly = renderConfirmPage('/fail', 'AQC+tok/en==', '', { subject: 'Grant admin to Eve' });

    for (const html of [forged, headerOnly]) {
      expect(html).not.toContain('Order team lunch');
      expect(html).not.toContain('Deploy release 42');
      expect(html).not.toContain('Grant admin');
    }
    // The request changes nothing on the page but the token.
    expect(forged).toBe(plain);
    expect(visibleText(plain)).toBe(
      'Approve this request? This page records your decision on the request described in the email you received. ' +
        'Check the request there: this page shows nothing about it. Nothing has been decided yet. ' +
        'Press Approve to approve that request, with a comment if you wish. Comment (optional) Approve ' +
        'Opened by mistake? Close this page: nothing changes until the button is pressed.',
    );
    expect(visibleText(headerOnly)).toContain('Press Reject to reject that request, with a comment if you wish.');
  });

  it('builds links that carry the token and nothing else', () => {
    const link = buildDecisionLinks('https://x.execute-api.eu-west-1.amazonaws.com/respond', 'tok+en/=');

    for (const url of [link.approveUrl, link.rejectUrl]) expect([...new URL(url).searchParams.keys()]).toEqual(['taskToken']);
  });

  it('shows the page only when Step Functions accepts the token: a closed or damaged one gets the error page', () => {
    const errors = route('GET', '/succeed').integrationResponses.find((candidate) => candidate.statusCode === '400');
    const template = errors && selectTemplate(errors.responseTemplates, 'text/html');
    if (!template) throw new Error('no 4xx template');
    const closed = renderMappingTemplate(template, {
      request: context('GET', '/succeed', 'taskToken=t&subject=Secret'),
      body: '{"__type":"com.amazonaws.swf.service.v2.model#TaskDoesNotExist"}',
    });

    expect(closed.output).toContain('This request is no longer open');
    expect(closed.output).not.toContain('Secret');
  });

  it.each(HOSTILE_TOKENS.map((token) => [token.slice(0, 30), token]))('escapes a forged token in the page (%s)', (_label, token) => {
    const html = renderConfirmPage('/succeed', token);

    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(tokenInPage(html)).toBe(token);
  });
});

describe('confirm mode, POST: the form decides', () => {
  it('approves with the exact token and the comment in the decision record', () => {
    const token = 'AQCEAAAAKgAAAA+abc/def==';
    const comment = 'Fine by me; "budget" OK\nsee <ticket> \\ 42 — é 😀';

    // "Variables for data transformations for API Gateway": $input.body is the raw form body; $util.urlDecode decodes each field.
    const body = renderPost('/succeed', formBody({ taskToken: token, comment }));

    expect(body.taskToken).toBe(token);
    expect(JSON.parse(body.output as string)).toEqual({
      decision: 'approved',
      decidedAt: '21/Nov/2026:09:15:03 +0000',
      sourceIp: '203.0.113.42',
      userAgent: 'Mozilla/5.0 Chrome/131.0',
      requestId: 'Tk3aBcDEFgHiJkL=',
      comment,
    });
  });

  it('rejects with error Rejected and the comment in the cause', () => {
    const body = renderPost('/fail', formBody({ comment: 'Not this quarter', taskToken: 'tok+en/=' }));

    expect(body).toMatchObject({ taskToken: 'tok+en/=', error: 'Rejected' });
    expect(JSON.parse(body.cause as string)).toMatchObject({ decision: 'rejected', comment: 'Not this quarter' });
  });

  it('leaves the comment out when none was given, and cuts a long one at 1000 characters', () => {
    const without = JSON.parse(renderPost('/succeed', formBody({ taskToken: 't', comment: '' })).output as string) as Record<
      string,
      unknown
    >;
    const long = JSON.parse(renderPost('/succeed', formBody({ taskToken: 't', comment: 'y'.repeat(5000) })).output as string) as Record<
      string,
      unknown
    >;

    expect(without).not.toHaveProperty('comment');
    expect(long.comment).toBe('y'.repeat(1000));
  });

  it.each([
    ['999 letters and an emoji: 1,000 characters, kept whole', `${'y'.repeat(999)}😀`, `${'y'.repeat(999)}😀`],
    [
      '999 letters, an emoji across the 1,000th UTF-16 unit, more: the emoji stays',
      `${'y'.repeat(999)}😀 more text`,
      `${'y'.repeat(999)}😀`,
    ],
    ['1,000 letters then an emoji: the emoji goes whole', `${'y'.repeat(1000)}😀`, 'y'.repeat(1000)],
    ['1,200 emoji: the first 1,000', '😀'.repeat(1200), '😀'.repeat(1000)],
    ['an emoji and 998 letters then an emoji: kept whole', `😀${'y'.repeat(998)}😀`, `😀${'y'.repeat(998)}😀`],
  ])('cuts a comment at 1,000 characters as a person counts them, never inside an emoji: %s', (_label, comment, kept) => {
    const record = JSON.parse(renderPost('/succeed', formBody({ taskToken: 't', comment })).output as string) as { comment: string };

    expect(record.comment).toBe(kept);
    expect(Array.from(record.comment).length).toBeLessThanOrEqual(1000);
    expect(record.comment).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });

  it("keeps an approver's comment as typed, bidirectional controls included: it is their record, and what shows it escapes them", () => {
    const comment = 'OK \u202eesaeler\u202c for \u2067now\u2069';
    const record = JSON.parse(renderPost('/fail', formBody({ taskToken: 't', comment })).cause as string) as { comment: string };

    expect(record.comment).toBe(comment);
  });

  it.each(HOSTILE_TOKENS.map((token) => [token.slice(0, 30), token]))(
    'keeps a hostile token exact and the body valid JSON (%s)',
    (_label, token) => {
      const body = renderPost('/succeed', formBody({ taskToken: token, comment: '","output":"{}' }), '"}\\\'<x>');

      expect(body.taskToken).toBe(token);
      expect(Object.keys(body).sort()).toEqual(['output', 'taskToken']);
      expect(JSON.parse(body.output as string)).toMatchObject({ comment: '","output":"{}', userAgent: '"}\\\'<x>' });
    },
  );

  it('ignores a field that is not well-formed percent-encoding instead of failing (which would be a 500)', () => {
    // Assumption (not found in the AWS docs): $util.urlDecode fails on a malformed escape, and API Gateway then answers 500 (FACTS.md).
    const body = renderPost('/succeed', 'taskToken=abc%zz&comment=%E9%');

    expect(body.taskToken).toBe('');
    expect(JSON.parse(body.output as string)).not.toHaveProperty('comment');
  });

  it('maps only the form encoding: another content type gets no template (API Gateway answers 415)', () => {
    // "Method request behavior for payloads without mapping templates for REST APIs in API Gateway": NEVER rejects other content types with 415.
    expect(Object.keys(route('POST', '/succeed').requestTemplates)).toEqual([FORM]);
    expect(route('POST', '/succeed').passthroughBehavior).toBe('NEVER');
  });
});
