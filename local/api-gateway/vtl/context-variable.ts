import type { ApiGatewayRequestContext } from './request-context';

/** `$context`: what API Gateway knows about the request, and the `responseOverride` a template may set. */
export function createContext(request: ApiGatewayRequestContext) {
  return {
    requestId: request.requestId,
    extendedRequestId: request.extendedRequestId,
    requestTime: request.requestTime,
    requestTimeEpoch: request.requestTimeEpoch,
    httpMethod: request.httpMethod,
    resourcePath: request.resourcePath,
    stage: request.stage,
    identity: { sourceIp: request.sourceIp, userAgent: request.userAgent ?? null },
    responseOverride: { header: {} } as { status?: unknown; header: Record<string, unknown> },
  };
}
