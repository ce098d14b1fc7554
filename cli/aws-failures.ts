import { LOCAL_PORT_ENV } from 'stepfunctions-human-approval-local';
import { CliError, UsageError } from './cli-errors';
import { printable } from './format-values';
import type { Target } from './targets';

interface ErrorFields {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly $fault?: unknown;
  readonly errors?: unknown;
}

function fields(error: unknown): ErrorFields {
  return typeof error === 'object' && error !== null ? error : {};
}

/**
 * Node reports a refused connection as ECONNREFUSED, or as an AggregateError of them when a name
 * resolves to several addresses. The SDK wraps errors of another realm into a bare message.
 */
export function isConnectionRefused(error: unknown): boolean {
  const { code, errors, message } = fields(error);
  if (code === 'ECONNREFUSED') return true;
  if (typeof message === 'string' && /\bECONNREFUSED\b/.test(message)) return true;
  return Array.isArray(errors) && errors.length > 0 && errors.every((inner) => fields(inner).code === 'ECONNREFUSED');
}

/**
 * Turns what the SDK throws into a message a person can act on. Errors that are not AWS's (bugs)
 * come back unchanged, so the caller reports them as unexpected.
 */
export function explainAwsFailure(error: unknown, target: Target): unknown {
  if (error instanceof CliError || error instanceof UsageError) return error;
  const { name, message, code, $fault } = fields(error);
  const options = { cause: error };

  if (target.kind === 'local' && isConnectionRefused(error)) {
    return new CliError(
      `The local stack is not running at ${target.endpoint}. Start it with \`npm start\` (or set ${LOCAL_PORT_ENV.stepFunctions} if it runs on another port).`,
      options,
    );
  }
  if (message === 'Region is missing') {
    return new CliError(
      'No AWS region is set. Set AWS_REGION / AWS_PROFILE (a profile with a region), or pass --region. For the local stack, pass --local.',
      options,
    );
  }
  if (name === 'CredentialsProviderError') {
    return new CliError(
      'No AWS credentials found. Set AWS_PROFILE (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), or log in with `aws sso login`. For the local stack, pass --local.',
      options,
    );
  }
  if (name === 'TokenProviderError' || name === 'ExpiredToken' || name === 'ExpiredTokenException') {
    return new CliError(
      `Your AWS session has expired (${printable(`${String(name)}: ${String(message)}`)}). Log in again, e.g. with \`aws sso login\`.`,
      options,
    );
  }
  if ($fault === 'client' || $fault === 'server') {
    // AWS messages may quote what was sent (an ARN, a name): printed escaped like any other data.
    return new CliError(printable(`${String(name)}: ${String(message)}`), options);
  }
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return new CliError(
      `Could not reach ${target.kind === 'local' ? target.endpoint : 'AWS'} (${code}): ${printable(String(message))}`,
      options,
    );
  }
  return error;
}
