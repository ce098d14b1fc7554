import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The approval state machine in Amazon States Language, with `${Name}` placeholders. */
export const APPROVAL_ASL_FILE = path.join(__dirname, 'approval.asl.json');

/** A `${Name}` placeholder as CloudFormation's DefinitionSubstitutions fills it. */
const PLACEHOLDER = /\$\{([^}]*)\}/g;

/** One state of a parsed definition; only what every state has is typed. */
export interface AslState {
  readonly Type: string;
  readonly [field: string]: unknown;
}

/** A parsed state machine definition; only the top-level fields are typed. */
export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
  readonly TimeoutSeconds?: number;
  readonly Comment?: string;
  readonly [field: string]: unknown;
}

export class DefinitionRenderError extends Error {
  override readonly name = 'DefinitionRenderError';
}

/** The distinct placeholder names of a template, in order of first appearance. */
export function templatePlaceholders(template: string): string[] {
  return [...new Set(Array.from(template.matchAll(PLACEHOLDER), (match) => match[1] ?? ''))];
}

/**
 * Replaces every `${Name}` of the template with `substitutions[Name]`, as the deployed stack's
 * DefinitionSubstitutions do. Values go in as they are: a placeholder inside quotes becomes a
 * string, one outside quotes must be given a JSON number or literal.
 *
 * Throws when a placeholder has no value or a substitution is not used, so a renamed placeholder
 * fails here instead of reaching Step Functions as literal text.
 */
export function renderDefinition(template: string, substitutions: Readonly<Record<string, string>>): string {
  const used = templatePlaceholders(template);
  const missing = used.filter((name) => !Object.hasOwn(substitutions, name));
  const unused = Object.keys(substitutions).filter((name) => !used.includes(name));
  if (missing.length > 0 || unused.length > 0) {
    const problems: string[] = [];
    if (missing.length > 0) problems.push(`placeholders without a value: ${missing.map((name) => `\${${name}}`).join(', ')}`);
    if (unused.length > 0) problems.push(`substitutions the template does not use: ${unused.join(', ')}`);
    throw new DefinitionRenderError(`Cannot render the state machine definition: ${problems.join('; ')}.`);
  }
  return template.replace(PLACEHOLDER, (_match, name: string) => substitutions[name] ?? '');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Renders statemachine/approval.asl.json with the given substitutions and parses it. */
export function loadApprovalDefinition(substitutions: Readonly<Record<string, string>>): AslDefinition {
  const rendered = renderDefinition(readFileSync(APPROVAL_ASL_FILE, 'utf8'), substitutions);
  let parsed: unknown;
  try {
    parsed = JSON.parse(rendered);
  } catch (error) {
    throw new DefinitionRenderError(
      `${APPROVAL_ASL_FILE} is not valid JSON once rendered (is a number placeholder given a non-number?): ${(error as Error).message}`,
    );
  }
  if (!isObject(parsed) || typeof parsed.StartAt !== 'string' || !isObject(parsed.States)) {
    throw new DefinitionRenderError(`${APPROVAL_ASL_FILE} is not a state machine definition: it needs "StartAt" and "States".`);
  }
  return parsed as AslDefinition;
}
