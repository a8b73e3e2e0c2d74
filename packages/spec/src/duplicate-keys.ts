import type { Problem } from '@sluice/domain';
import { isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter } from 'yaml';
import { formatPath } from './problem-at.js';
import { MAX_PROBLEMS_PER_DOCUMENT } from './problems-from-issues.js';
import type { FieldPath } from './source-map.js';

/**
 * Finds keys given twice in one map. Done here, in linear time, because the yaml library's own
 * `uniqueKeys` check compares every key with every other: a 1 MiB map would take minutes.
 */
export function duplicateKeyProblems(doc: Document, file: string, lines: LineCounter): Problem[] {
  const problems: Problem[] = [];
  // An explicit stack, not recursion: the parser accepts nesting deeper than the call stack allows.
  const stack: Entry[] = [{ node: doc.contents }];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const { node } = entry;
    if (isSeq(node)) node.items.forEach((item, i) => stack.push({ node: item, parent: entry, segment: i }));
    if (!isMap(node)) continue;
    const seen = new Set<string>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? String(pair.key.value) : '?';
      const range = isScalar(pair.key) ? pair.key.range : undefined;
      if (seen.has(key) && range && problems.length < MAX_PROBLEMS_PER_DOCUMENT) {
        problems.push({
          file,
          ...lines.linePos(range[0]),
          path: formatPath([...pathOf(entry), key]),
          message: `invalid YAML: duplicate key "${key}"`,
          expected: 'each key at most once in a map',
        });
      }
      seen.add(key);
      stack.push({ node: pair.value, parent: entry, segment: key });
    }
  }
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0));
}

/** A node to visit; paths are rebuilt from parent links only for the (rare) problems. */
interface Entry {
  readonly node: unknown;
  readonly parent?: Entry;
  readonly segment?: string | number;
}

function pathOf(entry: Entry): FieldPath {
  const path: (string | number)[] = [];
  for (let e: Entry | undefined = entry; e?.segment !== undefined; e = e.parent) path.unshift(e.segment);
  return path;
}
