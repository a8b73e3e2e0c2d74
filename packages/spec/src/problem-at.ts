import type { Problem } from '@sluice/domain';
import type { FieldPath, Position, SourceMap } from './source-map.js';

export interface ProblemFacts {
  /** What the file has, as the user wrote it. */
  readonly found?: string | undefined;
  /** What a valid value looks like. */
  readonly expected?: string | undefined;
  /** Position to report instead of the value at the path (e.g. a key node). */
  readonly at?: Position | undefined;
}

/** A Problem at `path` in a document; the position is the value's node or its nearest existing ancestor. */
export function problemAt(source: SourceMap, path: FieldPath, message: string, facts: ProblemFacts = {}): Problem {
  const where = facts.at ?? source.locate(path);
  return {
    file: source.file,
    ...(where ? { line: where.line, col: where.col } : {}),
    ...(path.length > 0 ? { path: formatPath(path) } : {}),
    message,
    ...(facts.found === undefined ? {} : { found: facts.found }),
    ...(facts.expected === undefined ? {} : { expected: facts.expected }),
  };
}

/** `spec.strategy.canary.steps[2].setWeight`; keys that are not plain words are quoted: `versions["1.0"]`. */
export function formatPath(path: FieldPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** A value as a user would recognise it in their file: `"30 seconds"`, `150`, `a list`, `a map`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 1 ? 'a list of 1 item' : `a list of ${value.length} items`;
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (typeof value === 'object') return 'a map';
  return String(value);
}
