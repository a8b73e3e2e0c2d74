import { DEFAULT_GUARD_INTERVAL_MS, formatDuration, isValidWeight } from '@sluice/domain';
import { z } from 'zod';
import { checkFields, MAX_METRICS, metricFields, queryForJudge } from './analysis-schemas.js';
import type { GateDefaults } from './analysis-schemas.js';
import { DNS_LABEL, duration, exactlyOneKey, hint, name, percent } from './schema-hints.js';

/**
 * Schemas of a Rollout's release guardian (`spec.guard`), its exposure budget (`spec.exposureBudget`)
 * and the adaptive ramp step, as written in YAML. guard-to-domain.ts turns them into the domain's
 * GuardSpec, ExposureBudget and AdaptiveStep. A guard condition is a template metric with an action;
 * names unique and placeholders built-in only are checked in analysis-consistency.ts.
 */

export const GUARD_ACTIONS = ['rollback', 'pause', 'notify'] as const;
export const BREACH_ACTIONS = ['rollback', 'pause'] as const;
export const EXPOSURE_LIMITS = ['maxRequests', 'maxFailedRequests', 'maxTrafficMinutes', 'maxDistinctKeys'] as const;
export const ADAPTIVE_RAMPS = ['factor', 'increment'] as const;

/** A guard condition watches until the rollout ends, and only a failing verdict breaches it. */
const GUARD_GATE_DEFAULTS: GateDefaults = {
  count: '0',
  failureLimit: '0',
  inconclusiveLimit: 'never',
  consecutiveErrorLimit: 'never',
  consecutiveSuccessLimit: '0',
};

const guardCondition = hint(
  z
    .strictObject({
      name: hint(name, `a condition name, unique in the guard (${DNS_LABEL})`, 'invalid condition name'),
      ...metricFields(GUARD_GATE_DEFAULTS, 'the rollout ends'),
      action: hint(z.enum(GUARD_ACTIONS), 'rollback (the default), pause or notify: what a breach does', 'invalid action').optional(),
    })
    .superRefine(queryForJudge),
  `a map with name, provider, judge and optional query, action (default rollback), interval (default ${formatDuration(DEFAULT_GUARD_INTERVAL_MS)}), initialDelay, count, failureLimit, inconclusiveLimit, consecutiveErrorLimit, consecutiveSuccessLimit, window, timeout and retries`,
);

/** `spec.guard`: without it the default error-rate condition watches; `conditions: []` turns the guard off. */
export const guard = hint(
  z.strictObject({
    conditions: hint(
      z.array(guardCondition).max(MAX_METRICS),
      `a list of at most ${MAX_METRICS} conditions ([] turns the guard off)`,
      'too many conditions',
    ),
  }),
  'a map with conditions, e.g. { conditions: [] } to turn the guard off (leave guard out for the default error-rate condition)',
);

/** A map with several optional keys of which at least one must be given. */
function atLeastOneKey(keys: readonly string[], what: string) {
  return (value: object, ctx: z.RefinementCtx) => {
    if (keys.some((k) => (value as Record<string, unknown>)[k] !== undefined)) return;
    const message = `${what} needs at least one of ${keys.join(', ')}`;
    ctx.addIssue({ code: 'custom', message, params: { message, found: 'none of them', expected: `at least one of ${keys.join(', ')}` } });
  };
}

const requestCount = (field: string, what: string) => hint(z.int().min(1), `an integer above 0: ${what}`, `${field} out of range`).optional();

/** `spec.exposureBudget`: caps on exposure before an analysis has passed for the target. */
export const exposureBudget = hint(
  z
    .strictObject({
      maxRequests: requestCount('maxRequests', 'requests the target may serve'),
      maxFailedRequests: requestCount('maxFailedRequests', 'failed (5xx) requests the target may serve'),
      maxTrafficMinutes: hint(
        z.number().gt(0),
        'a number above 0: share of traffic × minutes (100 % for one minute is 1)',
        'maxTrafficMinutes out of range',
      ).optional(),
      maxDistinctKeys: requestCount('maxDistinctKeys', 'distinct sticky keys (users) the target may serve'),
    })
    .superRefine(atLeastOneKey(EXPOSURE_LIMITS, 'an exposure budget'))
    .meta({ minProperties: 1 }),
  `a map with at least one of ${EXPOSURE_LIMITS.join(', ')}, e.g. { maxRequests: 1000, maxTrafficMinutes: 5 }`,
);

/** A start weight: above 0 (a ramp from 0 % would judge no traffic), at most 100, on the 0.01 grid. */
const startWeight = hint(
  z
    .number()
    .gt(0)
    .max(100)
    // Out-of-range values already fail gt/max; this adds only the 0.01 resolution rule.
    .refine((w) => !(w > 0 && w <= 100) || isValidWeight(w), { params: { message: 'startWeight is finer than 0.01' } })
    .meta({ multipleOf: 0.01 }),
  'a number above 0, at most 100, in steps of 0.01',
  'startWeight out of range',
);

function startBelowMax(value: { readonly startWeight: unknown; readonly maxWeight: unknown }, ctx: z.RefinementCtx): void {
  const { startWeight: start, maxWeight: max } = value;
  if (typeof start !== 'number' || typeof max !== 'number' || start < max) return;
  const message = `maxWeight ${max} is not above startWeight ${start}`;
  ctx.addIssue({ code: 'custom', path: ['maxWeight'], message, params: { message, found: String(max), expected: `a weight above startWeight (${start}), at most 100` } });
}

/** The health check judged over each period: what a checklist verification measures, without its polling. */
const healthy = hint(
  z.strictObject({ ...checkFields }).superRefine(queryForJudge),
  'a map with provider, judge and optional query, window (default: the healthyFor period), timeout and retries',
);

/** `adaptive` steps: ramp the weight ×factor (or +increment) after each healthy period, up to maxWeight. */
export const adaptiveStep = hint(
  z
    .strictObject({
      startWeight,
      factor: hint(z.number().gt(1).max(100), 'a number above 1, at most 100: the weight is multiplied by it after each healthy period', 'factor out of range').optional(),
      increment: hint(z.number().gt(0).max(100), 'a number above 0, at most 100: percentage points added after each healthy period', 'increment out of range').optional(),
      maxWeight: percent('maxWeight out of range'),
      healthyFor: duration(1000),
      healthy,
      onBreach: hint(z.enum(BREACH_ACTIONS), 'rollback (the default) or pause: what a failed health check does', 'invalid onBreach').optional(),
    })
    .superRefine(exactlyOneKey(ADAPTIVE_RAMPS, 'an adaptive step'))
    .superRefine(startBelowMax),
  'a map with startWeight, maxWeight, healthyFor, healthy, exactly one of factor or increment, and an optional onBreach, e.g. { startWeight: 1, factor: 2, maxWeight: 50, healthyFor: 5m, healthy: { … } }',
);
