import { DEFAULT_GUARD_INTERVAL_MS, DEFAULT_GUARD_GATE } from '@sluice/domain';
import type { AdaptiveStep, ExposureBudget, GateSettings, GuardSpec } from '@sluice/domain';
import { defined, ms, toAnalysisMetric, toMetricCheck } from './analysis-to-domain.js';
import type { MetricDefaults } from './analysis-to-domain.js';
import type { RawCanaryStep, RolloutDocument } from './schemas.js';

type RawSpec = RolloutDocument['spec'];
type RawGuard = NonNullable<RawSpec['guard']>;
type RawStep = RawCanaryStep;
type RawAdaptive = NonNullable<RawStep['adaptive']>;

/** A guard condition's gate unless its spec says otherwise (the domain's DEFAULT_GUARD_GATE). */
export const GUARD_GATE: GateSettings = DEFAULT_GUARD_GATE;

const GUARD_DEFAULTS: MetricDefaults = { gate: GUARD_GATE, intervalMs: DEFAULT_GUARD_INTERVAL_MS };

/** `spec.guard` with defaults applied: each condition a metric (guard gate, 1s interval) and an action (rollback). */
export function toGuardSpec(raw: RawGuard): GuardSpec {
  return { conditions: raw.conditions.map((condition) => ({ ...toAnalysisMetric(condition, GUARD_DEFAULTS), action: condition.action ?? 'rollback' })) };
}

/** `spec.exposureBudget`: the limits given, as they are. */
export function toExposureBudget(raw: NonNullable<RawSpec['exposureBudget']>): ExposureBudget {
  return defined({ maxRequests: raw.maxRequests, maxFailedRequests: raw.maxFailedRequests, maxTrafficMinutes: raw.maxTrafficMinutes, maxDistinctKeys: raw.maxDistinctKeys });
}

/** An adaptive step; undefined for any other step. */
export function toAdaptiveStep(raw: RawStep): AdaptiveStep | undefined {
  const adaptive: RawAdaptive | undefined = raw.adaptive;
  if (adaptive === undefined) return undefined;
  return {
    kind: 'adaptive',
    startWeight: adaptive.startWeight,
    ...defined({ factor: adaptive.factor, increment: adaptive.increment }),
    maxWeight: adaptive.maxWeight,
    healthyForMs: ms(adaptive.healthyFor),
    healthy: toMetricCheck(adaptive.healthy),
    onBreach: adaptive.onBreach ?? 'rollback',
  };
}
