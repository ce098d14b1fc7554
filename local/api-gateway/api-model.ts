import { type CloudFormationTemplate, onlyResourceOfType, resolveIntrinsics, resourcesOfType } from '../stack/synthesized-stack';

/** One integration response of a method, as CloudFormation describes it. */
export interface IntegrationResponseModel {
  readonly statusCode: string;
  readonly selectionPattern?: string;
  readonly responseTemplates: Readonly<Record<string, string>>;
  /** `method.response.header.X` -> `'static value'` */
  readonly responseParameters: Readonly<Record<string, string>>;
}

/**
 * A method whose integration calls a Step Functions action (`arn:...:states:action/SendTaskSuccess`),
 * is a MOCK (API Gateway answers from the templates alone), or is a Lambda proxy integration
 * (AWS_PROXY: the function gets the whole request as its event and answers with the whole response).
 */
export interface RouteModel {
  readonly httpMethod: string;
  /** Resource path, e.g. `/succeed`. */
  readonly resourcePath: string;
  /** Method request parameters as declared: `method.request.querystring.taskToken` -> whether it is required. */
  readonly requestParameters: Readonly<Record<string, boolean>>;
  /** Whether the method's request validator checks its required request parameters. */
  readonly validatesRequestParameters: boolean;
  /** Query-string parameters the request validator requires. */
  readonly requiredQueryParameters: readonly string[];
  readonly integrationType: 'AWS' | 'MOCK' | 'AWS_PROXY';
  /** Set for AWS integrations. */
  readonly stepFunctionsAction?: string;
  /** Set for Lambda proxy integrations: the logical id of the AWS::Lambda::Function the integration invokes. */
  readonly lambdaFunctionId?: string;
  readonly passthroughBehavior: string;
  readonly requestTemplates: Readonly<Record<string, string>>;
  readonly integrationResponses: readonly IntegrationResponseModel[];
}

export interface GatewayResponseModel {
  readonly statusCode?: string;
  /** Header name -> value, unquoted. */
  readonly headers: Readonly<Record<string, string>>;
  readonly templates: Readonly<Record<string, string>>;
}

export interface ApiModel {
  readonly stageName: string;
  readonly routes: readonly RouteModel[];
  /** Keyed by response type: BAD_REQUEST_PARAMETERS, DEFAULT_4XX, ... */
  readonly gatewayResponses: Readonly<Record<string, GatewayResponseModel>>;
  /** The stage's access-log format (`$context` variables), if access logging is on. */
  readonly accessLogFormat?: string;
}

export class UnsupportedApiError extends Error {
  override readonly name = 'UnsupportedApiError';
}

/** The route API Gateway would pick for a request: the method of that HTTP verb on that resource path. */
export function routeFor(model: ApiModel, httpMethod: string, resourcePath: string | undefined): RouteModel | undefined {
  return matchRoute(model, httpMethod, resourcePath)?.route;
}

/** A route a request path reaches, with the values of the resource's path parameters (`{id}`, `{proxy+}`). */
export interface RouteMatch {
  readonly route: RouteModel;
  readonly pathParameters: Readonly<Record<string, string>>;
}

/** The values of a resource path's parameters in `path`, or undefined when the path is not of that resource. */
function pathParametersOf(resourcePath: string, path: string): Record<string, string> | undefined {
  const templateSegments = resourcePath.split('/');
  const segments = path.split('/');
  const parameters: Record<string, string> = {};
  for (const [index, template] of templateSegments.entries()) {
    const greedy = /^\{(.+)\+\}$/.exec(template);
    if (greedy?.[1] !== undefined && index === templateSegments.length - 1) {
      const rest = segments.slice(index).join('/');
      if (rest === '') return undefined;
      parameters[greedy[1]] = rest;
      return parameters;
    }
    const segment = segments[index];
    if (segment === undefined) return undefined;
    const named = /^\{(.+)\}$/.exec(template);
    if (named?.[1] !== undefined) {
      if (segment === '') return undefined;
      parameters[named[1]] = segment;
    } else if (segment !== template) {
      return undefined;
    }
  }
  return segments.length === templateSegments.length ? parameters : undefined;
}

/**
 * The route API Gateway would pick: a resource whose path is the request's (literal paths before
 * templated ones), and on it the method of that verb, else its ANY method ("Set up a method using
 * the API Gateway console": ANY stands for every HTTP method not set up on its own).
 */
export function matchRoute(model: ApiModel, httpMethod: string, path: string | undefined): RouteMatch | undefined {
  if (path === undefined) return undefined;
  const candidates = model.routes
    .map((route) => ({ route, pathParameters: pathParametersOf(route.resourcePath, path) }))
    .filter((candidate): candidate is RouteMatch => candidate.pathParameters !== undefined)
    // The more literal a resource, the sooner it is tried; then the verb before ANY.
    .sort(
      (a, b) =>
        Object.keys(a.pathParameters).length - Object.keys(b.pathParameters).length ||
        Number(a.route.httpMethod === 'ANY') - Number(b.route.httpMethod === 'ANY'),
    );
  return candidates.find(({ route }) => route.httpMethod === httpMethod || route.httpMethod === 'ANY');
}

/** `'text/html'` -> `text/html`: static values in response parameters are single-quoted. */
export function staticParameterValue(mapping: string): string | undefined {
  const match = /^'(.*)'$/s.exec(mapping);
  return match?.[1];
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function refOf(value: unknown): string | undefined {
  const ref = asRecord(value).Ref;
  return typeof ref === 'string' ? ref : undefined;
}

/**
 * Reads the REST API of a synthesized template: routes, validators, AWS-service integrations,
 * mapping templates, integration and gateway responses. Nothing is redefined here, so the local
 * stand-in serves what CloudFormation would deploy.
 */
export function buildApiModel(template: CloudFormationTemplate): ApiModel {
  const [restApiId] = onlyResourceOfType(template, 'AWS::ApiGateway::RestApi');
  const [, stage] = onlyResourceOfType(template, 'AWS::ApiGateway::Stage');

  const resources = new Map(resourcesOfType(template, 'AWS::ApiGateway::Resource'));
  const pathOf = (resourceId: unknown): string => {
    const getAtt = asRecord(resourceId)['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt[0] === restApiId && getAtt[1] === 'RootResourceId') return '';
    const id = refOf(resourceId);
    const resource = id === undefined ? undefined : resources.get(id);
    if (!resource) throw new UnsupportedApiError(`Cannot find API resource ${JSON.stringify(resourceId)}.`);
    return `${pathOf(resource.ParentId)}/${String(resource.PathPart)}`;
  };

  const validators = new Map(resourcesOfType(template, 'AWS::ApiGateway::RequestValidator'));
  const functions = new Set(resourcesOfType(template, 'AWS::Lambda::Function').map(([id]) => id));
  // The ARN's partition and region do not matter locally; only the action does.
  const placeholders = new Proxy({}, { get: (_target, name) => `{${String(name)}}` }) as Record<string, string>;

  const routes = resourcesOfType(template, 'AWS::ApiGateway::Method').map(([id, method]): RouteModel => {
    const integration = asRecord(method.Integration);
    const uri = integration.Uri === undefined ? '' : String(resolveIntrinsics(integration.Uri, placeholders));
    const action = /:states:action\/([A-Za-z]+)$/.exec(uri)?.[1];
    // As CDK's LambdaIntegration writes it: `arn:<partition>:apigateway:<region>:lambda:path/2015-03-31/functions/<Fn::GetAtt X.Arn>/invocations`.
    const lambdaFunctionId = /:lambda:path\/2015-03-31\/functions\/\{([A-Za-z0-9]+)\.Arn\}\/invocations$/.exec(uri)?.[1];
    const integrationType = integration.Type;
    if (!(
      integrationType === 'MOCK' ||
      (integrationType === 'AWS' && action !== undefined) ||
      (integrationType === 'AWS_PROXY' && lambdaFunctionId !== undefined && functions.has(lambdaFunctionId))
    )) {
      throw new UnsupportedApiError(
        `Method ${id} is neither a MOCK, an AWS-service integration to Step Functions nor a Lambda proxy integration to a function of the template (${String(integrationType)} ${uri}); the local stand-in serves only those.`,
      );
    }
    const validatorId = refOf(method.RequestValidatorId);
    const validatesRequestParameters = validatorId !== undefined && validators.get(validatorId)?.ValidateRequestParameters === true;
    const requestParameters = Object.fromEntries(
      Object.entries(asRecord(method.RequestParameters)).map(([name, required]) => [name, required === true]),
    );
    const requiredQueryParameters = validatesRequestParameters
      ? Object.entries(requestParameters)
          .filter(([name, required]) => required && name.startsWith('method.request.querystring.'))
          .map(([name]) => name.slice('method.request.querystring.'.length))
      : [];
    return {
      httpMethod: String(method.HttpMethod),
      resourcePath: pathOf(method.ResourceId),
      requestParameters,
      validatesRequestParameters,
      requiredQueryParameters,
      integrationType,
      stepFunctionsAction: action,
      lambdaFunctionId: integrationType === 'AWS_PROXY' ? lambdaFunctionId : undefined,
      passthroughBehavior: typeof integration.PassthroughBehavior === 'string' ? integration.PassthroughBehavior : 'WHEN_NO_MATCH',
      requestTemplates: asRecord(integration.RequestTemplates) as Record<string, string>,
      integrationResponses: (Array.isArray(integration.IntegrationResponses) ? integration.IntegrationResponses : []).map((response) => {
        const r = asRecord(response);
        return {
          statusCode: String(r.StatusCode),
          selectionPattern: typeof r.SelectionPattern === 'string' ? r.SelectionPattern : undefined,
          responseTemplates: asRecord(r.ResponseTemplates) as Record<string, string>,
          responseParameters: asRecord(r.ResponseParameters) as Record<string, string>,
        };
      }),
    };
  });

  const gatewayResponses = Object.fromEntries(
    resourcesOfType(template, 'AWS::ApiGateway::GatewayResponse').map(([, response]) => {
      const headers = Object.fromEntries(
        Object.entries(asRecord(response.ResponseParameters)).flatMap(([name, value]) => {
          const headerName = name.replace(/^gatewayresponse\.header\./, '');
          const unquoted = staticParameterValue(String(value));
          return unquoted === undefined || headerName === name ? [] : [[headerName, unquoted]];
        }),
      );
      const model: GatewayResponseModel = {
        statusCode: typeof response.StatusCode === 'string' ? response.StatusCode : undefined,
        headers,
        templates: asRecord(response.ResponseTemplates) as Record<string, string>,
      };
      return [String(response.ResponseType), model];
    }),
  );

  const accessLogFormat = asRecord(stage.AccessLogSetting).Format;
  return {
    stageName: String(stage.StageName),
    routes,
    gatewayResponses,
    accessLogFormat: typeof accessLogFormat === 'string' ? accessLogFormat : undefined,
  };
}
