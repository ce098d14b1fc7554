import { readReferencePath } from '../../local/step-functions/reference-path';

/**
 * Evaluates the subset of the CloudWatch Logs JSON filter syntax ApprovalMonitoring uses against one
 * log event: `{ ... }` around `&&`, `||`, parentheses, `$.field.path = "text"` and
 * `$.field.path != "text"` (exact, case-sensitive string comparisons; no wildcards). A selector
 * whose field the event lacks matches neither comparison.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
 */
export function matchesJsonFilterPattern(pattern: string, event: unknown): boolean {
  const inner = /^\{(.*)\}$/s.exec(pattern.trim())?.[1];
  if (inner === undefined) throw new Error(`Not a JSON filter pattern: ${pattern}`);
  const tokens = Array.from(inner.matchAll(/\s*(\(|\)|&&|\|\||!=|=|"(?:[^"\\]|\\.)*"|\$(?:\.\w+)+)\s*/gy), (match) => match[1] ?? '');
  if (tokens.join('').replace(/\s/g, '') !== inner.replace(/\s/g, '')) throw new Error(`Unsupported filter syntax in ${pattern}`);
  let at = 0;
  const next = (): string => tokens[at++] ?? '';
  const peek = (): string | undefined => tokens[at];

  const comparison = (): boolean => {
    const selector = next();
    const operator = next();
    if (!selector.startsWith('$.') || (operator !== '=' && operator !== '!=')) throw new Error(`Unsupported comparison in ${pattern}`);
    const expected = JSON.parse(next()) as string;
    if (expected.includes('*')) throw new Error('Wildcards are not supported by this evaluator');
    const actual = readReferencePath(selector, event as Parameters<typeof readReferencePath>[1]);
    if (actual === undefined) return false;
    return operator === '=' ? actual === expected : actual !== expected;
  };
  const operand = (): boolean => {
    if (peek() !== '(') return comparison();
    next();
    const result = disjunction();
    if (next() !== ')') throw new Error(`Unbalanced parentheses in ${pattern}`);
    return result;
  };
  const conjunction = (): boolean => {
    let result = operand();
    while (peek() === '&&') {
      next();
      result = operand() && result;
    }
    return result;
  };
  const disjunction = (): boolean => {
    let result = conjunction();
    while (peek() === '||') {
      next();
      result = conjunction() || result;
    }
    return result;
  };
  const result = disjunction();
  if (at !== tokens.length) throw new Error(`Unexpected ${peek() ?? ''} in ${pattern}`);
  return result;
}
