import { ErrorCode, SluiceError } from '@sluice/domain';
import type { AnalysisTemplateSpec, ExperimentResourceSpec, FlagSpec, Problem, RolloutSpec, SegmentSpec, ServiceSpec, TargetSpec, WebhookSpec } from '@sluice/domain';
import { isMap, isScalar, LineCounter, parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';
import { toAnalysisTemplateSpec } from './analysis-to-domain.js';
import { crossDocumentProblems, documentProblems } from './check-consistency.js';
import type { KindedDocument } from './check-consistency.js';
import { duplicateKeyProblems } from './duplicate-keys.js';
import { toExperimentSpec } from './experiment-to-domain.js';
import { describeValue, problemAt } from './problem-at.js';
import { problemsFromIssues } from './problems-from-issues.js';
import { toSegmentSpec } from './routing-to-domain.js';
import { toFlagSpec } from './flag-to-domain.js';
import { analysisTemplateDocument, documentHeader, experimentDocument, flagDocument, RESOURCE_KINDS, rolloutDocument, segmentDocument, serviceDocument, targetDocument, webhookDocument } from './schemas.js';
import { toWebhookSpec } from './webhook-to-domain.js';
import { createSourceMap } from './source-map.js';
import type { DocumentSource, SourceMap } from './source-map.js';
import { toRolloutSpec, toServiceSpec } from './to-domain.js';
import { toTargetSpec } from './waves-to-domain.js';

export type ParsedResource =
  | { readonly kind: 'Service'; readonly name: string; readonly spec: ServiceSpec; readonly source: SourceMap }
  | { readonly kind: 'Rollout'; readonly name: string; readonly spec: RolloutSpec; readonly source: SourceMap }
  | { readonly kind: 'Segment'; readonly name: string; readonly spec: SegmentSpec; readonly source: SourceMap }
  | { readonly kind: 'AnalysisTemplate'; readonly name: string; readonly spec: AnalysisTemplateSpec; readonly source: SourceMap }
  | { readonly kind: 'Experiment'; readonly name: string; readonly spec: ExperimentResourceSpec; readonly source: SourceMap }
  | { readonly kind: 'Target'; readonly name: string; readonly spec: TargetSpec; readonly source: SourceMap }
  | { readonly kind: 'Flag'; readonly name: string; readonly spec: FlagSpec; readonly source: SourceMap }
  | { readonly kind: 'Webhook'; readonly name: string; readonly spec: WebhookSpec; readonly source: SourceMap };

export interface ParseOptions {
  /** File name used in problems ("<body>" for an API request body). */
  readonly file: string;
  /** Largest accepted input in UTF-8 bytes; default 1 MiB. */
  readonly maxBytes?: number;
  /** Most non-empty documents accepted; default 100. */
  readonly maxDocuments?: number;
}

export const DEFAULT_MAX_BYTES = 1024 * 1024;
export const DEFAULT_MAX_DOCUMENTS = 100;
const KINDS = RESOURCE_KINDS;
const SCHEMAS = { Service: serviceDocument, Rollout: rolloutDocument, Segment: segmentDocument, AnalysisTemplate: analysisTemplateDocument, Experiment: experimentDocument, Target: targetDocument, Flag: flagDocument, Webhook: webhookDocument } as const;
const KINDS_TEXT = `${KINDS.slice(0, -1).join(', ')} or ${KINDS.at(-1)}`;

/**
 * Parses and validates every resource in a YAML (or JSON) stream. All-or-nothing: throws INVALID_SPEC
 * with every problem found, or PAYLOAD_TOO_LARGE when a limit is exceeded; never any other error.
 */
export function parseResources(text: string, options: ParseOptions): ParsedResource[] {
  const { file } = options;
  checkSize(text, file, options.maxBytes ?? DEFAULT_MAX_BYTES);
  const lines = new LineCounter();
  const docs = parseYaml(text, file, lines);
  const present = docs.flatMap((doc, index) => (isEmpty(doc) ? [] : [createSourceMap(file, index, doc, lines, text)]));
  checkCount(present, file, options.maxDocuments ?? DEFAULT_MAX_DOCUMENTS);

  const problems: Problem[] = [];
  const kinded: KindedDocument[] = [];
  const resources: ParsedResource[] = [];
  for (const source of present) {
    const read = readDocument(docs[source.docIndex] as Document, source, lines);
    problems.push(...read.problems);
    if (read.kinded) kinded.push(read.kinded);
    if (read.resource) resources.push(read.resource);
  }
  if (present.length === 0) {
    problems.push({ file, line: 1, col: 1, message: 'no resources found: the input is empty', expected: `at least one ${KINDS_TEXT} document` });
  }
  problems.push(...crossDocumentProblems(kinded));
  if (problems.length > 0) {
    const sorted = sortProblems(problems);
    throw new SluiceError(ErrorCode.INVALID_SPEC, `${sorted.length} problem${sorted.length === 1 ? '' : 's'} in ${file}`, { problems: sorted });
  }
  return resources;
}

interface DocumentResult {
  readonly problems: readonly Problem[];
  readonly kinded?: KindedDocument;
  readonly resource?: ParsedResource;
}

function readDocument(doc: Document, source: DocumentSource, lines: LineCounter): DocumentResult {
  if (doc.errors.length > 0) return { problems: syntaxProblems(doc, source.file, lines) };
  const duplicates = duplicateKeyProblems(doc, source.file, lines);
  if (duplicates.length > 0) return { problems: duplicates };
  if (!isMap(doc.contents)) {
    let found: string;
    try {
      found = describeValue(doc.toJS({ maxAliasCount: 100 }));
    } catch (error) {
      // An undefined alias or an alias bomb at the top level: report it, never throw.
      found = `unreadable YAML (${(error as Error).message})`;
    }
    return {
      problems: [problemAt(source, [], 'a resource must be a map', { found, expected: 'a map with apiVersion, kind, metadata and spec' })],
    };
  }
  let data: Record<string, unknown>;
  try {
    data = doc.toJS({ maxAliasCount: 100 }) as Record<string, unknown>;
  } catch (error) {
    // Unresolved aliases and alias bombs fail here rather than in the parser.
    return { problems: [problemAt(source, [], `the document cannot be read: ${(error as Error).message}`)] };
  }
  const kind = KINDS.find((k) => k === data['kind']);
  if (kind === undefined) return { problems: unknownKindProblems(data, source) };
  const kinded: KindedDocument = { kind, data, source };
  const problems = [...validate(kinded), ...documentProblems(kinded)];
  if (problems.length > 0) return { problems, kinded };
  return { problems, kinded, resource: toResource(kinded) };
}

function validate(doc: KindedDocument): Problem[] {
  const schema = SCHEMAS[doc.kind];
  const result = schema.safeParse(doc.data);
  return result.success ? [] : problemsFromIssues(result.error.issues, schema, doc.data, doc.source);
}

function toResource(doc: KindedDocument): ParsedResource {
  if (doc.kind === 'Service') {
    const parsed = serviceDocument.parse(doc.data);
    return { kind: 'Service', name: parsed.metadata.name, spec: toServiceSpec(parsed.metadata.name, parsed.spec), source: doc.source };
  }
  if (doc.kind === 'Segment') {
    const parsed = segmentDocument.parse(doc.data);
    return { kind: 'Segment', name: parsed.metadata.name, spec: toSegmentSpec(parsed.spec), source: doc.source };
  }
  if (doc.kind === 'AnalysisTemplate') {
    const parsed = analysisTemplateDocument.parse(doc.data);
    return { kind: 'AnalysisTemplate', name: parsed.metadata.name, spec: toAnalysisTemplateSpec(parsed.spec), source: doc.source };
  }
  if (doc.kind === 'Experiment') {
    const parsed = experimentDocument.parse(doc.data);
    return { kind: 'Experiment', name: parsed.metadata.name, spec: toExperimentSpec(parsed.metadata.name, parsed.spec), source: doc.source };
  }
  if (doc.kind === 'Flag') {
    const parsed = flagDocument.parse(doc.data);
    return { kind: 'Flag', name: parsed.metadata.name, spec: toFlagSpec(parsed.spec), source: doc.source };
  }
  if (doc.kind === 'Webhook') {
    const parsed = webhookDocument.parse(doc.data);
    return { kind: 'Webhook', name: parsed.metadata.name, spec: toWebhookSpec(parsed.spec), source: doc.source };
  }
  if (doc.kind === 'Target') {
    const parsed = targetDocument.parse(doc.data);
    return { kind: 'Target', name: parsed.metadata.name, spec: toTargetSpec(parsed.spec), source: doc.source };
  }
  const parsed = rolloutDocument.parse(doc.data);
  return { kind: 'Rollout', name: parsed.metadata.name, spec: toRolloutSpec(parsed.spec), source: doc.source };
}

function unknownKindProblems(data: Record<string, unknown>, source: DocumentSource): Problem[] {
  const kind = data['kind'];
  const expected = KINDS_TEXT;
  const header = documentHeader.safeParse(data);
  const problems = header.success ? [] : problemsFromIssues(header.error.issues, documentHeader, data, source);
  if (kind === undefined) return [...problems, problemAt(source, ['kind'], 'missing required field "kind"', { expected })];
  const message = typeof kind === 'string' ? `unknown kind "${kind}"` : 'wrong type for "kind"';
  return [...problems, problemAt(source, ['kind'], message, { found: describeValue(kind), expected })];
}

function syntaxProblems(doc: Document, file: string, lines: LineCounter): Problem[] {
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const error of doc.errors) {
    const { line, col } = lines.linePos(error.pos[0]);
    // The parser often reports one mistake twice at the same spot ("nested mapping", "implicit key").
    if (seen.has(`${line}:${col}`)) continue;
    seen.add(`${line}:${col}`);
    problems.push({ file, line, col, message: `invalid YAML: ${error.message}` });
  }
  return problems;
}

/**
 * The YAML parser recurses while it recovers from some mistakes (a long run of lines indented under a
 * broken one) and can run out of stack on a file well within the size limit: that is bad input, not a crash.
 */
function parseYaml(text: string, file: string, lines: LineCounter): Document[] {
  try {
    return parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false }) as Document[];
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    const problem: Problem = {
      file, line: 1, col: 1,
      message: 'invalid YAML: too deeply nested, or too many mis-indented lines, for the parser to read (it ran out of stack)',
      expected: 'resources nested and indented as documented; validate a smaller part of the file to find the first mistake',
    };
    throw new SluiceError(ErrorCode.INVALID_SPEC, `1 problem in ${file}`, { problems: [problem] });
  }
}

function isEmpty(doc: Document): boolean {
  // A trailing `---` or a comment-only document parses to a null scalar; skip it unless it is broken.
  return doc.errors.length === 0 && (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null));
}

function checkSize(text: string, file: string, maxBytes: number): void {
  // A UTF-16 unit is 1 to 3 UTF-8 bytes, so the exact count is needed only near the limit.
  if (text.length * 3 <= maxBytes) return;
  const bytes = text.length > maxBytes ? undefined : utf8Length(text);
  if (bytes !== undefined && bytes <= maxBytes) return;
  const problem: Problem = {
    file,
    message: 'input too large',
    found: bytes === undefined ? `more than ${maxBytes} bytes` : `${bytes} bytes`,
    expected: `at most ${maxBytes} bytes`,
  };
  throw new SluiceError(ErrorCode.PAYLOAD_TOO_LARGE, `${file} is larger than the limit of ${maxBytes} bytes`, { problems: [problem] });
}

function checkCount(present: readonly DocumentSource[], file: string, maxDocuments: number): void {
  const extra = present[maxDocuments];
  if (!extra) return;
  const where = extra.locate([]);
  const problem: Problem = {
    file,
    ...(where ? { line: where.line, col: where.col } : {}),
    message: 'too many documents',
    found: `${present.length} documents`,
    expected: `at most ${maxDocuments} documents`,
  };
  throw new SluiceError(ErrorCode.PAYLOAD_TOO_LARGE, `${file} has ${present.length} documents; the limit is ${maxDocuments}`, { problems: [problem] });
}

function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      // A surrogate pair is one 4-byte code point (a lone surrogate is written as 3 bytes, U+FFFD).
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** File order, the way compilers report; problems without a position go last. */
function sortProblems(problems: readonly Problem[]): Problem[] {
  const end = Number.MAX_SAFE_INTEGER;
  return [...problems].sort((a, b) => (a.line ?? end) - (b.line ?? end) || (a.col ?? end) - (b.col ?? end));
}
