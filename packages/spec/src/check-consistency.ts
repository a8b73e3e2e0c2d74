import { listenConflict } from '@sluice/domain';
import type { ListenClaim, Problem } from '@sluice/domain';
import { hostIndex, listenProblem } from './listen-problems.js';
import { describeValue, problemAt } from './problem-at.js';
import { rolloutAnalysisProblems, templateProblems } from './analysis-consistency.js';
import { experimentProblems } from './experiment-consistency.js';
import { flagProblems } from './flag-consistency.js';
import { migrationProblems } from './migration-consistency.js';
import { VERSION_NAME_EXPECTED, VERSION_NAME_PATTERN } from './schemas.js';
import type { ResourceKind } from './schemas.js';
import { MAX_PROBLEMS_PER_DOCUMENT } from './problems-from-issues.js';
import type { DocumentSource, FieldPath } from './source-map.js';

/** A document whose kind is known, valid or not: enough to check it against the others in its file. */
export interface KindedDocument {
  /** The document's kind. */
  readonly kind: ResourceKind;
  /** The document as plain data (not yet validated). */
  readonly data: unknown;
  /** Where its fields are. */
  readonly source: DocumentSource;
}

/**
 * Checks within one document that the schema leaves out: version names (checked here so that a bad
 * name does not hide the problems inside its version) and that `stable` is one of the versions; for
 * templates and rollouts, unique names and placeholders (analysis-consistency.ts). Runs on
 * unvalidated data, reading only fields of the right type, so these join the schema problems.
 */
export function documentProblems(doc: KindedDocument): Problem[] {
  if (doc.kind === 'AnalysisTemplate') return templateProblems(doc.source, field(doc.data, 'spec'));
  if (doc.kind === 'Rollout') return [...rolloutAnalysisProblems(doc.source, field(doc.data, 'spec')), ...migrationProblems(doc.source, field(doc.data, 'spec'))];
  if (doc.kind === 'Experiment') return experimentProblems(doc.source, doc.data);
  if (doc.kind === 'Flag') return flagProblems(doc.source, doc.data);
  if (doc.kind !== 'Service') return [];
  const spec = field(doc.data, 'spec');
  const versions = field(spec, 'versions');
  if (!isMap(versions)) return [];
  const problems = Object.keys(versions)
    .filter((name) => name.length > 63 || !VERSION_NAME_PATTERN.test(name))
    .slice(0, MAX_PROBLEMS_PER_DOCUMENT)
    .map((name) =>
      problemAt(doc.source, ['spec', 'versions', name], 'invalid version name', {
        at: doc.source.locateKey(['spec', 'versions', name]),
        found: describeValue(name),
        expected: VERSION_NAME_EXPECTED,
      }),
    );
  const stable = field(spec, 'stable');
  const names = Object.keys(versions);
  if (typeof stable === 'string' && names.length > 0 && !names.includes(stable)) {
    problems.push(
      problemAt(doc.source, ['spec', 'stable'], `stable version "${stable}" is not one of the versions`, {
        found: describeValue(stable),
        expected: `one of: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', ...' : ''}`,
      }),
    );
  }
  return [...problems, ...routeProblems(doc.source, field(spec, 'routes'), names)];
}

/** Service routes: names unique, and every version a route sends to is one of the service's versions. */
function routeProblems(source: DocumentSource, routes: unknown, versions: readonly string[]): Problem[] {
  if (!Array.isArray(routes) || versions.length === 0) return [];
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  const expected = `one of: ${versions.slice(0, 20).join(', ')}${versions.length > 20 ? ', ...' : ''}`;
  routes.slice(0, MAX_PROBLEMS_PER_DOCUMENT).forEach((route: unknown, i) => {
    const name = field(route, 'name');
    if (typeof name === 'string') {
      const first = seen.get(name);
      if (first === undefined) seen.set(name, i);
      else problems.push(problemAt(source, ['spec', 'routes', i, 'name'], `duplicate route "${name}": already used by routes[${first}]`, { expected: 'a route name used once per service' }));
    }
    const version = field(route, 'version');
    if (typeof version === 'string' && !versions.includes(version)) {
      problems.push(problemAt(source, ['spec', 'routes', i, 'version'], `version "${version}" is not one of the service's versions`, { found: describeValue(version), expected }));
    }
    const split = field(route, 'split');
    for (const canary of isMap(split) ? Object.keys(split).slice(0, 1) : []) {
      if (versions.includes(canary)) continue;
      problems.push(
        problemAt(source, ['spec', 'routes', i, 'split', canary], `version "${canary}" is not one of the service's versions`, {
          at: source.locateKey(['spec', 'routes', i, 'split', canary]),
          found: describeValue(canary),
          expected,
        }),
      );
    }
  });
  return problems;
}

/** Checks across the documents of one file: names unique per kind, listen addresses shared only when hosts keep services apart. */
export function crossDocumentProblems(docs: readonly KindedDocument[]): Problem[] {
  return [...duplicateNames(docs), ...sharedListenProblems(docs)];
}

function duplicateNames(docs: readonly KindedDocument[]): Problem[] {
  const problems: Problem[] = [];
  const first = new Map<string, KindedDocument>();
  for (const doc of docs) {
    const name = field(field(doc.data, 'metadata'), 'name');
    if (typeof name !== 'string') continue;
    const key = `${doc.kind}/${name}`;
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, doc);
      continue;
    }
    const line = earlier.source.locate(['metadata', 'name'])?.line;
    problems.push(
      problemAt(doc.source, ['metadata', 'name'], `duplicate ${doc.kind} "${name}": already defined at line ${line ?? '?'}`, {
        expected: `a name not used by another ${doc.kind} in this file`,
      }),
    );
  }
  return problems;
}

/** What a Service document claims on its listen address, read from unvalidated data. */
interface RawClaim extends ListenClaim {
  readonly name: string;
  readonly doc: KindedDocument;
}

function rawClaim(doc: KindedDocument): RawClaim | undefined {
  const spec = field(doc.data, 'spec');
  const listen = field(spec, 'listen');
  if (doc.kind !== 'Service' || typeof listen !== 'string') return undefined;
  const hosts = field(spec, 'hosts');
  // A hosts field that is not a list of strings has its own problems; it is compared once fixed.
  if (hosts !== undefined && !(Array.isArray(hosts) && hosts.every((h) => typeof h === 'string'))) return undefined;
  const name = String(field(field(doc.data, 'metadata'), 'name') ?? '?');
  return { name, doc, listen, hosts: hosts as string[] | undefined };
}

/**
 * Services sharing a listen address must be kept apart by host names: at most one of them without
 * hosts, and no host name (or wildcard) claimed twice. Reported at the later document.
 */
function sharedListenProblems(docs: readonly KindedDocument[]): Problem[] {
  const problems: Problem[] = [];
  const earlier: RawClaim[] = [];
  for (const doc of docs) {
    const claim = rawClaim(doc);
    if (claim === undefined) continue;
    for (const other of earlier) {
      const conflict = listenConflict(claim, other);
      if (conflict === undefined) continue;
      const path: FieldPath = conflict.kind === 'host' ? ['spec', 'hosts', hostIndex(other.hosts, conflict.host)] : ['spec', 'listen'];
      const where = `at line ${other.doc.source.locate(path)?.line ?? '?'}`;
      problems.push(listenProblem({ ...claim, source: doc.source }, { name: other.name, where }, conflict, ' in this file'));
      break;
    }
    earlier.push(claim);
  }
  return problems;
}

function field(value: unknown, key: string): unknown {
  return isMap(value) ? value[key] : undefined;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
