import { EVENT_NAME_PATTERN, MAX_EVENT_NAME_LENGTH } from '@sluice/domain';
import { z } from 'zod';
import { checkFields } from './analysis-schemas.js';
import { query } from './judge-schemas.js';
import { DNS_LABEL, hint, name, versionName, VERSION_NAME_EXPECTED, weight } from './schema-hints.js';

/**
 * The Experiment spec as written: variants that serve a version of a service (the built-in proxy
 * splits the traffic) or a flag variation (the application assigns users the same way), the control,
 * one primary metric and guardrail metrics read from conversion events or, in an experiment of
 * versions, from a metric provider (successQuery over totalQuery per variant's {{version}}). Cross-field
 * rules (weights sum to 100, the control is a variant, one kind of variant, two version variants, each
 * metric reads an event or a provider) are in experiment-consistency.ts and
 * experiment-metric-consistency.ts, which reuse the domain's validateExperimentSpec.
 */

const EVENT_NAME_EXPECTED = 'an event name of letters, digits, "_", "-", ".", ":" and "/", starting with a letter or digit, at most 200 characters, e.g. checkout';

/** Event names: what POST /api/v1/events and an SDK's track call send. "$…" names are reserved. */
const eventName = hint(z.string().max(MAX_EVENT_NAME_LENGTH).regex(EVENT_NAME_PATTERN), EVENT_NAME_EXPECTED, 'invalid event name');
const relative = (expected: string, min: 'gt' | 'gte') =>
  hint((min === 'gt' ? z.number().gt(0) : z.number().min(0)).max(10), expected, 'out of range');

const metricFields = {
  name: hint(name, `a metric name (${DNS_LABEL})`, 'invalid metric name'),
  event: eventName.optional(),
  kind: hint(z.enum(['conversion', 'mean']), 'conversion (did a user send the event) or mean (the average of the events\' values)'),
  provider: checkFields.provider.optional(),
  successQuery: query.optional(),
  totalQuery: query.optional(),
  direction: hint(z.enum(['increase', 'decrease']), 'increase or decrease: which way is better'),
};

const primaryMetric = hint(
  z.strictObject({
    ...metricFields,
    minimumDetectableEffect: relative('a relative change > 0, e.g. 0.05 for 5 %: the smallest effect worth detecting', 'gt').optional(),
  }),
  'a map with name, kind, direction, either event or provider with successQuery and totalQuery, and an optional minimumDetectableEffect',
);

const guardrailMetric = hint(
  z.strictObject({
    ...metricFields,
    maxDegradation: relative('a relative change ≥ 0, e.g. 0.02 for 2 % worse than the control', 'gte').optional(),
  }),
  'a map with name, kind, direction, either event or provider with successQuery and totalQuery, and an optional maxDegradation',
);

const variant = hint(
  z.strictObject({
    name: hint(name, `a variant name (${DNS_LABEL})`, 'invalid variant name'),
    weight: hint(weight.refine((w) => w > 0), 'a percentage above 0, in steps of 0.01; the weights sum to 100', 'weight out of range'),
    version: hint(versionName, `a version of the service: ${VERSION_NAME_EXPECTED}`, 'invalid version name').optional(),
    flag: hint(name, `a feature flag name (${DNS_LABEL})`, 'invalid flag name').optional(),
    variation: hint(z.string().min(1).max(200), 'the flag variation this variant serves', 'invalid variation').optional(),
  }),
  'a map with name, weight and either version or flag and variation',
);

const unit = (expected: string) => hint(z.number().gt(0).lt(1), expected, 'out of range');

export const experimentSpec = z.strictObject({
  service: hint(name, `the name of a Service (${DNS_LABEL})`, 'invalid service name').optional(),
  variants: hint(z.array(variant).min(2).max(20), 'a list of 2 to 20 variants', 'wrong number of variants'),
  control: hint(name, 'the name of the variant the others are compared with', 'invalid variant name'),
  primary: primaryMetric,
  guardrails: hint(z.array(guardrailMetric).max(20), 'a list of at most 20 metrics', 'too many guardrails').optional(),
  minSamplesPerVariant: hint(z.int().min(0).max(1_000_000_000), 'a whole number of samples per variant ≥ 0 (default 100)', 'out of range').optional(),
  alpha: unit('a significance level between 0 and 1, e.g. 0.05 (the default)').optional(),
  power: unit('a power between 0 and 1, e.g. 0.8 (the default)').optional(),
});

export type RawExperimentSpec = z.output<typeof experimentSpec>;
