/** What API Gateway knows about the method request when it renders a template. */
export interface ApiGatewayRequestContext {
  /** Query string parameters, already URL-decoded (see parseQueryString in query-string.ts). */
  readonly queryString: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly stageVariables?: Readonly<Record<string, string>>;
  readonly sourceIp: string;
  /** Absent when the client sent no User-Agent; `$context.identity.userAgent` is then null. */
  readonly userAgent?: string;
  /** The client's X-Amzn-RequestId when it sent a valid one, as on AWS, else one of API Gateway's own. */
  readonly requestId: string;
  /** API Gateway's own id for the request, which no client can choose. */
  readonly extendedRequestId: string;
  /** CLF-formatted, as API Gateway gives it: `21/Nov/2026:09:15:03 +0000` (see formatRequestTime in request-time.ts). */
  readonly requestTime: string;
  /** Milliseconds since the epoch. */
  readonly requestTimeEpoch: number;
  readonly httpMethod: string;
  /** The resource, not the concrete path: `/succeed`, `/items/{id}`. */
  readonly resourcePath: string;
  readonly stage: string;
}
