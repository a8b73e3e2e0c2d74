/**
 * A small, safe reader for the JSON paths a web metric names: `$`, `.name`, `['name']`, `["name"]` and
 * `[index]`, e.g. `$.data.errorRate` or `$.items[0].value`. No filters, wildcards or eval.
 */
export type JsonPathSegment = string | number;

export type JsonPathRead =
  | { readonly found: true; readonly value: unknown }
  | { readonly found: false; readonly missingAt: string };

/** Parses a path into segments; throws an Error naming the position of the first thing it cannot read. */
export function parseJsonPath(path: string): JsonPathSegment[] {
  const text = path.trim();
  if (!text.startsWith('$')) throw new Error(`JSON path "${path}" must start with "$"`);
  const segments: JsonPathSegment[] = [];
  let i = 1;
  while (i < text.length) {
    const rest = text.slice(i);
    const dot = /^\.([A-Za-z_$][A-Za-z0-9_$-]*)/.exec(rest);
    const index = /^\[(\d+)\]/.exec(rest);
    const quoted = /^\[(['"])((?:\\.|(?!\1)[^\\])*)\1\]/.exec(rest);
    if (dot?.[1] !== undefined) {
      segments.push(dot[1]);
      i += dot[0].length;
    } else if (index?.[1] !== undefined) {
      segments.push(Number(index[1]));
      i += index[0].length;
    } else if (quoted?.[2] !== undefined) {
      segments.push(quoted[2].replace(/\\(.)/g, '$1'));
      i += quoted[0].length;
    } else {
      throw new Error(`JSON path "${path}" cannot be read at position ${i} ("${rest.slice(0, 20)}")`);
    }
  }
  return segments;
}

/** Follows `segments` into `root`; own properties only, so `__proto__` and friends are never reached. */
export function readJsonPath(root: unknown, segments: readonly JsonPathSegment[]): JsonPathRead {
  let current: unknown = root;
  let at = '$';
  for (const segment of segments) {
    at += typeof segment === 'number' ? `[${segment}]` : `[${JSON.stringify(segment)}]`;
    if (typeof segment === 'number') {
      if (!Array.isArray(current) || segment >= current.length) return { found: false, missingAt: at };
      current = current[segment] as unknown;
    } else {
      if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, segment)) {
        return { found: false, missingAt: at };
      }
      current = (current as Record<string, unknown>)[segment];
    }
  }
  return { found: true, value: current };
}
