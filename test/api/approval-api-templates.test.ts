import { buildDecisionLinks } from '../../functions/commons/decision-links';
import { type ApiModel, type IntegrationResponseModel, type RouteModel, routeFor } from '../../local/api-gateway/api-model';
import { parseQueryString } from '../../local/api-gateway/vtl/query-string';
import { MappingTemplateError } from '../../local/api-gateway/vtl/errors';
import { renderMappingTemplate } from '../../local/api-gateway/vtl/render-mapping-template';
import type { ApiGatewayRequestContext } from '../../local/api-gateway/vtl/request-context';
import { formatRequestTime } from '../../local/api-gateway/vtl/request-time';
import { selectIntegrationResponse, selectTemplate } from '../../local/api-gateway/vtl/template-selection';
import { escapeJavaScript } from '../../local/api-gateway/vtl/util-variable';
import { synthApiModel } from '../support/synth';

// The templates under test are the ones CloudFormation deploys, read from the synthesized stack
// through the model the local API Gateway serves from (local/api-gateway/api-model.ts).

interface Route {
  readonly method: RouteModel;
  readonly requestTemplate: string;
  /** Default response (no selection pattern): Step Functions answered 2xx. */
  readonly succeeded: IntegrationResponseModel;
  readonly clientError: IntegrationResponseModel;
  readonly serverError: IntegrationResponseModel;
}

type RouteName = 'succeed' | 'fail';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const API_URL = 'https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/respond';
const REQUEST_TIME = new Date(Date.UTC(2026, 10, 21, 9, 15, 3));

let model: ApiModel;
let routes: Record<RouteName, Route>;

function findRoute(action: 'SendTaskSuccess' | 'SendTaskFailure'): Route {
  const methods = model.routes.filter((route) => route.stepFunctionsAction === action);
  expect(methods).toHaveLength(1);
  const method = methods[0]!;
  const byPattern = (pattern: string | undefined) => {
    const matching = method.integrationResponses.filter((response) => response.selectionPattern === pattern);
    expect(matching).toHaveLength(1);
    return matching[0]!;
  };
  const requestTemplate = method.requestTemplates['application/json'];
  if (requestTemplate === undefined) throw new Error(`${action}: no application/json request template`);
  return {
    method,
    requestTemplate,
    succeeded: byPattern(undefined),
    clientError: byPattern('4\\d{2}'),
    serverError: byPattern('5\\d{2}'),
  };
}

function request(resourcePath: string, rawQuery: string, overrides: Partial<ApiGatewayRequestContext> = {}): ApiGatewayRequestContext {
  const userAgent = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
  return {
    queryString: parseQueryString(rawQuery),
    headers: { Accept: BROWSER_ACCEPT, 'User-Agent': userAgent },
    sourceIp: '203.0.113.42',
    userAgent,
    // What a client sent in X-Amzn-RequestId; the extended id is API Gateway's own.
    requestId: 'chosen-by-the-client',
    extendedRequestId: 'Tk3aBcDEFgHiJkL=',
    requestTime: formatRequestTime(REQUEST_TIME),
    requestTimeEpoch: REQUEST_TIME.getTime(),
    httpMethod: 'GET',
    resourcePath,
    stage: 'respond',
    ...overrides,
  };
}

/** The body API Gateway would send to Step Functions, parsed: it must be JSON. */
function renderDecisionBody(name: RouteName, context: ApiGatewayRequestContext): Record<string, unknown> {
  const rendered = renderMappingTemplate(routes[name].requestTemplate, { request: context });
  return JSON.parse(rendered.output) as Record<string, unknown>;
}

function queryFor(token: string): string {
  return `taskToken=${encodeURIComponent(token)}`;
}

function decisionRecord(name: RouteName, body: Record<string, unknown>): unknown {
  const field = name === 'succeed' ? 'output' : 'cause';
  expect(typeof body[field]).toBe('string');
  return JSON.parse(body[field] as string);
}

/** A 900-character token shaped like a Step Functions one: Base64 with `+`, `/` and `=`. */
function realisticToken(): string {
  const bytes = Buffer.alloc(673);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 151 + 7) % 256;
  return bytes.toString('base64');
}

function heading(html: string): string | undefined {
  return /<h1[^>]*>([^<]*)<\/h1>/.exec(html)?.[1];
}

function renderResponse(response: IntegrationResponseModel, body: string, resourcePath = '/succeed') {
  const template = selectTemplate(response.responseTemplates, BROWSER_ACCEPT);
  if (template === undefined) throw new Error(`integration response ${response.statusCode} has no template`);
  return renderMappingTemplate(template, { request: request(resourcePath, ''), body });
}

beforeAll(() => {
  model = synthApiModel();
  routes = { succeed: findRoute('SendTaskSuccess'), fail: findRoute('SendTaskFailure') };
});

describe('routes', () => {
  test('GET /succeed calls SendTaskSuccess and GET /fail calls SendTaskFailure', () => {
    expect(routes.succeed.method.resourcePath).toBe('/succeed');
    expect(routes.fail.method.resourcePath).toBe('/fail');
    expect(routes.succeed.method.httpMethod).toBe('GET');
    expect(routes.fail.method.httpMethod).toBe('GET');
    // The lookup the local API Gateway does for each request finds the same methods.
    expect(routeFor(model, 'GET', '/succeed')).toBe(routes.succeed.method);
    expect(routeFor(model, 'GET', '/fail')).toBe(routes.fail.method);
  });

  test('a link without a task token is refused before it reaches Step Functions', () => {
    for (const route of Object.values(routes)) {
      expect(route.method.requestParameters).toEqual({ 'method.request.querystring.taskToken': true });
      // "Request validation for REST APIs in API Gateway": required parameters must be present and not blank.
      expect(route.method.validatesRequestParameters).toBe(true);
      expect(route.method.requiredQueryParameters).toEqual(['taskToken']);
    }
  });
});

describe.each(['succeed', 'fail'] as const)('request template of /%s', (name) => {
  const resourcePath = `/${name}`;

  test('a realistic 900-character token with + / = arrives byte for byte', () => {
    const token = realisticToken();
    expect(token).toHaveLength(900);
    expect(token).toMatch(/\+/);
    expect(token).toMatch(/\//);
    expect(token).toMatch(/=$/);

    const body = renderDecisionBody(name, request(resourcePath, queryFor(token)));
    expect(body.taskToken).toBe(token);
    expect(Object.keys(body).sort()).toEqual(name === 'succeed' ? ['output', 'taskToken'] : ['cause', 'error', 'taskToken']);
  });

  test('the link built by buildDecisionLinks carries the exact token', () => {
    const token = realisticToken();
    const links = buildDecisionLinks(API_URL, token);
    const url = name === 'succeed' ? links.approveUrl : links.rejectUrl;
    const [path, rawQuery] = url.split('?');
    expect(path).toBe(`${API_URL}${resourcePath}`);
    expect(rawQuery).toBeDefined();
    const encoded = rawQuery!.slice('taskToken='.length);
    expect(encoded).not.toMatch(/[+/=]/);
    expect(encoded).toEqual(expect.stringContaining('%2B'));
    expect(encoded).toEqual(expect.stringContaining('%2F'));
    expect(encoded).toEqual(expect.stringContaining('%3D'));

    const body = renderDecisionBody(name, request(resourcePath, rawQuery!));
    expect(body.taskToken).toBe(token);
  });

  test('a link carrying the raw token would lose its + signs, which is why links percent-encode it', () => {
    const token = realisticToken();
    // Assumption (not found in the AWS docs): REST APIs URL-decode query values before mapping, "+" as a space (public reports, FACTS.md).
    const body = renderDecisionBody(name, request(resourcePath, `taskToken=${token}`));
    expect(body.taskToken).not.toBe(token);
    expect(body.taskToken).toBe(token.replace(/\+/g, ' '));
  });

  const hostileTokens: Array<[string, string]> = [
    ['a double quote', 'AAAA"BBBB'],
    ['a backslash', 'AAAA\\BBBB'],
    ['a single quote', "AAAA'BBBB"],
    ['a backslash before a single quote', "AAAA\\'BBBB"],
    ['a trailing backslash', 'AAAA\\'],
    ['a newline', 'AAAA\nBBBB'],
    ['a closing script tag', 'AAAA</script><script>alert(1)</script>'],
    ['non-ASCII text', 'AAAA é 日本 😀'],
    ['a JSON fragment', 'AAAA","output":"{}'],
    ['a JSON fragment with a quote escape', 'AAAA\\","error":"x'],
    ['VTL syntax', "$context.requestId #set($taskToken = 'x') ${input.body}"],
    ['a line separator and a control character', 'AAAA\u2028BBBB\u0001'],
  ];

  test.each(hostileTokens)('a token with %s stays exact and adds no keys', (_label, token) => {
    const body = renderDecisionBody(name, request(resourcePath, queryFor(token)));
    expect(body.taskToken).toBe(token);
    expect(Object.keys(body).sort()).toEqual(name === 'succeed' ? ['output', 'taskToken'] : ['cause', 'error', 'taskToken']);
  });
});

describe('decision record', () => {
  const hostileUserAgent = 'Mozilla/5.0 "quoted" \\path\\ it\'s </script><script>alert(1)</script>\nsecond line é 日本 😀 \\\'';

  test('/succeed sends output: a JSON string holding the approval and who made it', () => {
    const context = request('/succeed', queryFor(realisticToken()));
    const body = renderDecisionBody('succeed', context);
    expect(body).not.toHaveProperty('error');
    expect(decisionRecord('succeed', body)).toEqual({
      decision: 'approved',
      decidedAt: '21/Nov/2026:09:15:03 +0000',
      sourceIp: '203.0.113.42',
      userAgent: context.userAgent,
      // The extended id: $context.requestId is whatever a client puts in X-Amzn-RequestId
      // (API Gateway mapping template variables reference: "Clients can override this request ID").
      requestId: context.extendedRequestId,
    });
  });

  test('/fail sends error Rejected and a cause holding the rejection and who made it', () => {
    const context = request('/fail', queryFor(realisticToken()));
    const body = renderDecisionBody('fail', context);
    expect(body.error).toBe('Rejected');
    expect(body).not.toHaveProperty('output');
    expect(decisionRecord('fail', body)).toEqual({
      decision: 'rejected',
      decidedAt: '21/Nov/2026:09:15:03 +0000',
      sourceIp: '203.0.113.42',
      userAgent: context.userAgent,
      // The extended id: $context.requestId is whatever a client puts in X-Amzn-RequestId
      // (API Gateway mapping template variables reference: "Clients can override this request ID").
      requestId: context.extendedRequestId,
    });
  });

  test.each(['succeed', 'fail'] as const)('on /%s a hostile user agent survives both levels of escaping exactly', (name) => {
    const context = request(`/${name}`, queryFor('token\'with"quotes'), {
      userAgent: hostileUserAgent,
      headers: { 'User-Agent': hostileUserAgent },
    });
    const body = renderDecisionBody(name, context);
    expect(body.taskToken).toBe('token\'with"quotes');
    const record = decisionRecord(name, body) as Record<string, unknown>;
    expect(record.userAgent).toBe(hostileUserAgent);
    expect(Object.keys(record).sort()).toEqual(['decidedAt', 'decision', 'requestId', 'sourceIp', 'userAgent']);
  });

  test('a request without a User-Agent still gives a valid record, with an empty user agent', () => {
    const body = renderDecisionBody('succeed', request('/succeed', queryFor(realisticToken()), { userAgent: undefined, headers: {} }));
    expect(decisionRecord('succeed', body)).toMatchObject({ decision: 'approved', userAgent: '' });
  });

  test('without the replaceAll fix, escapeJavaScript would make a token with a quote invalid JSON', () => {
    const context = request('/succeed', queryFor("AAAA'BBBB"));
    // "Variables for data transformations for API Gateway", $util.escapeJavaScript: it escapes ' as \', which is not valid JSON; turn it back.
    const naive = renderMappingTemplate(`{"t":"$util.escapeJavaScript($input.params('taskToken'))"}`, { request: context });
    expect(naive.output).toBe(`{"t":"AAAA\\'BBBB"}`);
    expect(() => JSON.parse(naive.output) as unknown).toThrow(SyntaxError);

    const fixed = renderMappingTemplate(String.raw`{"t":"$util.escapeJavaScript($input.params('taskToken')).replaceAll("\\'", "'")"}`, {
      request: context,
    });
    expect(JSON.parse(fixed.output)).toEqual({ t: "AAAA'BBBB" });
  });
});

describe('response templates', () => {
  // SendTaskSuccess API reference, Errors: TaskTimedOut for an expired or closed task (TaskDoesNotExist treated alike),
  // InvalidToken for a token that is not one (malformed or altered).
  const NO_LONGER_OPEN = ['TaskTimedOut', 'TaskDoesNotExist'];

  test('Step Functions status codes select the intended integration response', () => {
    for (const route of Object.values(routes)) {
      // IntegrationResponse (API Gateway API reference), selectionPattern: for AWS back ends the HTTP status code is matched.
      const select = (status: string) =>
        selectIntegrationResponse(route.method.integrationResponses, status, (response) => response.selectionPattern);
      expect(select('200')).toBe(route.succeeded);
      expect(select('400')).toBe(route.clientError);
      expect(select('403')).toBe(route.clientError);
      expect(select('500')).toBe(route.serverError);
      expect(select('503')).toBe(route.serverError);
      expect(route.clientError.statusCode).toBe('400');
      expect(route.serverError.statusCode).toBe('502');
    }
  });

  test.each([
    ['succeed', 'Approved'],
    ['fail', 'Rejected'],
  ] as const)('a 2xx answer on /%s shows the %s page with its own status', (name, title) => {
    const rendered = renderResponse(routes[name].succeeded, '{}', `/${name}`);
    expect(heading(rendered.output)).toBe(title);
    expect(rendered.statusOverride).toBeUndefined();
    expect(rendered.output).toMatch(/^<!DOCTYPE html>/);
  });

  const closedBodies: Array<[string, string]> = NO_LONGER_OPEN.flatMap((error): Array<[string, string]> => [
    [
      `com.amazonaws.swf.base.model#${error}`,
      JSON.stringify({ __type: `com.amazonaws.swf.base.model#${error}`, message: 'Task Timed Out: ...' }),
    ],
    [error, JSON.stringify({ __type: error, message: 'Provided task does not exist anymore' })],
  ]);

  test.each(closedBodies)('%s shows the "no longer open" page with status 410', (_type, body) => {
    for (const [name, route] of Object.entries(routes)) {
      const rendered = renderResponse(route.clientError, body, `/${name}`);
      expect(heading(rendered.output)).toBe('This request is no longer open');
      // "Override your API's request and response parameters and status codes for REST APIs in API Gateway".
      expect(rendered.statusOverride).toBe(410);
    }
  });

  test.each(['com.amazonaws.swf.base.model#ThrottlingException', 'ThrottlingException'])(
    '%s shows the busy page with status 429',
    (type) => {
      for (const route of Object.values(routes)) {
        // Assumption (not found in the AWS docs): Step Functions errors reach the integration response as HTTP 400 with a namespaced __type.
        const rendered = renderResponse(route.clientError, JSON.stringify({ __type: type, message: 'Rate exceeded' }));
        expect(heading(rendered.output)).toBe('Please try again');
        expect(rendered.statusOverride).toBe(429);
      }
    },
  );

  test.each(['com.amazonaws.swf.service.v2.model#InvalidToken', 'com.amazonaws.swf.base.model#InvalidToken', 'InvalidToken'])(
    'a damaged token (%s) shows "not valid" with 400, never "no longer open": nobody decided',
    (type) => {
      for (const [name, route] of Object.entries(routes)) {
        const rendered = renderResponse(route.clientError, JSON.stringify({ __type: type, message: 'Invalid Token: ...' }), `/${name}`);
        expect(heading(rendered.output)).toBe('This link is not valid');
        expect(rendered.statusOverride).toBeUndefined();
        expect(route.clientError.statusCode).toBe('400');
      }
    },
  );

  test.each([
    ['InvalidOutput', JSON.stringify({ __type: 'com.amazonaws.swf.base.model#InvalidOutput', message: 'Invalid JSON' })],
    [
      'ValidationException',
      JSON.stringify({ __type: 'ValidationException', message: "1 validation error detected: Value at 'taskToken'" }),
    ],
    ['AccessDeniedException', JSON.stringify({ __type: 'AccessDeniedException', Message: 'User is not authorized' })],
    ['an empty body', ''],
    ['a body that is not JSON', '<html><body>Bad Gateway</body></html>'],
    ['a JSON body without __type', JSON.stringify({ message: 'TaskTimedOut' })],
    ['a __type that only contains a closed-task name', JSON.stringify({ __type: 'TaskTimedOutButNotReally' })],
  ])('%s shows the "not valid" page, keeps status 400 and does not fail', (_label, body) => {
    for (const route of Object.values(routes)) {
      const rendered = renderResponse(route.clientError, body);
      expect(heading(rendered.output)).toBe('This link is not valid');
      expect(rendered.statusOverride).toBeUndefined();
      expect(route.clientError.statusCode).toBe('400');
    }
  });

  test('an error message from Step Functions is never echoed into the page', () => {
    const attack = '<script>alert(1)</script>';
    for (const type of ['com.amazonaws.swf.base.model#TaskTimedOut', 'ThrottlingException', 'InvalidOutput', attack]) {
      const rendered = renderResponse(routes.succeed.clientError, JSON.stringify({ __type: type, message: attack }));
      expect(rendered.output).not.toContain('<script>');
      expect(rendered.output).not.toContain('alert(1)');
    }
  });

  test('a 5xx answer shows the "Something went wrong" page', () => {
    for (const route of Object.values(routes)) {
      const rendered = renderResponse(route.serverError, JSON.stringify({ __type: 'ServiceUnavailable', message: 'x' }));
      expect(heading(rendered.output)).toBe('Something went wrong');
      expect(rendered.statusOverride).toBeUndefined();
    }
  });

  test('browsers, JSON clients and clients without Accept all get the same HTML', () => {
    for (const route of Object.values(routes)) {
      for (const response of route.method.integrationResponses) {
        // Assumption (not found in the AWS docs): the Accept header picks the response template, else application/json (FACTS.md).
        const forBrowsers = selectTemplate(response.responseTemplates, BROWSER_ACCEPT);
        expect(forBrowsers).toBe(response.responseTemplates['text/html']);
        expect(selectTemplate(response.responseTemplates, 'application/json')).toBe(forBrowsers);
        expect(selectTemplate(response.responseTemplates, undefined)).toBe(forBrowsers);
        const page = renderMappingTemplate(forBrowsers!, { request: request('/succeed', ''), body: '{}' }).output;
        expect(page.trimStart()).toMatch(/^<!DOCTYPE html>/);
        expect(heading(page)).toBeDefined();
      }
    }
  });
});

describe('headers and gateway responses', () => {
  test('every integration response is served as HTML that is neither cached nor sniffed', () => {
    // IntegrationResponse (API Gateway API reference), responseParameters: a static value is enclosed in single quotes.
    const responses = Object.values(routes).flatMap((route) => route.method.integrationResponses);
    expect(responses).toHaveLength(6);
    for (const response of responses) {
      expect(response.responseParameters['method.response.header.Content-Type']).toMatch(/^'text\/html[;']/);
      expect(response.responseParameters['method.response.header.Cache-Control']).toBe("'no-store'");
      expect(response.responseParameters['method.response.header.X-Content-Type-Options']).toBe("'nosniff'");
    }
  });

  test('every gateway response is an HTML page, rendered unchanged by VTL', () => {
    expect(Object.keys(model.gatewayResponses).sort()).toEqual(
      expect.arrayContaining(['BAD_REQUEST_PARAMETERS', 'DEFAULT_4XX', 'DEFAULT_5XX', 'THROTTLED']),
    );
    for (const response of Object.values(model.gatewayResponses)) {
      // The model keeps static header values unquoted: `'text/html; charset=utf-8'` is text/html; charset=utf-8.
      expect(response.headers['Content-Type']).toMatch(/^text\/html(;|$)/);
      // "x-amazon-apigateway-gateway-responses.responseTemplates object": not processed by the VTL engine.
      const template = selectTemplate(response.templates, BROWSER_ACCEPT);
      expect(template).toMatch(/^<!DOCTYPE html>/);
      expect(renderMappingTemplate(template!, { request: request('/succeed', '') }).output).toBe(template);
    }
  });

  test('a missing token gets the "not valid" page with status 400', () => {
    // "Request validation for REST APIs in API Gateway": a missing or blank required parameter fails the request with 400.
    const missing = model.gatewayResponses.BAD_REQUEST_PARAMETERS;
    expect(missing).toBeDefined();
    expect(missing!.statusCode).toBe('400');
    expect(heading(selectTemplate(missing!.templates, BROWSER_ACCEPT)!)).toBe('This link is not valid');
  });
});

describe('API Gateway template shim', () => {
  const context = request('/succeed', '');
  const render = (template: string, overrides: Partial<ApiGatewayRequestContext> = {}, body?: string) =>
    renderMappingTemplate(template, { request: { ...context, ...overrides }, body }).output;

  test('query strings decode %XX and + like API Gateway', () => {
    // Assumption (not found in the AWS docs): API Gateway percent-decodes query values and reads "+" as a space (FACTS.md).
    expect(parseQueryString('taskToken=aa%2Bbb+cc')).toEqual({ taskToken: 'aa+bb cc' });
    expect(parseQueryString('?a=%C3%A9%20%E6%97%A5&b=')).toEqual({ a: 'é 日', b: '' });
  });

  test('a repeated parameter keeps its last value and malformed escapes stay as written', () => {
    // Assumption (not found in the AWS docs): the last of repeated parameters wins; a malformed escape stays as written.
    expect(parseQueryString('taskToken=first&taskToken=second')).toEqual({ taskToken: 'second' });
    expect(parseQueryString('a=%zz%&b=%E9x&c=ok%2')).toEqual({ a: '%zz%', b: '%E9x', c: 'ok%2' });
    expect(Object.keys(parseQueryString('__proto__=x'))).toEqual(['__proto__']);
  });

  test('escapeJavaScript follows Commons Lang, including its non-JSON escapes', () => {
    // "Variables for data transformations for API Gateway": $util.escapeJavaScript uses JavaScript string rules. Assumption: exactly Commons Lang 2.6 (FACTS.md).
    expect(escapeJavaScript(`'`)).toBe(`\\'`);
    expect(escapeJavaScript(`"`)).toBe(`\\"`);
    expect(escapeJavaScript(`\\`)).toBe(`\\\\`);
    expect(escapeJavaScript('/')).toBe('\\/');
    expect(escapeJavaScript('\b\f\n\r\t')).toBe('\\b\\f\\n\\r\\t');
    expect(escapeJavaScript('\u0001\u001f')).toBe('\\u0001\\u001F');
    expect(escapeJavaScript('é日😀')).toBe('\\u00E9\\u65E5\\uD83D\\uDE00');
    expect(escapeJavaScript('plain ASCII ~ 123')).toBe('plain ASCII ~ 123');
    expect(escapeJavaScript(null)).toBeNull();
  });

  test('a "\\\\\'" literal reaches replaceAll unchanged, as the Java regex for a backslash and a quote', () => {
    // Assumption (not found in the AWS docs): API Gateway's VTL strings are Java strings (java.lang.String methods, Java regex).
    const template = String.raw`#set($s = $util.escapeJavaScript($input.params('v')))$s|$s.replaceAll("\\'", "'")`;
    expect(template).toContain(`"\\\\'"`);
    expect(render(template, { queryString: { v: "it's \\ ok" } })).toBe(String.raw`it\'s \\ ok|it's \\ ok`);
  });

  test('Java String methods keep Java semantics', () => {
    // Assumption (not found in the AWS docs): API Gateway's VTL strings are Java strings (java.lang.String methods, Java regex).
    expect(render(`#set($s = 'a.b.c')$s.replaceAll('\\.', '/') $s.replaceFirst('(\\w)\\.(\\w)', '$2-$1') $s.replace('.', '$')`)).toBe(
      'a/b/c b-a.c a$b$c',
    );
    expect(render(`#set($s = 'abc')$s.matches('b') $s.matches('a.c') $s.length() $s.isEmpty() $s.contains('bc')`)).toBe(
      'false true 3 false true',
    );
  });

  test('codePointCount and offsetByCodePoints count code points as Java does, a lone surrogate as one', () => {
    // Assumption (not found in the AWS docs): API Gateway's VTL strings are Java strings. Java SE API, String.codePointCount
    // and String.offsetByCodePoints: a surrogate pair is one code point, an unpaired surrogate is one too.
    const count = (text: string, begin: number, end: number) =>
      render(`#set($s = $input.params('s'))$s.codePointCount(${begin}, ${end})`, { queryString: { s: text } });
    const offset = (text: string, index: number, by: number) =>
      render(`#set($s = $input.params('s'))$s.offsetByCodePoints(${index}, ${by})`, { queryString: { s: text } });

    expect([count('a😀b', 0, 4), count('a😀b', 0, 2), count('a😀b', 2, 4), count('😀', 1, 2), count('', 0, 0)]).toEqual([
      '3',
      '2',
      '2',
      '1',
      '0',
    ]);
    expect([count('\ud83dx\ude00', 0, 3), count('\ude00\ud83d', 0, 2)]).toEqual(['3', '2']);
    expect([offset('a😀b', 0, 2), offset('a😀b', 0, 3), offset('a😀b', 1, 1), offset('a😀b', 4, -2), offset('a😀b', 3, -1)]).toEqual([
      '3',
      '4',
      '3',
      '1',
      '1',
    ]);
    // From inside a pair, its low half counts as one code point of its own.
    expect([offset('😀x', 1, 1), offset('😀x', 2, -1)]).toEqual(['2', '0']);
  });

  test('codePointCount and offsetByCodePoints throw IndexOutOfBoundsException as Java does, which API Gateway answers with 500', () => {
    const call = (expression: string) => () => render(`#set($s = 'a😀b')${expression}`);

    for (const expression of [
      '$s.codePointCount(-1, 2)',
      '$s.codePointCount(0, 5)',
      '$s.codePointCount(3, 2)',
      '$s.offsetByCodePoints(-1, 0)',
      '$s.offsetByCodePoints(5, 0)',
      '$s.offsetByCodePoints(0, 4)',
      '$s.offsetByCodePoints(4, -4)',
    ]) {
      expect(call(expression)).toThrow(MappingTemplateError);
      expect(call(expression)).toThrow(/IndexOutOfBoundsException/);
    }
  });

  test('$input.params looks in path, query string, then headers, and gives "" when absent', () => {
    // "Variables for data transformations for API Gateway", $input.params(x): path, query string, then header, searched in that order.
    const overrides = {
      pathParameters: { id: 'from-path' },
      queryString: { id: 'from-query', q: 'query' },
      headers: { id: 'from-header', 'X-Trace': 'trace' },
    };
    expect(render(`$input.params('id')|$input.params('q')|$input.params('X-Trace')|$input.params('missing')|`, overrides)).toBe(
      'from-path|query|trace||',
    );
  });

  test('null references render like Velocity, and responseOverride is returned', () => {
    // Assumption (not found in the AWS docs): Velocity 1.7 null handling. responseOverride: "Override your API's request and response parameters and status codes for REST APIs in API Gateway".
    const rendered = renderMappingTemplate(
      `#set($a = 'kept')#set($a = $input.path('$.missing'))$a|$input.path('$.missing')|$!input.path('$.missing')|$input.path('$.n')` +
        `#set($context.responseOverride.status = 410)#set($context.responseOverride.header.Refresh = '60')`,
      { request: context, body: '{"n":5}' },
    );
    expect(rendered.output).toBe(`kept|$input.path('$.missing')||5`);
    expect(rendered.statusOverride).toBe(410);
    expect(rendered.headerOverrides).toEqual({ Refresh: '60' });
  });

  test('requestTime uses the CLF format API Gateway gives', () => {
    // "Variables for data transformations for API Gateway", $context.requestTime: CLF-formatted (dd/MMM/yyyy:HH:mm:ss +-hhmm).
    expect(formatRequestTime(new Date(Date.UTC(2027, 0, 5, 23, 4, 9)))).toBe('05/Jan/2027:23:04:09 +0000');
  });
});
