import { javaMatches } from './java-regex';

/**
 * Picks the template for a media type: the first media type of `accept` (or a Content-Type) that has
 * a template, else `application/json`, else the first template. Parameters (`;q=0.9`,
 * `;charset=...`) are ignored and media types compare case-insensitively.
 */
export function selectTemplate(templates: Readonly<Record<string, string>>, accept?: string): string | undefined {
  const byType = new Map(Object.entries(templates).map(([type, template]) => [type.trim().toLowerCase(), template]));
  for (const part of (accept ?? '').split(',')) {
    const type = part.split(';')[0]?.trim().toLowerCase();
    if (type && byType.has(type)) return byType.get(type);
  }
  return byType.get('application/json') ?? Object.values(templates)[0];
}

/**
 * Picks the integration response for `subject` (the status code of an AWS-service integration, the
 * error message of a Lambda integration): the first whose selection pattern matches the whole
 * subject as a Java regex, else the default one (no pattern).
 */
export function selectIntegrationResponse<T>(
  responses: readonly T[],
  subject: string,
  selectionPatternOf: (response: T) => string | undefined,
): T | undefined {
  const matched = responses.find((response) => {
    const pattern = selectionPatternOf(response);
    return pattern !== undefined && pattern !== '' && javaMatches(subject, pattern);
  });
  return matched ?? responses.find((response) => !selectionPatternOf(response));
}
