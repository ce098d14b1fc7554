import type { JsonValue } from './interpreter';

/**
 * Reference Paths of the Amazon States Language (`$.a.b`, `$['a b']`, `$.list[0]`): the JSONPath
 * subset that names one node, for the fields this endpoint evaluates itself (TimeoutSecondsPath,
 * HeartbeatSecondsPath).
 */

export class ReferencePathError extends Error {
  override readonly name = 'ReferencePathError';
}

type Segment = string | number;

const SEGMENT = /^(?:\.([^.[\]]+)|\['([^']*)'\]|\["([^"]*)"\]|\[(\d+)\])/;

function parse(path: string): { root: '$' | '$$'; segments: Segment[] } {
  const root = path.startsWith('$$') ? '$$' : path.startsWith('$') ? '$' : undefined;
  if (root === undefined) throw new ReferencePathError(`${JSON.stringify(path)} is not a reference path: it must start with $.`);
  const segments: Segment[] = [];
  let rest = path.slice(root.length);
  while (rest.length > 0) {
    const match = SEGMENT.exec(rest);
    if (match === null) throw new ReferencePathError(`${JSON.stringify(path)} is not a reference path: cannot read ${JSON.stringify(rest)}.`);
    const [whole, dotted, singleQuoted, doubleQuoted, index] = match;
    segments.push(index === undefined ? (dotted ?? singleQuoted ?? doubleQuoted ?? '') : Number(index));
    rest = rest.slice(whole.length);
  }
  return { root, segments };
}

function isObject(value: unknown): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The node the path names in the input (`$`) or the context object (`$$`); undefined when absent. */
export function readReferencePath(path: string, input: JsonValue, context: JsonValue = null): JsonValue | undefined {
  const { root, segments } = parse(path);
  let node: JsonValue | undefined = root === '$' ? input : context;
  for (const segment of segments) {
    if (typeof segment === 'number') node = Array.isArray(node) ? node[segment] : undefined;
    else node = isObject(node) && Object.hasOwn(node, segment) ? node[segment] : undefined;
    if (node === undefined) return undefined;
  }
  return node;
}
