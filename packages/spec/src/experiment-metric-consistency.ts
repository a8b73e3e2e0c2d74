import type { Problem } from '@sluice/domain';
import type { RawExperimentSpec } from './experiment-schemas.js';
import { unknownPlaceholders } from './placeholders.js';
import { describeValue, problemAt } from './problem-at.js';
import type { DocumentSource, FieldPath } from './source-map.js';

type RawMetric = RawExperimentSpec['primary'] | NonNullable<RawExperimentSpec['guardrails']>[number];

const SOURCE_EXPECTED = 'either event (a conversion event name) or provider with successQuery and totalQuery';
const QUERIES = ['successQuery', 'totalQuery'] as const;

/**
 * Where each metric's data comes from: an event, or (in an experiment of versions only) a provider
 * with successQuery and totalQuery whose placeholders are built-in ones ({{service}}, {{version}} …).
 * A provider metric is a conversion of request counts: kind mean is refused.
 */
export function metricSourceProblems(source: DocumentSource, spec: RawExperimentSpec): Problem[] {
  const versions = spec.variants.every((v) => v.version !== undefined);
  const metrics: [RawMetric, FieldPath][] = [[spec.primary, ['spec', 'primary']], ...(spec.guardrails ?? []).map((g, i): [RawMetric, FieldPath] => [g, ['spec', 'guardrails', i]])];
  return metrics.flatMap(([metric, path]) => (metric.provider === undefined ? eventMetricProblems(source, metric, path) : providerMetricProblems(source, metric, path, versions)));
}

function eventMetricProblems(source: DocumentSource, metric: RawMetric, path: FieldPath): Problem[] {
  if (metric.event === undefined) return [problemAt(source, path, `metric "${metric.name}" needs event (or provider, successQuery and totalQuery)`, { expected: SOURCE_EXPECTED })];
  return QUERIES.filter((q) => metric[q] !== undefined).map((q) =>
    problemAt(source, [...path, q], `metric "${metric.name}" reads event "${metric.event ?? ''}": ${q} is only for a metric with a provider`, { expected: 'no queries on an event metric, or provider instead of event' }));
}

function providerMetricProblems(source: DocumentSource, metric: RawMetric, path: FieldPath, versions: boolean): Problem[] {
  if (!versions) {
    return [problemAt(source, [...path, 'provider'], `metric "${metric.name}" reads a provider, which measures versions of a service: only an experiment whose variants are versions can have provider metrics`, {
      expected: 'event (a conversion event name) for an experiment of flag variants',
    })];
  }
  const problems: Problem[] = [];
  if (metric.event !== undefined) problems.push(problemAt(source, [...path, 'event'], `metric "${metric.name}" reads both event "${metric.event}" and a provider`, { expected: SOURCE_EXPECTED }));
  if (metric.kind !== 'conversion') {
    problems.push(problemAt(source, [...path, 'kind'], `metric "${metric.name}" reads a provider: only kind conversion (successQuery out of totalQuery) is supported`, { found: describeValue(metric.kind), expected: 'conversion' }));
  }
  for (const q of QUERIES) {
    const text = metric[q];
    if (text === undefined) {
      problems.push(problemAt(source, path, `metric "${metric.name}" reads a provider and needs ${q}`, { expected: `${q}: the ${q === 'successQuery' ? 'count that converted, e.g. errors' : 'count it is out of, e.g. requests'}` }));
      continue;
    }
    problems.push(...placeholderProblems(text).map((p) => problemAt(source, [...path, q], p.message, { found: describeValue(p.placeholder), expected: p.expected })));
  }
  return problems;
}

/** The arguments an experiment's provider queries get: its service, the variant's version, its running time (e.g. "3600s"). */
export const EXPERIMENT_QUERY_ARGS = ['service', 'version', 'window'] as const;

/** Unknown placeholders, and built-in ones (canary, rollout …) that only a rollout's analysis sets. */
function placeholderProblems(text: string): { placeholder: string; message: string; expected: string }[] {
  const expected = `one of ${EXPERIMENT_QUERY_ARGS.map((a) => `{{${a}}}`).join(', ')}`;
  const unknown = unknownPlaceholders(text, []).map((p) => ({ ...p, expected }));
  const rolloutOnly = [...text.matchAll(/\{\{\s*(?:args\.)?([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)]
    .filter((m) => !(EXPERIMENT_QUERY_ARGS as readonly string[]).includes(m[1] ?? '') && !unknown.some((u) => u.placeholder === m[0]))
    .map((m) => ({ placeholder: m[0], message: `placeholder "${m[0]}" is set in a rollout's analysis, not in an experiment`, expected }));
  return [...unknown, ...rolloutOnly];
}
