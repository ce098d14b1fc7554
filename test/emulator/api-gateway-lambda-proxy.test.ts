import { buildApiModel } from '../../local/api-gateway/api-model';
import type { LambdaProxyEvent, LambdaProxyTarget } from '../../local/api-gateway/lambda-proxy';
import { type LocalApiGateway, startLocalApiGateway } from '../../local/api-gateway/server';
import type { CloudFormationTemplate } from '../../local/stack/synthesized-stack';
import { rawRequest } from '../support/raw-http';
import { lambdaIntegrationUri } from '../support/cdk-intrinsics';

/**
 * The API Gateway stand-in's Lambda proxy integrations (AWS_PROXY), against the formats of the API
 * Gateway developer guide, "Set up Lambda proxy integrations in API Gateway": "Input format of a
 * Lambda function for proxy integration" and "Output format of a Lambda function for proxy integration".
 */

const proxyIntegration = (functionId: string) => ({
  Type: 'AWS_PROXY',
  IntegrationHttpMethod: 'POST',
  Uri: lambdaIntegrationUri(functionId),
});

/** An API with `POST /slack/actions` and `GET /items/{id}`, each a Lambda proxy integration. */
const TEMPLATE: CloudFormationTemplate = {
  Resources: {
    Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'ApprovalApi' } },
    Stage: { Type: 'AWS::ApiGateway::Stage', Properties: { RestApiId: { Ref: 'Api' }, StageName: 'respond' } },
    Slack: {
      Type: 'AWS::ApiGateway::Resource',
      Properties: { RestApiId: { Ref: 'Api' }, ParentId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] }, PathPart: 'slack' },
    },
    SlackActions: {
      Type: 'AWS::ApiGateway::Resource',
      Properties: { RestApiId: { Ref: 'Api' }, ParentId: { Ref: 'Slack' }, PathPart: 'actions' },
    },
    Items: {
      Type: 'AWS::ApiGateway::Resource',
      Properties: { RestApiId: { Ref: 'Api' }, ParentId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] }, PathPart: 'items' },
    },
    Item: { Type: 'AWS::ApiGateway::Resource', Properties: { RestApiId: { Ref: 'Api' }, ParentId: { Ref: 'Items' }, PathPart: '{id}' } },
    SlackActionsPost: {
      Type: 'AWS::ApiGateway::Method',
      Properties: {
        HttpMethod: 'POST',
        ResourceId: { Ref: 'SlackActions' },
        AuthorizationType: 'NONE',
        Integration: proxyIntegration('SlackActionsFunction1A2B3C4D'),
      },
    },
    ItemGet: {
      Type: 'AWS::ApiGateway::Method',
      Properties: {
        HttpMethod: 'GET',
        ResourceId: { Ref: 'Item' },
        AuthorizationType: 'NONE',
        Integration: proxyIntegration('SlackActionsFunction1A2B3C4D'),
      },
    },
    SlackActionsFunction1A2B3C4D: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'index.handler', Runtime: 'nodejs22.x' } },
  },
};

/** The function behind the routes: records each event and answers as the test says. */
let answerWith: (event: LambdaProxyEvent) => unknown = () => ({ statusCode: 200, body: '' });
const events: LambdaProxyEvent[] = [];
const slackActions: LambdaProxyTarget = {
  invokeSync: (event) => {
    events.push(event as LambdaProxyEvent);
    // A thrown error becomes a rejection, as a failed invoke is.
    return new Promise((resolve) => resolve(answerWith(event as LambdaProxyEvent)));
  },
};

let api: LocalApiGateway;
beforeAll(async () => {
  api = await startLocalApiGateway({
    model: buildApiModel(TEMPLATE),
    stepFunctionsUrl: 'http://127.0.0.1:9',
    port: 0,
    lambdaFunctions: new Map([['SlackActionsFunction1A2B3C4D', slackActions]]),
  });
});
afterAll(() => api.close());
beforeEach(() => {
  events.length = 0;
  answerWith = () => ({ statusCode: 200, body: '' });
});

/** A Slack interaction as Slack posts it: form-encoded, `payload=<JSON>` (Slack API, "Handling user interaction"). */
const SLACK_FORM_BODY =
  'payload=%7B%22type%22%3A%22block_actions%22%2C%22user%22%3A%7B%22id%22%3A%22U024BE7LH%22%7D%2C%22note%22%3A%22a+b%2Bc%22%7D';

describe('the event a Lambda proxy integration gives the function', () => {
  it('holds the request as the developer guide lists it, the body exactly as sent', async () => {
    const response = await fetch(`${api.url}/slack/actions?team=T0001&team=T0002&mode=a+b`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Slack-Request-Timestamp': '1765000000',
        'X-Slack-Signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
        'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      },
      body: SLACK_FORM_BODY,
    });

    expect(response.status).toBe(200);
    const [event] = events;
    expect(event).toMatchObject({
      resource: '/slack/actions',
      path: '/slack/actions',
      httpMethod: 'POST',
      queryStringParameters: { team: 'T0002', mode: 'a b' },
      multiValueQueryStringParameters: { team: ['T0001', 'T0002'], mode: ['a b'] },
      pathParameters: null,
      stageVariables: null,
      body: SLACK_FORM_BODY,
      isBase64Encoded: false,
      requestContext: {
        accountId: '123456789012',
        apiId: 'local-rest-api',
        stage: 'respond',
        path: '/respond/slack/actions',
        resourcePath: '/slack/actions',
        httpMethod: 'POST',
        protocol: 'HTTP/1.1',
        domainName: new URL(api.url).host,
        identity: { sourceIp: '127.0.0.1', userAgent: 'Slackbot 1.0 (+https://api.slack.com/robots)' },
      },
    });
    // Header names as the client wrote them.
    expect(event?.headers).toMatchObject({
      'Content-Type': 'application/x-www-form-urlencoded',
      'X-Slack-Request-Timestamp': '1765000000',
      'X-Slack-Signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    });
    expect(event?.multiValueHeaders?.['X-Slack-Request-Timestamp']).toEqual(['1765000000']);
    const context = event?.requestContext as {
      requestId: string;
      requestTime: string;
      requestTimeEpoch: number;
      extendedRequestId: string;
    };
    expect(context.requestId).toBe(response.headers.get('x-amzn-requestid'));
    expect(context.requestTime).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(context.requestTimeEpoch - Date.now())).toBeLessThan(10_000);
    expect(context.extendedRequestId).not.toBe('');
  });

  it('keeps a form body byte for byte: `+` stays `+` and `%2B` stays `%2B`, so a signature over it still verifies', async () => {
    const body = 'payload=%7B%22text%22%3A%221+1%3D2%2B0%22%7D&token=abc%2Bdef+ghi';

    await fetch(`${api.url}/slack/actions`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });

    expect(events[0]?.body).toBe(body);
    expect(Buffer.from(events[0]?.body ?? '', 'utf8').equals(Buffer.from(body, 'utf8'))).toBe(true);
  });

  it('keeps a JSON body with non-ASCII text as sent, and gives null for no body', async () => {
    const body = '{"text":"Genehmigung für Jürgen ✅","n":1}';

    await fetch(`${api.url}/slack/actions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    await fetch(`${api.url}/items/42`);

    expect(events[0]).toMatchObject({ body, isBase64Encoded: false });
    expect(events[1]).toMatchObject({ body: null, queryStringParameters: null, multiValueQueryStringParameters: null });
  });

  it("names the resource's path parameters", async () => {
    await fetch(`${api.url}/items/req-7f3a`);

    expect(events[0]).toMatchObject({ resource: '/items/{id}', path: '/items/req-7f3a', pathParameters: { id: 'req-7f3a' } });
  });

  it('gives every value of a repeated header in multiValueHeaders and the last in headers', async () => {
    const port = new URL(api.url).port;
    const request = [
      'POST /respond/slack/actions HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'X-Approval-Trace: first',
      'X-Approval-Trace: second',
      'Content-Length: 0',
      'Connection: close',
      '',
      '',
    ].join('\r\n');

    const answer = await rawRequest(Number(port), request);

    expect(answer?.status).toBe(200);
    expect(events[0]?.headers).toMatchObject({ 'X-Approval-Trace': 'second' });
    expect(events[0]?.multiValueHeaders).toMatchObject({ 'X-Approval-Trace': ['first', 'second'] });
  });
});

describe("the response made of the function's answer", () => {
  it('has its status, headers, merged multi-value headers and body', async () => {
    answerWith = () => ({
      statusCode: 201,
      headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Decision': 'approved' },
      multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
      body: 'Approved by U024BE7LH',
      isBase64Encoded: false,
    });

    const response = await fetch(`${api.url}/slack/actions`, { method: 'POST', body: 'payload=%7B%7D' });

    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('x-decision')).toBe('approved');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.text()).toBe('Approved by U024BE7LH');
  });

  it('decodes a base64 body, and is application/json when the answer names no Content-Type', async () => {
    answerWith = () => ({ statusCode: 200, body: Buffer.from('{"ok":true}').toString('base64'), isBase64Encoded: true });

    const response = await fetch(`${api.url}/slack/actions`, { method: 'POST', body: '' });

    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.text()).toBe('{"ok":true}');
  });

  it('answers an empty 200 for an answer with a status and no body (what Slack expects to acknowledge a click)', async () => {
    answerWith = () => ({ statusCode: 200 });

    const response = await fetch(`${api.url}/slack/actions`, { method: 'POST', body: 'payload=%7B%7D' });

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  // "Handling Lambda errors with an API Gateway API" (Lambda developer guide): a function error or an
  // answer in the wrong format gives 502 with {"message": "Internal server error"}.
  it('is 502 Internal server error when the function throws', async () => {
    answerWith = () => {
      throw new Error('Slack secret unreadable');
    };

    const response = await fetch(`${api.url}/slack/actions`, { method: 'POST', body: 'payload=%7B%7D' });

    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ message: 'Internal server error' });
  });

  it.each([
    ['no statusCode', { body: 'ok' }],
    ['a body that is not a string', { statusCode: 200, body: { ok: true } }],
    ['a header value that is an object', { statusCode: 200, headers: { 'X-Decision': { value: 'approved' } } }],
    ['nothing at all', null],
    ['a plain string', 'ok'],
  ])('is 502 Internal server error for an answer with %s', async (_case, answer) => {
    answerWith = () => answer;

    const response = await fetch(`${api.url}/slack/actions`, { method: 'POST', body: 'payload=%7B%7D' });

    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ message: 'Internal server error' });
  });
});
