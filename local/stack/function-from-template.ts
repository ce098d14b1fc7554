import type { ApiModel } from '../api-gateway/api-model';
import { LocalFunction } from '../worker/local-function';
import { LocalStackError } from './errors';
import { resourcesOfType, type SynthesizedStack } from './synthesized-stack';
import { functionCode, localFunctionEnvironment, type WorkerEndpoints, workerEnvironment } from './worker-from-template';

/** The functions the REST API's Lambda proxy integrations invoke, by logical id, in the order the routes name them. */
export function proxyFunctionIds(model: ApiModel): string[] {
  const ids = model.routes.flatMap((route) =>
    route.integrationType === 'AWS_PROXY' && route.lambdaFunctionId ? [route.lambdaFunctionId] : [],
  );
  return [...new Set(ids)];
}

/** The variables of a function of the template, as the template writes them (before they are resolved). */
export function functionVariables(properties: Record<string, unknown>): Record<string, unknown> {
  return (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
}

/**
 * A function an API route invokes, run from its asset in the cloud assembly with its environment
 * from the template (resolved as the worker's is: Ref of the activity, execute-api URLs, pseudo
 * parameters) plus the local endpoints, and its Timeout (Lambda's default, 3 s, when it has none).
 */
export function createProxyFunction(
  synthesized: SynthesizedStack,
  functionId: string,
  endpoints: Omit<WorkerEndpoints, 'lambdaUrl'>,
  log: (line: string) => void,
): LocalFunction {
  const properties = resourcesOfType(synthesized.template, 'AWS::Lambda::Function').find(([id]) => id === functionId)?.[1];
  if (properties === undefined)
    throw new LocalStackError(`The REST API invokes the function ${functionId}, which the template does not define.`);
  const timeoutSeconds = Number(properties.Timeout ?? 3);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new LocalStackError(
      `The function ${functionId}'s time limit must be a number of seconds > 0, not ${String(properties.Timeout)}.`,
    );
  }
  return new LocalFunction({
    functionName: functionId,
    ...functionCode(synthesized, functionId, properties),
    environment: {
      ...workerEnvironment(synthesized.template, functionVariables(properties), endpoints),
      ...localFunctionEnvironment(functionId, endpoints),
    },
    timeoutSeconds,
    log,
  });
}
