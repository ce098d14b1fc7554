import type * as http from 'node:http';

/**
 * A Lambda proxy integration (AWS_PROXY) of a REST API: the request as the function's event, and
 * the function's answer as the response, in the formats the API Gateway developer guide gives in
 * "Set up Lambda proxy integrations in API Gateway": "Input format of a Lambda function for proxy
 * integration" and "Output format of a Lambda function for proxy integration".
 */

/** What the integration runs: a synchronous (RequestResponse) invoke, as API Gateway makes it. */
export interface LambdaProxyTarget {
  /** The handler's result, or a rejection when the function failed (threw, timed out, its runtime exited). */
  invokeSync(event: unknown): Promise<unknown>;
}

/** The request as API Gateway knows it when it builds the event. */
export interface ProxyRequest {
  readonly request: http.IncomingMessage;
  /** The resource of the route, e.g. `/slack/actions` or `/items/{id}`. */
  readonly resourcePath: string;
  /** The request's path below the stage, e.g. `/slack/actions`. */
  readonly path: string;
  readonly stage: string;
  readonly rawQuery: string;
  readonly pathParameters: Readonly<Record<string, string>>;
  /** The body exactly as received. */
  readonly body: Buffer;
  readonly accountId: string;
  readonly apiId: string;
  readonly requestId: string;
  readonly extendedRequestId: string;
  readonly requestTime: string;
  readonly requestTimeEpoch: number;
  readonly sourceIp: string;
}

/** The REST (v1) proxy event, as the developer guide's "Input format" lists it. */
export interface LambdaProxyEvent {
  readonly resource: string;
  readonly path: string;
  readonly httpMethod: string;
  readonly headers: Record<string, string> | null;
  readonly multiValueHeaders: Record<string, string[]> | null;
  readonly queryStringParameters: Record<string, string> | null;
  readonly multiValueQueryStringParameters: Record<string, string[]> | null;
  readonly pathParameters: Record<string, string> | null;
  readonly stageVariables: Record<string, string> | null;
  readonly requestContext: Readonly<Record<string, unknown>>;
  readonly body: string | null;
  readonly isBase64Encoded: boolean;
}

/** The answer to send, mapped from the function's. */
export interface ProxyReply {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

/** Decodes one query component as API Gateway does before it hands parameters on: `+` as a space, then percent-decoding. */
function decodeQueryComponent(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Every value of each query parameter, in order; null when the request has none (as the event gives it). */
function multiValueQuery(rawQuery: string): Record<string, string[]> | null {
  const query = rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery;
  const values = new Map<string, string[]>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const separator = pair.indexOf('=');
    const name = decodeQueryComponent(separator === -1 ? pair : pair.slice(0, separator));
    const value = separator === -1 ? '' : decodeQueryComponent(pair.slice(separator + 1));
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  // fromEntries defines properties, so a `__proto__` parameter stays an ordinary key.
  return values.size === 0 ? null : Object.fromEntries(values);
}

/** The last value of each: what the single-value maps of the event hold. */
function lastValues(multi: Record<string, string[]> | null): Record<string, string> | null {
  if (multi === null) return null;
  return Object.fromEntries(Object.entries(multi).map(([name, values]) => [name, values[values.length - 1] ?? '']));
}

/** The headers with the names as the client wrote them (the first spelling of each), every value of each. */
function multiValueHeaders(request: http.IncomingMessage): Record<string, string[]> | null {
  const byLowerName = new Map<string, { name: string; values: string[] }>();
  const raw = request.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = raw[index] ?? '';
    const value = raw[index + 1] ?? '';
    const entry = byLowerName.get(name.toLowerCase());
    if (entry === undefined) byLowerName.set(name.toLowerCase(), { name, values: [value] });
    else entry.values.push(value);
  }
  if (byLowerName.size === 0) return null;
  return Object.fromEntries([...byLowerName.values()].map(({ name, values }) => [name, values]));
}

/** The event of a Lambda proxy integration for this request. */
export function lambdaProxyEvent(proxy: ProxyRequest): LambdaProxyEvent {
  const { request } = proxy;
  const method = request.method ?? 'GET';
  const multiHeaders = multiValueHeaders(request);
  const multiQuery = multiValueQuery(proxy.rawQuery);
  const userAgent = request.headers['user-agent'];
  return {
    resource: proxy.resourcePath,
    path: proxy.path,
    httpMethod: method,
    headers: lastValues(multiHeaders),
    multiValueHeaders: multiHeaders,
    queryStringParameters: lastValues(multiQuery),
    multiValueQueryStringParameters: multiQuery,
    pathParameters: Object.keys(proxy.pathParameters).length === 0 ? null : { ...proxy.pathParameters },
    // The local stand-in serves the template's one stage, which sets no stage variables.
    stageVariables: null,
    requestContext: {
      accountId: proxy.accountId,
      apiId: proxy.apiId,
      stage: proxy.stage,
      requestId: proxy.requestId,
      identity: {
        cognitoIdentityPoolId: null,
        accountId: null,
        cognitoIdentityId: null,
        caller: null,
        accessKey: null,
        sourceIp: proxy.sourceIp,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn: null,
        userAgent: userAgent ?? null,
        user: null,
      },
      requestTime: proxy.requestTime,
      requestTimeEpoch: proxy.requestTimeEpoch,
      path: `/${proxy.stage}${proxy.path}`,
      resourcePath: proxy.resourcePath,
      httpMethod: method,
      extendedRequestId: proxy.extendedRequestId,
      protocol: `HTTP/${request.httpVersion}`,
      domainName: request.headers.host ?? '',
    },
    // Text, exactly as sent (a signature over it must still verify): with no binary media types
    // set, API Gateway passes a body on as text and isBase64Encoded is false.
    body: proxy.body.length === 0 ? null : proxy.body.toString('utf8'),
    isBase64Encoded: false,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A header value as API Gateway takes it: a string, or a number or boolean written out. */
function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * The response for the function's answer, or undefined when the answer is not in the output format
 * (API Gateway then answers 502, see the Lambda developer guide, "Handling Lambda errors with an
 * API Gateway API"). `headers` and `multiValueHeaders` are merged; for a name in both, the values
 * of `multiValueHeaders` stand, as "Output format of a Lambda function for proxy integration" says.
 * Without a Content-Type the answer is application/json, as REST APIs send it.
 */
export function proxyReply(answer: unknown): ProxyReply | undefined {
  if (!isRecord(answer)) return undefined;
  const { statusCode, headers, multiValueHeaders: multi, body, isBase64Encoded } = answer;
  const status = typeof statusCode === 'string' && /^\d{3}$/.test(statusCode) ? Number(statusCode) : statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return undefined;
  if (body !== undefined && body !== null && typeof body !== 'string') return undefined;
  if (isBase64Encoded !== undefined && typeof isBase64Encoded !== 'boolean') return undefined;
  if ((headers !== undefined && headers !== null && !isRecord(headers)) || (multi !== undefined && multi !== null && !isRecord(multi)))
    return undefined;

  const merged = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of Object.entries(headers ?? {})) {
    const text = headerText(value);
    if (text === undefined) return undefined;
    merged.set(name.toLowerCase(), { name, values: [text] });
  }
  for (const [name, values] of Object.entries(multi ?? {})) {
    if (!Array.isArray(values)) return undefined;
    const texts = values.map(headerText);
    if (texts.some((text) => text === undefined)) return undefined;
    merged.set(name.toLowerCase(), { name, values: texts as string[] });
  }
  const replyHeaders: Record<string, string | string[]> = {};
  for (const { name, values } of merged.values()) replyHeaders[name] = values.length === 1 ? (values[0] ?? '') : values;
  if (!merged.has('content-type')) replyHeaders['Content-Type'] = 'application/json';
  const text = body ?? '';
  return { status, headers: replyHeaders, body: isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8') };
}
