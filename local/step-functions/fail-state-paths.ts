import { stateErrorCause } from './state-error-cause';

/**
 * The ErrorPath and CausePath of each Fail state of a definition (nested ones included), so that a
 * path that finds nothing can be reported as the service reports it.
 */
export interface FailStatePaths {
  readonly ErrorPath?: string;
  readonly CausePath?: string;
}

function collect(states: unknown, found: Map<string, FailStatePaths>): void {
  if (typeof states !== 'object' || states === null) return;
  for (const [name, state] of Object.entries(states as Record<string, Record<string, unknown>>)) {
    if (state.Type === 'Fail') {
      found.set(name, {
        ...(typeof state.ErrorPath === 'string' ? { ErrorPath: state.ErrorPath } : {}),
        ...(typeof state.CausePath === 'string' ? { CausePath: state.CausePath } : {}),
      });
    }
    const processor = (state.ItemProcessor ?? state.Iterator) as { States?: unknown } | undefined;
    collect(processor?.States, found);
    if (Array.isArray(state.Branches)) for (const branch of state.Branches as { States?: unknown }[]) collect(branch.States, found);
  }
}

export function failStatePaths(definition: string): ReadonlyMap<string, FailStatePaths> {
  const found = new Map<string, FailStatePaths>();
  try {
    collect((JSON.parse(definition) as { States?: unknown }).States, found);
  } catch {
    // A definition that is not JSON never reaches an execution.
  }
  return found;
}

const UNRESOLVED_PATH = /^Path expression '(.+)' does not point to a value$/;

/**
 * The cause AWS gives when a Fail state's ErrorPath or CausePath finds nothing (recorded by
 * LocalStack: test_invalid_jsonpath, INVALID_JSONPATH_IN_ERRORPATH and _IN_CAUSEPATH), in place of
 * the interpreter's own message; undefined when the failure is not that.
 */
export function unresolvedFailPathCause(
  interpreterCause: string,
  state: { readonly name: string; readonly enteredEventId: number; readonly input: string },
  paths: FailStatePaths | undefined,
): string | undefined {
  const path = UNRESOLVED_PATH.exec(interpreterCause)?.[1];
  if (path === undefined || paths === undefined) return undefined;
  const field = paths.ErrorPath === path ? 'ErrorPath' : paths.CausePath === path ? 'CausePath' : undefined;
  if (field === undefined) return undefined;
  return stateErrorCause(
    state,
    `The JSONPath '${path}' specified for the field '${field}' could not be found in the input '${state.input}'`,
  );
}
