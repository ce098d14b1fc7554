import { parseQueryString } from '../../local/api-gateway/vtl/query-string';
import type { ApiGatewayRequestContext } from '../../local/api-gateway/vtl/request-context';
import { formatRequestTime } from '../../local/api-gateway/vtl/request-time';
import { renderMappingTemplate } from '../../local/api-gateway/vtl/render-mapping-template';
import { type Recording, recording } from './recordings';

/**
 * API Gateway mapping templates rendered by our VTL renderer, against what AWS rendered:
 * `$input.params()` in a request template (the query string) and in a MOCK integration's response
 * template (the method request's path parameter), and `$util.escapeJavaScript` of a JSON text with
 * double quotes (shown only by AWS accepting the rendered body). No recording shows
 * `$util.escapeJavaScript` on single quotes or backslashes, nor `$input.params()` reading the query
 * string in a response template.
 */

const REQUEST_TIME = new Date('2026-11-21T09:15:03Z');

function methodRequest(overrides: Partial<ApiGatewayRequestContext>): ApiGatewayRequestContext {
  return {
    queryString: {},
    headers: {},
    sourceIp: '203.0.113.42',
    requestId: 'a1b2c3d4-0000-4000-8000-000000000001',
    extendedRequestId: 'Tk3aBcDEFgHiJkL=',
    requestTime: formatRequestTime(REQUEST_TIME),
    requestTimeEpoch: REQUEST_TIME.getTime(),
    httpMethod: 'GET',
    resourcePath: '/test',
    stage: 'dev',
    ...overrides,
  };
}

interface RequestTemplateRecording extends Recording {
  readonly requestTemplate: Record<string, string>;
  readonly invocations: readonly { readonly queryString: string; readonly body: unknown }[];
}

interface ResponseTemplateRecording extends Recording {
  readonly responseTemplate: string;
  readonly pathParameters: Record<string, string>;
  readonly body: unknown;
  readonly log: { readonly line07: string };
}

describe('$input.params() in mapping templates, as recorded on AWS', () => {
  it('reads a query string parameter in a request template, other parameters beside it (test_lambda_aws_integration_with_request_template)', () => {
    const recorded = recording<RequestTemplateRecording>(
      'api-gateway-request-parameters.json',
      'test_lambda_aws_integration_with_request_template',
    );
    // The snapshot keeps the template parsed; API Gateway was given it as this text.
    const template = JSON.stringify(recorded.requestTemplate);

    const bodies = recorded.invocations.map(({ queryString }): unknown =>
      JSON.parse(renderMappingTemplate(template, { request: methodRequest({ queryString: parseQueryString(queryString) }) }).output),
    );

    expect(bodies).toEqual(recorded.invocations.map(({ body }) => body));
  });

  it("reads the method request's path parameter in a MOCK integration's response template (test_invoke_test_method)", () => {
    const recorded = recording<ResponseTemplateRecording>('api-gateway-response-parameters.json', 'test_invoke_test_method');

    const rendered = renderMappingTemplate(recorded.responseTemplate, {
      request: methodRequest({ resourcePath: '/pets/{petId}', pathParameters: recorded.pathParameters }),
      body: '',
    });

    expect(JSON.parse(rendered.output)).toEqual(recorded.body);
    // The execution log quotes the body exactly as rendered.
    expect(recorded.log.line07.endsWith(`Method response body after transformations: ${rendered.output}`)).toBe(true);
  });
});

interface EscapeRecording extends Recording {
  readonly requestBody: { readonly items: readonly { readonly Detail: string }[] };
  readonly response: { readonly FailedEntryCount: number };
}

describe('$util.escapeJavaScript in a request template, as recorded on AWS', () => {
  it('writes a JSON text with double quotes into a JSON string that reads back exactly (test_apigateway_to_eventbridge)', () => {
    const recorded = recording<EscapeRecording>('api-gateway-escape-javascript.json', 'test_apigateway_to_eventbridge');
    const [item] = recorded.requestBody.items;
    if (item === undefined) throw new Error('the recording has no item');
    // AWS accepted the entry, which it does only for a JSON body whose Detail is the JSON text given.
    expect(recorded.response.FailedEntryCount).toBe(0);

    const rendered = renderMappingTemplate(`{"Detail": "$util.escapeJavaScript($input.path('$.items[0].Detail'))"}`, {
      request: methodRequest({ httpMethod: 'POST', resourcePath: '/event' }),
      body: JSON.stringify(recorded.requestBody),
    });

    expect(JSON.parse(rendered.output)).toEqual({ Detail: item.Detail });
  });
});
