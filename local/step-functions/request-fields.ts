import { FORBIDDEN_NAME_CHARACTERS, MAX_NAME_LENGTH } from '../../statemachine/step-functions-limits';
import { StepFunctionsApiError } from './errors';
import type { JsonValue } from './interpreter';

/**
 * Reads request fields the way the service validates them, refusing a missing or ill-typed field
 * with ValidationException in the service's own wording. Requests arrive as parsed JSON, so every
 * field is checked at run time whatever its declared type.
 */

type Request = object;

function field(request: Request, name: string): unknown {
  return (request as Record<string, unknown>)[name];
}

function refuse(value: unknown, name: string, constraint: string, hidden = false): StepFunctionsApiError {
  const shown =
    value === undefined || value === null
      ? 'null'
      : hidden
        ? '(not shown)'
        : `'${(typeof value === 'string' ? value : JSON.stringify(value)).slice(0, 80)}'`;
  return new StepFunctionsApiError(
    'ValidationException',
    `1 validation error detected: Value ${shown} at '${name}' failed to satisfy constraint: ${constraint}`,
  );
}

export interface LengthLimits {
  readonly min?: number;
  readonly max: number;
  /** Count UTF-8 bytes rather than characters (payloads). */
  readonly bytes?: boolean;
  /** Never echo the value in the message (task tokens end up in whatever logs the message). */
  readonly secret?: boolean;
}

function checkLength(value: string, name: string, limits: LengthLimits): string {
  const length = limits.bytes ? Buffer.byteLength(value, 'utf8') : value.length;
  const min = limits.min ?? 0;
  const hidden = limits.secret === true || limits.bytes === true;
  if (length < min) throw refuse(value, name, `Member must have length greater than or equal to ${min}`, hidden);
  if (length > limits.max) throw refuse(value, name, `Member must have length less than or equal to ${limits.max}`, hidden);
  return value;
}

export function requiredString(request: Request, name: string, limits: LengthLimits): string {
  const value = field(request, name);
  if (value === undefined || value === null) throw refuse(value, name, 'Member must not be null');
  if (typeof value !== 'string') throw refuse(value, name, 'Member must be a string');
  return checkLength(value, name, { min: 1, ...limits });
}

export function optionalString(request: Request, name: string, limits: LengthLimits): string | undefined {
  const value = field(request, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw refuse(value, name, 'Member must be a string');
  return checkLength(value, name, limits);
}

export function optionalInteger(request: Request, name: string, min: number, max: number): number | undefined {
  const value = field(request, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw refuse(value, name, 'Member must be an integer');
  if (value < min) throw refuse(value, name, `Member must have value greater than or equal to ${min}`);
  if (value > max) throw refuse(value, name, `Member must have value less than or equal to ${max}`);
  return value;
}

export function optionalBoolean(request: Request, name: string): boolean | undefined {
  const value = field(request, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw refuse(value, name, 'Member must be a boolean');
  return value;
}

export function optionalEnum<T extends string>(request: Request, name: string, allowed: readonly T[]): T | undefined {
  const value = field(request, name);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw refuse(value, name, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
  return value as T;
}

/** A JSON text field (execution input, task output): its value, or why it is not JSON. */
export function parseJson(text: string): { ok: true; value: JsonValue } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) as JsonValue };
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
}

/** Activity, state machine and execution names: 1 to 80 characters, none of them forbidden. */
export function resourceName(request: Request, name: string): string {
  const value = requiredString(request, name, { max: MAX_NAME_LENGTH });
  if (FORBIDDEN_NAME_CHARACTERS.test(value)) throw new StepFunctionsApiError('InvalidName', `Invalid Name: '${value}'`);
  return value;
}
