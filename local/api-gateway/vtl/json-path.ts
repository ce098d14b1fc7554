import { JsonPathError, jsonPathSegments, readJsonPath } from '../../json-path';
import { MappingTemplateError } from './errors';

/** The value of a simple JSONPath in `$input.path` / `$input.json`, or undefined when it does not exist. */
export function evaluateJsonPath(document: unknown, path: string): unknown {
  try {
    return readJsonPath(document, jsonPathSegments(path.trim()));
  } catch (error) {
    if (error instanceof JsonPathError) throw new MappingTemplateError(`Unsupported JSONPath "${path}": ${error.message}`);
    throw error;
  }
}
