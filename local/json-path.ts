/**
 * The JSONPath subset that names one node (`$`, `$.a.b`, `$['a b']`, `$["a"]`, `$.list[0]`), read
 * the same way by the API Gateway stand-in (`$input.path`, `$input.json`) and the Step Functions
 * stand-in (Reference Paths such as TimeoutSecondsPath). Wildcards, filters and recursive descent are
 * refused rather than answered differently from AWS.
 */

export class JsonPathError extends Error {
  override readonly name = 'JsonPathError';
}

export type JsonPathSegment = string | number;

const SEGMENT = /\.([^.[\]]+)|\[\s*(\d+)\s*\]|\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]/y;

/** The steps after the root of `path`; `root` is the part it must start with (`$`, or `$$` for a context path). */
export function jsonPathSegments(path: string, root = '$'): JsonPathSegment[] {
  if (!path.startsWith(root)) throw new JsonPathError(`${JSON.stringify(path)} is not a JSONPath: it must start with ${root}.`);
  const segments: JsonPathSegment[] = [];
  let position = root.length;
  while (position < path.length) {
    SEGMENT.lastIndex = position;
    const match = SEGMENT.exec(path);
    if (!match)
      throw new JsonPathError(`${JSON.stringify(path)} is not a supported JSONPath: cannot read ${JSON.stringify(path.slice(position))}.`);
    position = SEGMENT.lastIndex;
    segments.push(match[2] === undefined ? (match[1] ?? match[3] ?? match[4] ?? '') : Number(match[2]));
  }
  return segments;
}

/** The node the segments name in `document`, or undefined when there is none. */
export function readJsonPath(document: unknown, segments: readonly JsonPathSegment[]): unknown {
  let node = document;
  for (const segment of segments) {
    if (node === null || typeof node !== 'object') return undefined;
    if (typeof segment === 'number') {
      if (!Array.isArray(node)) return undefined;
      node = node[segment];
    } else if (!Array.isArray(node) && Object.hasOwn(node, segment)) {
      node = (node as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
    if (node === undefined) return undefined;
  }
  return node;
}
