import { isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Document, LineCounter, Node, Pair } from 'yaml';

export type FieldPath = readonly (string | number)[];

export interface Position {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly col: number;
}

/** Where the fields of one parsed document are in its file. */
export interface SourceMap {
  /** File name as the caller gave it. */
  readonly file: string;
  /** 0-based index of the document in the file's `---`-separated stream, empty documents included. */
  readonly docIndex: number;
  /** Position of the value at `path`, or of its nearest existing ancestor; undefined only for an empty document. */
  locate(path: FieldPath): Position | undefined;
  /**
   * Where the text of the string at `path` begins: after a block scalar's `|` line or an opening quote
   * (a line inside the string is then at `line + n`); absent on maps that do not know the text.
   */
  locateContent?(path: FieldPath): Position | undefined;
}

/** The parser's own view: also finds the key of a field, which is where an unknown field is reported. */
export interface DocumentSource extends SourceMap {
  /** Position of the key node of the last path segment; falls back to `locate`. */
  locateKey(path: FieldPath): Position | undefined;
}

export function createSourceMap(file: string, docIndex: number, doc: Document, lines: LineCounter, text?: string): DocumentSource {
  const at = (node: Node | null | undefined) => {
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : lines.linePos(offset);
  };
  return {
    file,
    docIndex,
    locate: (path) => at(walk(doc, path).node),
    locateContent(path) {
      const offset = walk(doc, path).node?.range?.[0];
      return offset === undefined || text === undefined ? undefined : lines.linePos(contentStart(text, offset));
    },
    locateKey(path) {
      const { node, pair, complete } = walk(doc, path);
      if (complete && pair && isScalar(pair.key)) return at(pair.key);
      return at(node);
    },
  };
}

interface WalkResult {
  /** The deepest node reached. */
  readonly node: Node | null;
  /** The map entry holding that node, when it was reached through a map. */
  readonly pair?: Pair<unknown, unknown>;
  /** Whether every path segment was found. */
  readonly complete: boolean;
}

function walk(doc: Document, path: FieldPath): WalkResult {
  let node = resolve(doc, doc.contents);
  let pair: Pair<unknown, unknown> | undefined;
  for (const segment of path) {
    const next = child(node, segment);
    if (!next) return pair ? { node, pair, complete: false } : { node, complete: false };
    pair = next.pair;
    // `key:` with no value has a null value node; its key is the best place to point at.
    node = resolve(doc, next.node) ?? (isScalar(pair?.key) ? pair.key : node);
  }
  return pair ? { node, pair, complete: true } : { node, complete: true };
}

function child(node: Node | null, segment: string | number): { node: Node | null; pair?: Pair<unknown, unknown> } | undefined {
  if (isSeq(node) && typeof segment === 'number') {
    const item = node.items[segment];
    return item === undefined ? undefined : { node: asNode(item) };
  }
  if (!isMap(node)) return undefined;
  for (const pair of node.items) {
    if (!isPair(pair)) continue;
    const key = isScalar(pair.key) ? pair.key.value : pair.key;
    if (String(key) === String(segment)) return { node: asNode(pair.value), pair };
  }
  return undefined;
}

function resolve(doc: Document, node: Node | null): Node | null {
  if (isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? node;
  return node;
}

function asNode(value: unknown): Node | null {
  return value !== null && typeof value === 'object' && 'range' in value ? (value as Node) : null;
}

/** The offset of a scalar's first character of content: past `|`/`>` and its line, or past an opening quote. */
function contentStart(text: string, offset: number): number {
  const c = text[offset];
  if (c === '"' || c === "'") return offset + 1;
  if (c !== '|' && c !== '>') return offset;
  const nl = text.indexOf('\n', offset);
  if (nl < 0) return offset;
  let at = nl + 1;
  while (text[at] === ' ') at++;
  return at;
}
