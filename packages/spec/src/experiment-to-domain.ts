import type { ExperimentResourceMetric, ExperimentResourceSpec, ExperimentVariant } from '@sluice/domain';
import type { RawExperimentSpec } from './experiment-schemas.js';
import { toProvider } from './analysis-to-domain.js';

type RawMetric = RawExperimentSpec['primary'] | NonNullable<RawExperimentSpec['guardrails']>[number];

/**
 * The spec's alpha and power hold for every metric (power matters only for the primary's sample size).
 * A metric with a provider reads it (a conversion of successQuery over totalQuery); any other its event.
 */
function toMetric(raw: RawMetric, spec: RawExperimentSpec): ExperimentResourceMetric {
  const source = raw.provider === undefined
    ? { event: raw.event ?? '', kind: raw.kind }
    : { provider: toProvider(raw.provider), successQuery: raw.successQuery ?? '', totalQuery: raw.totalQuery ?? '', kind: 'conversion' as const };
  return {
    name: raw.name,
    ...source,
    direction: raw.direction,
    ...('minimumDetectableEffect' in raw && raw.minimumDetectableEffect !== undefined ? { minimumDetectableEffect: raw.minimumDetectableEffect } : {}),
    ...('maxDegradation' in raw && raw.maxDegradation !== undefined ? { maxDegradation: raw.maxDegradation } : {}),
    ...(spec.alpha === undefined ? {} : { alpha: spec.alpha }),
    ...(spec.power === undefined ? {} : { power: spec.power }),
  };
}

function toVariant(raw: RawExperimentSpec['variants'][number]): ExperimentVariant {
  const serves = raw.version !== undefined ? { version: raw.version } : { flag: raw.flag ?? '', variation: raw.variation ?? '' };
  return { name: raw.name, weight: raw.weight, serves };
}

/** A valid Experiment document's spec as the domain's ExperimentResourceSpec. */
export function toExperimentSpec(name: string, spec: RawExperimentSpec): ExperimentResourceSpec {
  return {
    name,
    ...(spec.service === undefined ? {} : { service: spec.service }),
    variants: spec.variants.map(toVariant),
    control: spec.control,
    primaryMetric: toMetric(spec.primary, spec),
    guardrailMetrics: (spec.guardrails ?? []).map((g) => toMetric(g, spec)),
    ...(spec.minSamplesPerVariant === undefined ? {} : { minSamplesPerVariant: spec.minSamplesPerVariant }),
  };
}
