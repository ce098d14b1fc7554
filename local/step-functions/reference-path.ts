import { JsonPathError, jsonPathSegments, readJsonPath } from '../json-path';
import type { JsonValue } from './interpreter';

/**
 * Reference Paths of the Amazon States Language (`$.a.b`, `$['a b']`, `$.list[0]`): the JSONPath
 * subset that names one node, for the fields this endpoint evaluates itself (TimeoutSecondsPath,
 * HeartbeatSecondsPath). `$$` names the context object.
 */

export class ReferencePathError extends Error {
  override readonly name = 'ReferencePathError';
}

/** The node the path names in the input (`$`) or the context object (`$$`); undefined when absent. */
export function readReferencePath(path: string, input: JsonValue, context: JsonValue = null): JsonValue | undefined {
  const root = path.startsWith('$$') ? '$$' : '$';
  try {
    return readJsonPath(root === '$' ? input : context, jsonPathSegments(path, root)) as JsonValue | undefined;
  } catch (error) {
    if (error instanceof JsonPathError) throw new ReferencePathError(`${JSON.stringify(path)} is not a reference path: ${error.message}`);
    throw error;
  }
}
