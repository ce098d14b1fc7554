/**
 * A template failed the way it would fail in API Gateway (a Java exception inside a method call, an
 * unsupported construct). API Gateway answers such requests with 500 Internal Server Error.
 */
export class MappingTemplateError extends Error {
  override readonly name = 'MappingTemplateError';
}
