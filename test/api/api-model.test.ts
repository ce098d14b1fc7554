import { buildApiModel, routeFor } from '../../local/api-gateway/api-model';
import type { CloudFormationTemplate } from '../../local/stack/synthesized-stack';

// The model of a REST API that the local API Gateway serves and the template tests read, built here
// from a small hand-written template so each field can be checked against what it was given.

const ROOT = { 'Fn::GetAtt': ['Api', 'RootResourceId'] };

function template(methods: Record<string, Record<string, unknown>>): CloudFormationTemplate {
  return {
    Resources: {
      Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'approval' } },
      Stage: { Type: 'AWS::ApiGateway::Stage', Properties: { StageName: 'respond' } },
      Succeed: { Type: 'AWS::ApiGateway::Resource', Properties: { ParentId: ROOT, PathPart: 'succeed' } },
      ParamsValidator: { Type: 'AWS::ApiGateway::RequestValidator', Properties: { ValidateRequestParameters: true } },
      BodyValidator: {
        Type: 'AWS::ApiGateway::RequestValidator',
        Properties: { ValidateRequestBody: true, ValidateRequestParameters: false },
      },
      ...Object.fromEntries(
        Object.entries(methods).map(([id, properties]) => [
          id,
          { Type: 'AWS::ApiGateway::Method', Properties: { ResourceId: { Ref: 'Succeed' }, Integration: { Type: 'MOCK' }, ...properties } },
        ]),
      ),
    },
  };
}

const PARAMETERS = {
  'method.request.querystring.taskToken': true,
  'method.request.querystring.lang': false,
  'method.request.header.X-Trace': true,
};

describe('buildApiModel: request parameters and their validator', () => {
  it('reports the declared parameters, and requires the required query-string ones when a validator checks parameters', () => {
    const [route] = buildApiModel(
      template({ Get: { HttpMethod: 'GET', RequestValidatorId: { Ref: 'ParamsValidator' }, RequestParameters: PARAMETERS } }),
    ).routes;

    expect(route).toMatchObject({ httpMethod: 'GET', resourcePath: '/succeed', integrationType: 'MOCK' });
    expect(route?.requestParameters).toEqual(PARAMETERS);
    expect(route?.validatesRequestParameters).toBe(true);
    expect(route?.requiredQueryParameters).toEqual(['taskToken']);
  });

  it.each([
    ['no validator', {}],
    ['a validator that checks the body only', { RequestValidatorId: { Ref: 'BodyValidator' } }],
  ])('requires nothing with %s, though the parameters are still declared', (_label, validator) => {
    const [route] = buildApiModel(template({ Get: { HttpMethod: 'GET', RequestParameters: PARAMETERS, ...validator } })).routes;

    expect(route?.requestParameters).toEqual(PARAMETERS);
    expect(route?.validatesRequestParameters).toBe(false);
    expect(route?.requiredQueryParameters).toEqual([]);
  });

  it('gives a method without request parameters an empty map', () => {
    const [route] = buildApiModel(template({ Get: { HttpMethod: 'GET' } })).routes;

    expect(route?.requestParameters).toEqual({});
    expect(route?.requiredQueryParameters).toEqual([]);
  });
});

describe('routeFor', () => {
  it('finds the method of a verb on a resource path, and nothing for another verb or path', () => {
    const model = buildApiModel(template({ Get: { HttpMethod: 'GET' }, Post: { HttpMethod: 'POST' } }));

    expect(routeFor(model, 'GET', '/succeed')?.httpMethod).toBe('GET');
    expect(routeFor(model, 'POST', '/succeed')?.httpMethod).toBe('POST');
    expect(routeFor(model, 'PUT', '/succeed')).toBeUndefined();
    expect(routeFor(model, 'GET', '/fail')).toBeUndefined();
    expect(routeFor(model, 'GET', undefined)).toBeUndefined();
  });
});
