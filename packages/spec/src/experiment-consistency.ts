import { isSluiceError, validateExperimentSpec, type Problem } from '@sluice/domain';
import { metricSourceProblems } from './experiment-metric-consistency.js';
import { experimentSpec, type RawExperimentSpec } from './experiment-schemas.js';
import { toExperimentSpec } from './experiment-to-domain.js';
import { problemAt } from './problem-at.js';
import type { DocumentSource, FieldPath } from './source-map.js';

/**
 * Checks of an Experiment the schema cannot express: each variant serves a version or a flag variation
 * (not both), all variants are of one kind, a version experiment names its service and has exactly two
 * variants on two versions, and the domain's own rules (weights sum to 100, the control is a variant,
 * names unique), reported at the fields of the file. Runs only on a spec the schema accepts; the
 * schema's problems are reported by parseResources.
 */
export function experimentProblems(source: DocumentSource, data: unknown): Problem[] {
  const spec = isRecord(data) ? data['spec'] : undefined;
  const parsed = experimentSpec.safeParse(spec);
  if (!parsed.success) return [];
  const metadata = isRecord(data) ? data['metadata'] : undefined;
  const name = isRecord(metadata) && typeof metadata['name'] === 'string' ? metadata['name'] : 'experiment';
  const variantProblems = servesProblems(source, parsed.data);
  if (variantProblems.length > 0) return variantProblems;
  return [...versionExperimentProblems(source, parsed.data), ...metricSourceProblems(source, parsed.data), ...domainProblems(source, name, parsed.data)];
}

function servesProblems(source: DocumentSource, spec: RawExperimentSpec): Problem[] {
  const problems: Problem[] = [];
  const expected = 'either version, or flag and variation';
  spec.variants.forEach((v, i) => {
    const path: FieldPath = ['spec', 'variants', i];
    if (v.version !== undefined && (v.flag !== undefined || v.variation !== undefined)) {
      problems.push(problemAt(source, [...path, 'version'], `variant "${v.name}" serves both a version and a flag variation`, { expected }));
    } else if (v.version === undefined && (v.flag === undefined || v.variation === undefined)) {
      const missing = v.flag === undefined && v.variation === undefined ? 'version (or flag and variation)' : v.flag === undefined ? 'flag' : 'variation';
      problems.push(problemAt(source, path, `variant "${v.name}" needs ${missing}`, { expected }));
    }
  });
  if (problems.length > 0) return problems;
  const versions = spec.variants.filter((v) => v.version !== undefined).length;
  if (versions > 0 && versions < spec.variants.length) {
    problems.push(problemAt(source, ['spec', 'variants'], 'variants must all serve a version of the service, or all a flag variation', {
      found: `${versions} version and ${spec.variants.length - versions} flag variants`,
      expected: 'one kind of variant per experiment',
    }));
  }
  return problems;
}

function versionExperimentProblems(source: DocumentSource, spec: RawExperimentSpec): Problem[] {
  if (spec.variants.some((v) => v.version === undefined)) return [];
  const problems: Problem[] = [];
  if (spec.service === undefined) {
    problems.push(problemAt(source, ['spec', 'service'], 'an experiment whose variants are versions needs spec.service: the service whose versions they are', { expected: 'the name of a Service' }));
  }
  if (spec.variants.length !== 2) {
    problems.push(problemAt(source, ['spec', 'variants'], "the built-in proxy splits a service's traffic between two versions: an experiment of versions has exactly two variants, the control (the stable version) and one treatment", {
      found: `${spec.variants.length} variants`,
      expected: 'two version variants, or flag variants for more',
    }));
  }
  const [a, b] = spec.variants;
  if (a !== undefined && b !== undefined && a.version === b.version) {
    problems.push(problemAt(source, ['spec', 'variants', 1, 'version'], `both variants serve version "${b.version ?? ''}"`, { expected: 'two different versions of the service' }));
  }
  return problems;
}

/** The domain's rules, with its paths (spec.primaryMetric, spec.guardrailMetrics[i], …serves) mapped to the file's. */
function domainProblems(source: DocumentSource, name: string, spec: RawExperimentSpec): Problem[] {
  try {
    validateExperimentSpec(toExperimentSpec(name, spec));
    return [];
  } catch (error) {
    if (!isSluiceError(error)) throw error;
    return error.problems.map((p) => problemAt(source, filePath(p.path ?? 'spec'), p.message.replace('spec.primaryMetric', 'spec.primary').replace('spec.guardrailMetrics', 'spec.guardrails'), {
      found: p.found,
      expected: p.expected,
    }));
  }
}

/** "spec.guardrailMetrics[1].name" → ['spec', 'guardrails', 1, 'name']. */
export function filePath(domainPath: string): FieldPath {
  const segments: (string | number)[] = [];
  for (const part of domainPath.split('.')) {
    const m = /^([^[]+)((?:\[\d+\])*)$/.exec(part);
    if (!m?.[1]) continue;
    const key = m[1] === 'primaryMetric' ? 'primary' : m[1] === 'guardrailMetrics' ? 'guardrails' : m[1];
    if (key !== 'serves') segments.push(key);
    for (const index of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
