import type { JsonValue } from './interpreter';
import { readReferencePath } from './reference-path';

interface MapPaths {
  readonly inputPath: string | null;
  readonly itemsPath: string;
}

function collectMapStates(states: unknown, found: Map<string, MapPaths>): void {
  if (typeof states !== 'object' || states === null) return;
  for (const [name, state] of Object.entries(states as Record<string, Record<string, unknown>>)) {
    if (state.Type === 'Map') {
      const inputPath = state.InputPath === null ? null : typeof state.InputPath === 'string' ? state.InputPath : '$';
      found.set(name, { inputPath, itemsPath: typeof state.ItemsPath === 'string' ? state.ItemsPath : '$' });
    }
    const processor = (state.ItemProcessor ?? state.Iterator) as { States?: unknown } | undefined;
    collectMapStates(processor?.States, found);
    if (Array.isArray(state.Branches))
      for (const branch of state.Branches as { States?: unknown }[]) collectMapStates(branch.States, found);
  }
}

/**
 * How many items each Map state of a definition iterates over, for the MapStateStarted event: the
 * array its ItemsPath selects from its raw input (after InputPath). Undefined when the state is
 * unknown or the path selects no array (the interpreter then fails the state on its own).
 */
export function mapLengths(definition: string, context: JsonValue): (stateName: string, rawInput: unknown) => number | undefined {
  const mapStates = new Map<string, MapPaths>();
  try {
    collectMapStates((JSON.parse(definition) as { States?: unknown }).States, mapStates);
  } catch {
    // A definition that is not JSON never reaches an execution.
  }
  return (stateName, rawInput) => {
    const paths = mapStates.get(stateName);
    if (paths === undefined) return undefined;
    try {
      const input = paths.inputPath === null ? {} : readReferencePath(paths.inputPath, rawInput as JsonValue, context);
      const items = readReferencePath(paths.itemsPath, input ?? null, context);
      return Array.isArray(items) ? items.length : undefined;
    } catch {
      return undefined;
    }
  };
}
