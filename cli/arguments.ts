import { UsageError } from './cli-errors';
import { printable } from './format-values';

/** Options every command takes. */
export const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  local: { type: 'boolean' },
} as const;

/** Options of the commands that need the state machine, hence the stack. */
export const STACK_OPTIONS = {
  'stack-name': { type: 'string' },
  region: { type: 'string' },
} as const;

interface ParseArgsError {
  readonly code: string;
  readonly message: string;
}

// Checked by code, not instanceof: Node's errors come from another realm under test runners.
function isParseArgsError(error: unknown): error is ParseArgsError {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

/**
 * Runs a `node:util` parseArgs call and turns its errors into usage errors of `command`.
 * Node's own message for an unknown option is a paragraph about positionals; ours is shorter.
 */
export function parseCommandLine<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!isParseArgsError(error)) throw error;
    if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']+)'/.exec(error.message)?.[1];
      throw new UsageError(
        option === undefined ? printable(error.message) : `Unknown option ${printable(option)} for \`approval ${command}\`.`,
        command,
      );
    }
    if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const argument = /'([^']*)'/.exec(error.message)?.[1];
      throw new UsageError(
        argument === undefined ? printable(error.message) : `Unexpected argument "${printable(argument)}" for \`approval ${command}\`.`,
        command,
      );
    }
    throw new UsageError(printable(error.message), command);
  }
}

interface OptionToken {
  readonly kind: string;
  readonly name?: string;
}

/**
 * parseArgs keeps the last of a repeated option that takes one value; for a subject or a policy
 * that would drop what someone typed without a word. Options declared `multiple` are meant to repeat.
 */
export function refuseRepeatedOptions(command: string, tokens: readonly OptionToken[], names: readonly string[]): void {
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || token.name === undefined || !names.includes(token.name)) continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} is given more than once; give it once.`, command);
    seen.add(token.name);
  }
}
