import { createContext } from './context-variable';
import { createInput } from './input-variable';
import { javaToString } from './java-string';
import type { ApiGatewayRequestContext } from './request-context';
import { UTIL } from './util-variable';
import { renderVelocity } from './velocity-engine';

/**
 * Renders API Gateway (REST API) mapping templates the way API Gateway does, so that tests and the
 * local stand-in exercise the very templates that get deployed.
 *
 * velocityjs provides the Velocity parser and evaluator; the files beside this one add what API
 * Gateway adds (`$input`, `$util`, `$context`: input-variable.ts, util-variable.ts,
 * context-variable.ts), the Java String methods and regex semantics templates may call
 * (java-string.ts, java-regex.ts), and the Velocity 1.7 behaviour velocityjs lacks
 * (velocity-engine.ts). Where API Gateway's behaviour is not documented, the choice made here is
 * stated next to the code.
 */

export interface RenderMappingTemplateOptions {
  readonly request: ApiGatewayRequestContext;
  /** The body the template maps: the method request body, or the integration response body. */
  readonly body?: string;
}

export interface RenderedMappingTemplate {
  readonly output: string;
  /** `#set($context.responseOverride.status = ...)`, when the template set a valid status. */
  readonly statusOverride?: number;
  /** `#set($context.responseOverride.header.Name = ...)`. */
  readonly headerOverrides: Record<string, string>;
}

/**
 * Renders one mapping template with API Gateway's `$input`, `$util` and `$context` (and
 * `$stageVariables`). Throws MappingTemplateError (errors.ts) where API Gateway would fail the
 * request with a 500.
 */
export function renderMappingTemplate(template: string, options: RenderMappingTemplateOptions): RenderedMappingTemplate {
  const { request } = options;
  const context = createContext(request);
  const variables = {
    input: createInput(request, options.body ?? ''),
    util: { ...UTIL },
    context,
    stageVariables: { ...(request.stageVariables ?? {}) },
  };
  const output = renderVelocity(template, variables);

  const status = Number(context.responseOverride.status);
  const headerOverrides: Record<string, string> = {};
  for (const [name, value] of Object.entries(context.responseOverride.header)) {
    if (value !== null && value !== undefined && typeof value !== 'function') headerOverrides[name] = javaToString(value);
  }
  return {
    output,
    ...(Number.isInteger(status) && status >= 100 && status <= 599 ? { statusOverride: status } : {}),
    headerOverrides,
  };
}
