import fc from 'fast-check';
import { type ApiModel, type RouteModel, routeFor } from '../../../local/api-gateway/api-model';
import { parseQueryString } from '../../../local/api-gateway/vtl/query-string';
import { renderMappingTemplate } from '../../../local/api-gateway/vtl/render-mapping-template';
import type { ApiGatewayRequestContext } from '../../../local/api-gateway/vtl/request-context';
import { formatRequestTime } from '../../../local/api-gateway/vtl/request-time';
import { selectTemplate } from '../../../local/api-gateway/vtl/template-selection';
import { propertyParameters, propertyTimeoutMs, type PropertySuite } from '../property-runs';
import { synthApiModel } from '../synth';
import { codePoint, codePoints, firstCodePoints, hostileText, loneSurrogate, printableAscii, wellFormed } from './hostile-text';

/**
 * Property: whatever a click carries (token, user agent, comment, extra fields, any encoding), the
 * synthesized request templates send Step Functions exactly the call it stands for. The expected
 * body is worked out here from what the API promises (README "Output", SECURITY.md "Hostile
 * input"), never from the templates themselves.
 */

/**
 * Longest task token: the SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat API reference give
 * 1 to 2,048 characters (older service models said 1,024; lengths up to 2,048 cover both).
 */
const MAX_TOKEN_LENGTH = 2048;
/** A comment keeps its first 1,000 characters, counted as a person counts them: in code points. */
const COMMENT_LIMIT = 1000;
const FORM = 'application/x-www-form-urlencoded';

type Route = '/succeed' | '/fail';
const DECISION_OF: Readonly<Record<Route, 'approved' | 'rejected'>> = { '/succeed': 'approved', '/fail': 'rejected' };

/** A token as Step Functions issues them: base64 of random bytes (the local engine's), or AWS's `AQC...` shape. */
const issuedToken = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 1536, size: 'max' }).map((bytes) => Buffer.from(bytes).toString('base64')),
  fc
    .uint8Array({ minLength: 1, maxLength: 1500, size: 'max' })
    .map((bytes) => `AQC${Buffer.from(bytes).toString('base64')}`.slice(0, MAX_TOKEN_LENGTH)),
);

/** Any token a link could carry: issued ones, printable ASCII, and hostile Unicode (well-formed: a URL is UTF-8). */
export const anyToken = fc.oneof(
  issuedToken,
  codePoints(1, MAX_TOKEN_LENGTH, printableAscii),
  hostileText({ minPieces: 1, maxPieces: 500 }).filter((token) => token.length <= MAX_TOKEN_LENGTH),
);

/** Ways a client may percent-encode one query or form value; API Gateway decodes each to the same text. */
type Encoding = 'uri-component' | 'form' | 'every-byte';
const encoding = fc.constantFrom<Encoding>('uri-component', 'form', 'every-byte');

function encode(text: string, how: Encoding): string {
  switch (how) {
    case 'uri-component':
      // Links are built this way (buildDecisionLinks); it needs well-formed text.
      return encodeURIComponent(wellFormed(text));
    case 'form':
      // What a browser submits: spaces as "+", lone surrogates as U+FFFD (URL Standard, urlencoded serializer).
      return new URLSearchParams([['', text]]).toString().slice(1);
    case 'every-byte':
      return [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
  }
}

/** Fields a forged request may add; none of them may change the call. */
const extraField = fc.record({
  name: fc.oneof(
    fc.constantFrom('subject', 'approver', 'decision', 'output', 'cause', 'error', 'userAgent', 'requestId', 'taskTokens', 'x'),
    codePoints(1, 12, printableAscii).filter((name) => !/^(taskToken|comment)$/.test(name) && !/[&=%+#]/.test(name)),
  ),
  value: hostileText({ maxPieces: 40 }),
  // A value that is not well-formed percent-encoding; the form template ignores such a field.
  malformed: fc.boolean(),
});
type ExtraField = typeof extraField extends fc.Arbitrary<infer T> ? T : never;

function encodedExtra(field: ExtraField, how: Encoding): string {
  return `${encode(field.name, how)}=${field.malformed ? '%zz' : ''}${encode(field.value, how)}`;
}

/** What API Gateway knows about the click besides its query or body. */
const clickContext = fc.record({
  // Absent when the client sends no User-Agent header.
  userAgent: fc.option(hostileText({ maxPieces: 300 }), { nil: undefined }),
  sourceIp: fc.oneof(fc.ipV4(), fc.ipV6()),
  at: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
  // API Gateway's own id; hostile ones too, to see that it is escaped like the rest.
  extendedRequestId: fc.oneof(fc.base64String({ minLength: 16, maxLength: 16 }), hostileText({ minPieces: 1, maxPieces: 30 })),
  // X-Amzn-RequestId: the client's choice, which must never become the record's requestId.
  clientRequestId: hostileText({ maxPieces: 30 }),
});
type ClickContext = typeof clickContext extends fc.Arbitrary<infer T> ? T : never;

function requestContext(click: ClickContext, method: string, route: Route, rawQuery: string): ApiGatewayRequestContext {
  return {
    queryString: parseQueryString(rawQuery),
    headers: {
      ...(click.userAgent === undefined ? {} : { 'User-Agent': click.userAgent }),
      'X-Amzn-RequestId': click.clientRequestId,
      ...(method === 'POST' ? { 'Content-Type': FORM } : {}),
    },
    sourceIp: click.sourceIp,
    userAgent: click.userAgent,
    requestId: click.clientRequestId,
    extendedRequestId: click.extendedRequestId,
    requestTime: formatRequestTime(click.at),
    requestTimeEpoch: click.at.getTime(),
    httpMethod: method,
    resourcePath: route,
    stage: 'respond',
  };
}

/** The decision record README "Output" describes: who decided, when, from where, and the comment if any. */
function expectedRecord(route: Route, click: ClickContext, comment?: string): Record<string, string> {
  return {
    decision: DECISION_OF[route],
    decidedAt: formatRequestTime(click.at),
    sourceIp: click.sourceIp,
    userAgent: click.userAgent ?? '',
    requestId: click.extendedRequestId,
    ...(comment === undefined || comment === '' ? {} : { comment }),
  };
}

/** The SendTaskSuccess or SendTaskFailure body for that record: the record travels as a JSON string. */
function expectedCall(route: Route, token: string, record: Record<string, string>): Record<string, unknown> {
  return route === '/succeed' ? { taskToken: token, output: record } : { taskToken: token, error: 'Rejected', cause: record };
}

/** The rendered body, parsed, with its output or cause parsed too: both must be JSON. */
function parsedCall(rendered: string): Record<string, unknown> {
  const body = JSON.parse(rendered) as Record<string, unknown>;
  for (const field of ['output', 'cause']) {
    if (typeof body[field] === 'string') body[field] = JSON.parse(body[field]);
  }
  return body;
}

function routeOf(model: ApiModel, method: 'GET' | 'POST', path: Route): RouteModel {
  const found = routeFor(model, method, path);
  if (found === undefined) throw new Error(`The synthesized API has no ${method} ${path}`);
  return found;
}

function requestTemplate(route: RouteModel, contentType: string): string {
  const template = route.requestTemplates[contentType];
  if (template === undefined) throw new Error(`${route.httpMethod} ${route.resourcePath} has no ${contentType} request template`);
  return template;
}

/** An attribute value as a browser reads it: character references resolved. */
function attributeValue(html: string, name: string): string | undefined {
  const raw = new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
  return raw?.replace(/&(?:#(\d+)|#x([0-9a-fA-F]+)|(amp|lt|gt|quot|apos));/g, (_match, decimal?: string, hex?: string, named?: string) => {
    if (decimal !== undefined) return String.fromCodePoint(Number(decimal));
    if (hex !== undefined) return String.fromCodePoint(parseInt(hex, 16));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[named as 'amp'];
  });
}

const count = (text: string, character: string): number => text.split(character).length - 1;

/** A comment of any length around the limit, with astral characters and lone surrogates where the cut falls. */
const comment = fc.oneof(
  { arbitrary: hostileText({ maxPieces: 60 }), weight: 3 },
  { arbitrary: codePoints(COMMENT_LIMIT - 3, COMMENT_LIMIT + 3), weight: 3 },
  { arbitrary: codePoints(COMMENT_LIMIT - 3, COMMENT_LIMIT + 3, fc.oneof(codePoint, loneSurrogate)), weight: 1 },
  { arbitrary: codePoints(0, 4 * COMMENT_LIMIT), weight: 1 },
);

/** A subject someone appends to a link: the page must show none of it. */
const appendedSubject = hostileText({ minPieces: 1, maxPieces: 300 });

/**
 * Declares the template properties for one suite. Each case renders one request template read from
 * the stack synthesized for its link mode, exactly as API Gateway and the local stand-in do.
 */
export function describeDecisionTemplateProperties(suite: PropertySuite): void {
  let direct: ApiModel;
  let confirm: ApiModel;

  beforeAll(() => {
    direct = synthApiModel();
    confirm = synthApiModel({ linkMode: 'confirm' });
  });

  describe.each(['/succeed', '/fail'] as const)('%s', (route) => {
    it(
      'direct mode, GET: any token, user agent and extra parameter give exactly the expected call',
      () => {
        const template = requestTemplate(routeOf(direct, 'GET', route), 'application/json');
        fc.assert(
          fc.property(
            anyToken,
            clickContext,
            fc.array(extraField, { maxLength: 4 }),
            encoding,
            fc.nat(),
            (token, click, extras, how, at) => {
              const fields = extras.map((field) => encodedExtra(field, how));
              fields.splice(at % (fields.length + 1), 0, `taskToken=${encode(token, how)}`);

              const rendered = renderMappingTemplate(template, { request: requestContext(click, 'GET', route, fields.join('&')) });

              expect(parsedCall(rendered.output)).toEqual(expectedCall(route, token, expectedRecord(route, click)));
            },
          ),
          propertyParameters('templates', suite),
        );
      },
      propertyTimeoutMs('templates', suite),
    );

    it(
      'confirm mode, POST: any token, comment, user agent and extra field give exactly the expected call',
      () => {
        const template = requestTemplate(routeOf(confirm, 'POST', route), FORM);
        fc.assert(
          fc.property(
            anyToken,
            fc.option(comment, { nil: undefined }),
            clickContext,
            fc.array(extraField, { maxLength: 4 }),
            fc.constantFrom<Encoding>('form', 'every-byte'),
            fc.nat(),
            (token, text, click, extras, how, at) => {
              const fields = extras.map((field) => encodedExtra(field, how));
              const own = [`taskToken=${encode(token, how)}`, ...(text === undefined ? [] : [`comment=${encode(text, how)}`])];
              for (const [index, field] of own.entries()) fields.splice((at + index) % (fields.length + 1), 0, field);

              const rendered = renderMappingTemplate(template, {
                request: requestContext(click, 'POST', route, ''),
                body: fields.join('&'),
              });

              // The form travels as UTF-8, so lone surrogates arrive as U+FFFD; then the cut, in code points.
              const kept = text === undefined ? undefined : firstCodePoints(wellFormed(text), COMMENT_LIMIT);
              expect(parsedCall(rendered.output)).toEqual(expectedCall(route, token, expectedRecord(route, click, kept)));
            },
          ),
          propertyParameters('templates', suite),
        );
      },
      propertyTimeoutMs('templates', suite),
    );

    it(
      'confirm mode, GET: the check sends only the token, and the page posts back that token and is the same whatever subject the link carries',
      () => {
        const method = routeOf(confirm, 'GET', route);
        const check = requestTemplate(method, 'application/json');
        const pageResponse = method.integrationResponses.find((response) => response.statusCode === '200');
        const page = pageResponse && selectTemplate(pageResponse.responseTemplates, 'text/html');
        if (page === undefined) throw new Error(`GET ${route} has no confirmation page`);
        const render = (token: string, subject: string, click: ClickContext): string => {
          const query = `taskToken=${encode(token, 'uri-component')}&subject=${encode(subject, 'uri-component')}`;
          return renderMappingTemplate(page, { request: requestContext(click, 'GET', route, query) }).output;
        };
        fc.assert(
          fc.property(anyToken, appendedSubject, clickContext, encoding, (token, subject, click, how) => {
            const query = `subject=${encode(subject, how)}&taskToken=${encode(token, how)}`;
            const checked = renderMappingTemplate(check, { request: requestContext(click, 'GET', route, query) });
            expect(JSON.parse(checked.output)).toEqual({ taskToken: token });

            const html = render(token, subject, click);
            expect(attributeValue(html, 'taskToken')).toBe(token);
            // A subject in the link changes nothing on the page, and the token adds no element or attribute.
            expect(html).toBe(render(token, 'Subject', click));
            const plain = render('token', 'Subject', click);
            expect([count(html, '<'), count(html, '>'), count(html, '"')]).toEqual([
              count(plain, '<'),
              count(plain, '>'),
              count(plain, '"'),
            ]);
          }),
          propertyParameters('templates', suite),
        );
      },
      propertyTimeoutMs('templates', suite),
    );
  });
}
