import type { EventMetric, ExperimentResourceSpec, ExperimentVariant } from '@sluice/domain';
import type { RawExperimentSpec } from './experiment-schemas.js';

type RawMetric = RawExperimentSpec['primary'] | NonNullable<RawExperimentSpec['guardrails']>[number];

/** The spec's alpha and power hold for every metric (power matters only for the primary's sample size). */
function toMetric(raw: RawMetric, spec: RawExperimentSpec): EventMetric {
  return {
    name: raw.name,
    event: raw.event,
    kind: raw.kind,
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
