import { javaToString } from './java-string';
import { evaluateJsonPath } from './json-path';
import type { ApiGatewayRequestContext } from './request-context';

/** `$input`: the request (or integration response) body, its JSONPath values and the request parameters. */
export function createInput(request: ApiGatewayRequestContext, rawBody: string) {
  const path = { ...(request.pathParameters ?? {}) };
  const querystring = { ...request.queryString };
  const header = { ...request.headers };
  let parsedBody: unknown;
  const document = () => {
    if (parsedBody === undefined) {
      try {
        parsedBody = rawBody.trim() === '' ? {} : JSON.parse(rawBody);
      } catch {
        // API Gateway does not fail the template on a body that is not JSON; paths find nothing.
        parsedBody = {};
      }
    }
    return parsedBody;
  };
  return {
    // API Gateway gives "{}" for an empty body (reported and reproduced by LocalStack's AWS-validated tests).
    body: rawBody === '' ? '{}' : rawBody,
    /**
     * One parameter, searched in path, query string, then headers (API Gateway's order); an empty
     * string when absent. Header names are matched exactly first, then ignoring case, since HTTP
     * header names are case-insensitive. Without a name: the `path` / `querystring` / `header` maps.
     */
    params(name?: unknown): unknown {
      if (name === undefined || name === null) return { path: { ...path }, querystring: { ...querystring }, header: { ...header } };
      const key = javaToString(name);
      for (const source of [path, querystring, header]) {
        if (Object.hasOwn(source, key)) return source[key];
      }
      const lower = key.toLowerCase();
      const headerName = Object.keys(header).find((candidate) => candidate.toLowerCase() === lower);
      return headerName === undefined ? '' : header[headerName];
    },
    /** The JSONPath's value as an object (maps render like Java's Map.toString); null when absent. */
    path(jsonPath: unknown): unknown {
      return evaluateJsonPath(document(), javaToString(jsonPath ?? '$')) ?? null;
    },
    /**
     * The JSONPath's value as JSON text. When the path finds nothing this gives an empty string;
     * AWS does not document that case.
     */
    json(jsonPath: unknown): string {
      const value = evaluateJsonPath(document(), javaToString(jsonPath ?? '$'));
      return value === undefined ? '' : JSON.stringify(value);
    },
  };
}
