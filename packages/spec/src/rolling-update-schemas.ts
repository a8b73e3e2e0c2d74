import { DEFAULT_ROLLING_UPDATE, rollingBoundsProblem, rollingStrategy } from '@sluice/domain';
import type { IntOrPercent, RollingStrategy, RollingUpdateSpec } from '@sluice/domain';
import { z } from 'zod';
import { ms } from './analysis-to-domain.js';
import { describeValue } from './problem-at.js';
import { duration, hint } from './schema-hints.js';

/** `run.rollingUpdate` as written: how a changed run spec replaces its instances (see domain rolling-update.ts). */

const PERCENT = /^(100|[1-9]?\d)%$/;
const INT_OR_PERCENT_EXPECTED = 'an integer from 0 to 100 or a percentage of replicas from "0%" to "100%", e.g. 1 or "25%"';

function intOrPercent(field: string) {
  return hint(z.union([z.int().min(0).max(100), z.string().regex(PERCENT)]), INT_OR_PERCENT_EXPECTED, `invalid ${field}`);
}

export const rollingUpdate = hint(
  z.strictObject({
    maxSurge: intOrPercent('maxSurge').optional(),
    maxUnavailable: intOrPercent('maxUnavailable').optional(),
    progressDeadline: duration(1000).optional(),
  }),
  'a map with optional maxSurge, maxUnavailable and progressDeadline',
);

type RawRollingUpdate = z.output<typeof rollingUpdate>;

/**
 * `spec.strategy.rolling` of a Rollout: the same maxSurge and maxUnavailable as `run.rollingUpdate`
 * (same forms, same defaults), counted against the stable version's replicas. The progress deadline
 * is the Rollout's own `progressDeadline`.
 */
export const rollingStrategySchema = hint(
  z.strictObject({
    maxSurge: intOrPercent('maxSurge').optional(),
    maxUnavailable: intOrPercent('maxUnavailable').optional(),
  }),
  'a map with optional maxSurge and maxUnavailable, e.g. { maxSurge: 1, maxUnavailable: 0 }',
);

/** Defaults applied, as the domain's rolling strategy with its step. */
export function toRollingStrategy(raw: z.output<typeof rollingStrategySchema>): RollingStrategy {
  return rollingStrategy({
    maxSurge: (raw.maxSurge ?? DEFAULT_ROLLING_UPDATE.maxSurge) as IntOrPercent,
    maxUnavailable: (raw.maxUnavailable ?? DEFAULT_ROLLING_UPDATE.maxUnavailable) as IntOrPercent,
  });
}

/** Defaults applied (Kubernetes' 25 % / 25 %, a 10-minute deadline), the deadline in ms. */
export function toRollingUpdate(raw: RawRollingUpdate): RollingUpdateSpec {
  return {
    maxSurge: (raw.maxSurge ?? DEFAULT_ROLLING_UPDATE.maxSurge) as IntOrPercent,
    maxUnavailable: (raw.maxUnavailable ?? DEFAULT_ROLLING_UPDATE.maxUnavailable) as IntOrPercent,
    progressDeadlineMs: raw.progressDeadline === undefined ? DEFAULT_ROLLING_UPDATE.progressDeadlineMs : ms(raw.progressDeadline),
  };
}

/**
 * Refinement of a `run` map: maxSurge and maxUnavailable must not both come to 0 instances for its
 * replicas (rounded the Kubernetes way), or no instance could ever be replaced. Reads only fields
 * that have the right shape, so it adds to the schema's own problems instead of repeating them.
 */
export function rollingUpdateFitsReplicas(run: { replicas?: unknown; rollingUpdate?: unknown }, ctx: z.RefinementCtx): void {
  const declared = run.rollingUpdate;
  if (typeof declared !== 'object' || declared === null) return;
  const { maxSurge, maxUnavailable } = declared as { maxSurge?: unknown; maxUnavailable?: unknown };
  const surge = maxSurge ?? DEFAULT_ROLLING_UPDATE.maxSurge;
  const unavailable = maxUnavailable ?? DEFAULT_ROLLING_UPDATE.maxUnavailable;
  if (!isValid(surge) || !isValid(unavailable)) return;
  const replicas = typeof run.replicas === 'number' && Number.isInteger(run.replicas) ? run.replicas : 1;
  const spec = { ...DEFAULT_ROLLING_UPDATE, maxSurge: surge, maxUnavailable: unavailable };
  if (rollingBoundsProblem(spec, replicas) === undefined) return;
  const message = `maxSurge and maxUnavailable both come to 0 instances for ${replicas} replica(s): no instance could ever be replaced`;
  ctx.addIssue({
    code: 'custom',
    path: ['rollingUpdate'],
    message,
    params: {
      message,
      found: `maxSurge ${describeValue(surge)}, maxUnavailable ${describeValue(unavailable)}`,
      expected: 'maxSurge or maxUnavailable of at least 1 instance, e.g. maxSurge: 1 (a percentage of maxSurge rounds up, of maxUnavailable down)',
    },
  });
}

function isValid(value: unknown): value is IntOrPercent {
  return (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100) || (typeof value === 'string' && PERCENT.test(value));
}
