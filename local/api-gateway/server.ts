import { randomBytes, randomUUID } from 'node:crypto';
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BodyTooLarge, createLocalServer, type ErrorShape, readRequestBody, urlHost } from '../http-guard';
import { DEFAULT_LOCAL_HOST, DEFAULT_LOCAL_PORTS } from '../ports';
import { LOCAL_ACCOUNT, LOCAL_REST_API_ID } from '../stack/local-account';
import { type ApiModel, matchRoute, type RouteModel, staticParameterValue } from './api-model';
import { lambdaProxyEvent, type LambdaProxyTarget, type ProxyRequest, proxyReply } from './lambda-proxy';
import { MappingTemplateError } from './vtl/errors';
import { MappingTemplateThread } from './vtl/mapping-template-thread';
import { parseQueryString } from './vtl/query-string';
import { renderMappingTemplate } from './vtl/render-mapping-template';
import type { ApiGatewayRequestContext } from './vtl/request-context';
import { formatRequestTime } from './vtl/request-time';
import { selectIntegrationResponse, selectTemplate } from './vtl/template-selection';

export interface LocalApiGatewayOptions {
  readonly model: ApiModel;
  /** Where the AWS-service integrations send their Step Functions calls. */
  readonly stepFunctionsUrl: string;
  /** @default 127.0.0.1 */
  readonly host?: string;
  /** 0 picks a free port. @default DEFAULT_LOCAL_PORTS.api */
  readonly port?: number;
  /** Receives one access-log line per request, in the stage's access-log format. */
  readonly log?: (line: string) => void;
  /** How long a client may take to send a whole request; a request still unfinished then gets an error. @default REQUEST_TIMEOUT_MS (http-guard.ts) */
  readonly requestTimeoutMs?: number;
  /**
   * What the Lambda proxy integrations run, by the function's logical id (RouteModel.lambdaFunctionId).
   * Read at each request, so a caller may fill it after the gateway has started.
   */
  readonly lambdaFunctions?: ReadonlyMap<string, LambdaProxyTarget>;
  /** The account and REST API id the proxy event's requestContext names. @default LOCAL_ACCOUNT, LOCAL_REST_API_ID */
  readonly accountId?: string;
  readonly restApiId?: string;
  /** API Gateway's integration timeout for REST APIs, 29 s by default ("Amazon API Gateway quotas"). @default 29000 */
  readonly integrationTimeoutMs?: number;
}

export interface LocalApiGateway {
  /** The stage URL, e.g. http://127.0.0.1:3000/respond */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** API Gateway's own status for each gateway response type it produces here. */
const GATEWAY_RESPONSE_STATUS: Readonly<Record<string, number>> = {
  BAD_REQUEST_PARAMETERS: 400,
  MISSING_AUTHENTICATION_TOKEN: 403,
  REQUEST_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INTEGRATION_FAILURE: 504,
  INTEGRATION_TIMEOUT: 504,
  DEFAULT_5XX: 500,
};

/** API Gateway's payload limit for REST APIs: 10 MB, not adjustable (Amazon API Gateway quotas, "Payload size"). */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** Lambda's limit on a synchronous invoke's payload, 6 MB (Lambda quotas, "Invocation payload"): a larger proxy event is refused by Lambda. */
const MAX_PROXY_EVENT_BYTES = 6 * 1024 * 1024;
/** API Gateway's default integration timeout for REST APIs: 29 seconds (Amazon API Gateway quotas). */
const INTEGRATION_TIMEOUT_MS = 29_000;

/**
 * Bodies longer than this are mapped on the render thread (vtl/mapping-template-thread.ts): a request
 * template over megabytes can take a while, and every local endpoint shares this event loop.
 */
const OFF_THREAD_BODY_LENGTH = 64 * 1024;

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: string | Buffer;
  readonly errorType?: string;
  readonly integrationStatus?: number;
}

/** What no route matched logs as `$context.resourcePath`. */
const NO_RESOURCE = '-';

/**
 * A client may name the request with X-Amzn-RequestId "in the format of a UUID", and
 * `$context.requestId` then is that name; API Gateway "replaces overridden request IDs that aren't in
 * the format of a UUID with {UUID}_REPLACED_INVALID_REQUEST_ID in your access logs" (API Gateway
 * developer guide, "Access logging for REST APIs"). So a header can never put text of its own there.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function validClientRequestId(header: string | undefined): string | undefined {
  return header !== undefined && UUID.test(header) ? header : undefined;
}

/** API errors outside the model's gateway responses (misdirected requests, timeouts): API Gateway's JSON error. */
const errorShape: ErrorShape = (_status, type, message) => ({
  headers: { 'content-type': 'application/json', 'x-amzn-errortype': type, 'x-amzn-requestid': randomUUID() },
  body: JSON.stringify({ message }),
});

/** The `statusCode` a MOCK integration's rendered request template asks for (API Gateway: 200 when absent). */
function mockStatus(renderedRequest: string): number {
  try {
    const { statusCode } = JSON.parse(renderedRequest) as { statusCode?: unknown };
    return typeof statusCode === 'number' ? statusCode : 200;
  } catch {
    return 200;
  }
}

/**
 * The body, up to API Gateway's payload limit. A larger one is refused as soon as that is known:
 * from Content-Length, before any of it is read, or at the chunk that passes the limit, after which
 * nothing more is read (the answer closes the connection).
 */
async function readBody(request: http.IncomingMessage): Promise<Buffer> {
  if (Number(request.headers['content-length']) > MAX_BODY_BYTES) throw new BodyTooLarge(MAX_BODY_BYTES);
  return readRequestBody(request, MAX_BODY_BYTES);
}

function headerValues(request: http.IncomingMessage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(request.headers).flatMap(([name, value]) =>
      value === undefined ? [] : [[name, Array.isArray(value) ? value.join(',') : value]],
    ),
  );
}

/**
 * A local stand-in for the deployed REST API: it serves the routes, request validator, VTL request
 * templates, AWS-service integrations, integration responses and gateway responses read from the
 * synthesized template, and calls the local Step Functions endpoint the way API Gateway calls the
 * real one.
 */
export async function startLocalApiGateway(options: LocalApiGatewayOptions): Promise<LocalApiGateway> {
  const { model } = options;
  const host = options.host ?? DEFAULT_LOCAL_HOST;
  const stagePrefix = `/${model.stageName}`;
  const renderThread = new MappingTemplateThread();

  async function renderRequestTemplate(template: string, context: ApiGatewayRequestContext, body: string): Promise<string> {
    const options = { request: context, body };
    const rendered =
      body.length > OFF_THREAD_BODY_LENGTH ? await renderThread.render(template, options) : renderMappingTemplate(template, options);
    return rendered.output;
  }

  function gatewayResponse(
    type: string,
    message: string,
    context: ApiGatewayRequestContext,
    accept: string | undefined,
    ownStatus: number = GATEWAY_RESPONSE_STATUS[type] ?? 400,
  ): Reply {
    const custom = model.gatewayResponses[type] ?? model.gatewayResponses[ownStatus >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX'];
    const status = Number(custom?.statusCode ?? ownStatus);
    const template = custom ? selectTemplate(custom.templates, accept) : undefined;
    if (template === undefined) {
      return {
        status,
        headers: { 'content-type': 'application/json', ...custom?.headers },
        body: JSON.stringify({ message }),
        errorType: type,
      };
    }
    // Gateway response templates are not VTL: API Gateway only substitutes a few variables.
    const body = template
      .replaceAll('$context.error.messageString', JSON.stringify(message))
      .replaceAll('$context.error.message', message)
      .replaceAll('$context.error.responseType', type)
      .replaceAll('$context.requestId', context.requestId);
    return { status, headers: { ...custom?.headers }, body, errorType: type };
  }

  /**
   * A Lambda proxy integration: the function gets the request as its event and its answer is the
   * response. "Handling Lambda errors with an API Gateway API" (Lambda developer guide): when Lambda
   * refuses the invoke API Gateway answers 500; when the function fails or its answer is not in the
   * output format, 502; both with `{"message": "Internal server error"}`.
   */
  async function integrateLambdaProxy(
    route: RouteModel,
    proxy: ProxyRequest,
    context: ApiGatewayRequestContext,
    accept: string | undefined,
  ): Promise<Reply> {
    const functionId = route.lambdaFunctionId ?? '';
    const target = options.lambdaFunctions?.get(functionId);
    const event = lambdaProxyEvent(proxy);
    if (target === undefined || Buffer.byteLength(JSON.stringify(event)) > MAX_PROXY_EVENT_BYTES) {
      options.log?.(
        target === undefined
          ? `no local function ${functionId} runs for ${route.httpMethod} ${route.resourcePath}: answered 500`
          : `the event for ${functionId} is over Lambda's 6 MB payload limit: answered 500`,
      );
      return { ...gatewayResponse('DEFAULT_5XX', 'Internal server error', context, accept), integrationStatus: 500 };
    }
    const timeoutMs = options.integrationTimeoutMs ?? INTEGRATION_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timed out'>((resolve) => {
      timer = setTimeout(() => resolve('timed out'), timeoutMs);
    });
    let answer: unknown;
    try {
      answer = await Promise.race([target.invokeSync(event), timedOut]);
    } catch (error) {
      // The error's name only: its message is the function's and may carry anything.
      options.log?.(`the function ${functionId} failed (${(error as Error).name}): answered 502`);
      return { ...gatewayResponse('DEFAULT_5XX', 'Internal server error', context, accept, 502), integrationStatus: 200 };
    } finally {
      clearTimeout(timer);
    }
    if (answer === 'timed out') {
      return gatewayResponse('INTEGRATION_TIMEOUT', 'Endpoint request timed out', context, accept);
    }
    const reply = proxyReply(answer);
    if (reply === undefined) {
      options.log?.(`the function ${functionId} answered in a shape that is not a Lambda proxy response: answered 502`);
      return { ...gatewayResponse('DEFAULT_5XX', 'Internal server error', context, accept, 502), integrationStatus: 200 };
    }
    return { ...reply, integrationStatus: 200 };
  }

  async function integrate(
    route: RouteModel,
    context: ApiGatewayRequestContext,
    body: string,
    contentType: string,
    accept: string | undefined,
  ): Promise<Reply> {
    const requestTemplate = route.requestTemplates[contentType];
    if (requestTemplate === undefined && route.passthroughBehavior !== 'WHEN_NO_MATCH') {
      return gatewayResponse('UNSUPPORTED_MEDIA_TYPE', 'Unsupported Media Type', context, accept);
    }
    let integrationBody = body;
    try {
      if (requestTemplate !== undefined) integrationBody = await renderRequestTemplate(requestTemplate, context, body);
    } catch (error) {
      if (error instanceof MappingTemplateError) return gatewayResponse('DEFAULT_5XX', 'Internal server error', context, accept);
      throw error;
    }

    let integrationStatus: number;
    let integrationResponseBody: string;
    if (route.integrationType === 'MOCK') {
      // A MOCK integration answers with the status its request template names, and no body.
      integrationStatus = mockStatus(integrationBody);
      integrationResponseBody = '';
    } else {
      try {
        const answer = await fetch(options.stepFunctionsUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AWSStepFunctions.${route.stepFunctionsAction}` },
          body: integrationBody,
        });
        integrationStatus = answer.status;
        integrationResponseBody = await answer.text();
      } catch {
        return gatewayResponse('INTEGRATION_FAILURE', 'Internal server error', context, accept);
      }
    }

    const response = selectIntegrationResponse(route.integrationResponses, String(integrationStatus), (r) => r.selectionPattern);
    if (response === undefined) {
      return { ...gatewayResponse('DEFAULT_5XX', 'Internal server error', context, accept), integrationStatus };
    }
    const template = selectTemplate(response.responseTemplates, accept);
    let rendered: { output: string; statusOverride?: number; headerOverrides: Record<string, string> } = {
      output: integrationResponseBody,
      headerOverrides: {},
    };
    try {
      if (template !== undefined) rendered = renderMappingTemplate(template, { request: context, body: integrationResponseBody });
    } catch (error) {
      if (error instanceof MappingTemplateError) return gatewayResponse('DEFAULT_5XX', 'Internal server error', context, accept);
      throw error;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const [name, mapping] of Object.entries(response.responseParameters)) {
      const value = staticParameterValue(mapping);
      if (name.startsWith('method.response.header.') && value !== undefined)
        headers[name.slice('method.response.header.'.length).toLowerCase()] = value;
    }
    for (const [name, value] of Object.entries(rendered.headerOverrides)) headers[name.toLowerCase()] = value;
    return { status: rendered.statusOverride ?? Number(response.statusCode), headers, body: rendered.output, integrationStatus };
  }

  async function handle(request: http.IncomingMessage, started: number): Promise<{ reply: Reply; context: ApiGatewayRequestContext }> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const requestPath = url.pathname.startsWith(`${stagePrefix}/`) ? url.pathname.slice(stagePrefix.length) : undefined;
    const match = matchRoute(model, method, requestPath);
    const route = match?.route;
    const headers = headerValues(request);
    const context: ApiGatewayRequestContext = {
      queryString: parseQueryString(url.search),
      headers,
      pathParameters: match?.pathParameters,
      sourceIp: (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      userAgent: headers['user-agent'],
      requestId: validClientRequestId(headers['x-amzn-requestid']) ?? randomUUID(),
      extendedRequestId: randomBytes(12).toString('base64'),
      requestTime: formatRequestTime(new Date(started)),
      requestTimeEpoch: started,
      httpMethod: method,
      // The route's template, never the path the client sent: that may carry anything, a task token too.
      resourcePath: route?.resourcePath ?? NO_RESOURCE,
      stage: model.stageName,
    };
    const accept = headers.accept;
    if (route === undefined) {
      return { reply: gatewayResponse('MISSING_AUTHENTICATION_TOKEN', 'Missing Authentication Token', context, accept), context };
    }
    const missing = route.requiredQueryParameters.filter((name) => (context.queryString[name] ?? '').trim() === '');
    if (missing.length > 0) {
      return {
        reply: gatewayResponse('BAD_REQUEST_PARAMETERS', `Missing required request parameters: [${missing.join(', ')}]`, context, accept),
        context,
      };
    }
    let body: Buffer;
    try {
      body = await readBody(request);
    } catch (error) {
      if (error instanceof BodyTooLarge)
        return { reply: gatewayResponse('REQUEST_TOO_LARGE', 'Request Too Long', context, accept), context };
      throw error;
    }
    if (route.integrationType === 'AWS_PROXY') {
      const proxy: ProxyRequest = {
        request,
        resourcePath: route.resourcePath,
        path: requestPath ?? '/',
        stage: model.stageName,
        rawQuery: url.search,
        pathParameters: match?.pathParameters ?? {},
        body,
        accountId: options.accountId ?? LOCAL_ACCOUNT,
        apiId: options.restApiId ?? LOCAL_REST_API_ID,
        requestId: context.requestId,
        extendedRequestId: context.extendedRequestId,
        requestTime: context.requestTime,
        requestTimeEpoch: context.requestTimeEpoch,
        sourceIp: context.sourceIp,
      };
      return { reply: await integrateLambdaProxy(route, proxy, context, accept), context };
    }
    // Without a Content-Type, API Gateway maps the request as application/json.
    const contentType = (headers['content-type'] ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? 'application/json';
    return { reply: await integrate(route, context, body.toString('utf8'), contentType, accept), context };
  }

  function accessLogLine(
    context: ApiGatewayRequestContext,
    clientRequestId: string | undefined,
    reply: Reply,
    latencyMs: number,
  ): string | undefined {
    if (model.accessLogFormat === undefined) return undefined;
    const replaced = clientRequestId !== undefined && validClientRequestId(clientRequestId) === undefined;
    const values: Record<string, string> = {
      requestId: replaced ? `${context.requestId}_REPLACED_INVALID_REQUEST_ID` : context.requestId,
      extendedRequestId: context.extendedRequestId,
      requestTime: context.requestTime,
      'identity.sourceIp': context.sourceIp,
      'identity.userAgent': context.userAgent ?? '-',
      httpMethod: context.httpMethod,
      resourcePath: context.resourcePath,
      status: String(reply.status),
      responseLatency: String(latencyMs),
      'integration.status': reply.integrationStatus === undefined ? '-' : String(reply.integrationStatus),
      'error.responseType': reply.errorType ?? '-',
      stage: context.stage,
    };
    // Values sit inside JSON strings in the format, so they are JSON-escaped.
    return model.accessLogFormat.replace(/\$context\.([A-Za-z.]+)/g, (_match, name: string) =>
      JSON.stringify(values[name] ?? '-').slice(1, -1),
    );
  }

  const server = createLocalServer(
    { host, errorShape, sameOriginOnly: false, requestTimeoutMs: options.requestTimeoutMs },
    (request, response) => {
      const started = Date.now();
      handle(request, started)
        .then(({ reply, context }) => {
          response.writeHead(reply.status, {
            ...reply.headers,
            'x-amzn-requestid': context.requestId,
            'content-length': Buffer.byteLength(reply.body),
          });
          response.end(request.method === 'HEAD' ? undefined : reply.body);
          const clientRequestId = request.headers['x-amzn-requestid'];
          const line = accessLogLine(
            context,
            typeof clientRequestId === 'string' ? clientRequestId : undefined,
            reply,
            Date.now() - started,
          );
          if (line !== undefined) options.log?.(line);
        })
        .catch(() => {
          if (response.headersSent || response.destroyed) return;
          const { headers, body } = errorShape(500, 'InternalServerErrorException', 'Internal server error');
          response.writeHead(500, headers);
          response.end(body);
        });
    },
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_LOCAL_PORTS.api, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${urlHost(host)}:${port}${stagePrefix}`,
    port,
    close: async () => {
      await Promise.all([
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
        renderThread.close(),
      ]);
    },
  };
}
