import type { AnalysisMetric, MetricCheck } from '../analysis/analysis-spec.js';
import { DEFAULT_CHECK_TIMEOUT_MS } from '../analysis/analysis-spec.js';

/**
 * The release guardian's spec: conditions watched every second from the first request a rollout
 * exposes to the candidate until the rollout ends, each with what to do on a breach.
 */

/** rollback (default): abort and return to stable; pause: hold for a person; notify: record and go on. */
export type GuardAction = 'rollback' | 'pause' | 'notify';

export interface GuardCondition extends AnalysisMetric {
  readonly action: GuardAction;
}

export interface GuardSpec {
  /** Empty turns the guardian off for this rollout. */
  readonly conditions: readonly GuardCondition[];
}

export const DEFAULT_GUARD_INTERVAL_MS = 1_000;

/**
 * The guard every rollout gets unless its spec says otherwise: the canary's 5xx rate against stable's,
 * with the always-valid sequential test and its fast path (×10 errors fails in seconds), rolling back.
 * Errors and missing data never breach; "too few requests yet" waits.
 */
/** A guard condition's gate: breach on the first failed verdict; inconclusive and errors never end it. */
export const DEFAULT_GUARD_GATE = Object.freeze({ count: 0, failureLimit: 0, inconclusiveLimit: Number.MAX_SAFE_INTEGER, consecutiveErrorLimit: Number.MAX_SAFE_INTEGER, consecutiveSuccessLimit: 0 });

const DEFAULT_CONDITION: GuardCondition = {
  name: 'error-rate',
  provider: { kind: 'builtin' },
  // α = 0.001: a rollback is costly, so the slow path waits for stronger evidence than an analysis step.
  judge: { kind: 'errorRate', requestsQuery: 'requests', errorsQuery: 'errors', options: { alpha: 0.001 } },
  intervalMs: DEFAULT_GUARD_INTERVAL_MS,
  timeoutMs: DEFAULT_CHECK_TIMEOUT_MS,
  retries: 0,
  gate: DEFAULT_GUARD_GATE,
  action: 'rollback',
};

/**
 * Beside it, a change-point check: the canary's errors over the last 2, 4 and 8 seconds against
 * stable's rate over the last minute. The sequential test counts from the first exposed request, so a
 * canary that turns bad after a healthy while is seen diluted; the burst check sees only the onset.
 */
const BURST_CONDITION: GuardCondition = {
  ...DEFAULT_CONDITION,
  name: 'error-burst',
  // Twice a second: a burst is seen up to half a second sooner; the windows' test is sized per check.
  intervalMs: 500,
  judge: { kind: 'errorBurst', requestsQuery: 'requests', errorsQuery: 'errors', windowsSeconds: [2, 4, 8], baselineSeconds: 60, options: {} },
};

export const DEFAULT_GUARD: GuardSpec = Object.freeze({ conditions: [DEFAULT_CONDITION, BURST_CONDITION] });

/** A condition that breached, with the evidence, and what was done. */
export interface GuardBreach {
  readonly at: number;
  readonly action: GuardAction;
  readonly reason: string;
}

/**
 * The guardian's stored state for one rollout: when exposure began (cumulative judges count from there),
 * the conditions as they were then, and the conditions that breached (no longer watched).
 */
export interface GuardRunState {
  readonly startedAt: number;
  readonly conditions: readonly GuardCondition[];
  readonly breaches: Readonly<Record<string, GuardBreach>>;
  /** Conditions a person let go on after a pause: their evidence counts from this time on. */
  readonly restartedAt?: Readonly<Record<string, number>>;
}

/** Caps on what a version may be exposed to before an analysis has passed for it. */
export interface ExposureBudget {
  /** Requests served by the candidate. */
  readonly maxRequests?: number;
  /** Failed (5xx) requests served by the candidate. */
  readonly maxFailedRequests?: number;
  /** Share × time, in traffic-minutes (100 % for one minute = 1). */
  readonly maxTrafficMinutes?: number;
  /** Distinct sticky keys (users) served by the candidate. */
  readonly maxDistinctKeys?: number;
}

/** What a rollout has exposed to its candidate so far. */
export interface Exposure {
  readonly requests: number;
  readonly failedRequests: number;
  /** Distinct sticky keys served by the candidate (a HyperLogLog estimate, ±1.6 %). */
  readonly distinctKeys: number;
  readonly trafficMinutes: number;
  /** The sketch `distinctKeys` comes from (distinct-sketch.ts), so counting resumes after a restart. */
  readonly keySketch?: string;
  /** Up to when the counts are accumulated (ms since epoch). */
  readonly throughMs: number;
}

/** Ramps the canary weight while it stays healthy: ×factor (or +increment) after each healthy period. */
export interface AdaptiveStep {
  readonly kind: 'adaptive';
  readonly startWeight: number;
  readonly factor?: number;
  readonly increment?: number;
  readonly maxWeight: number;
  /** How long the canary must stay healthy at a weight before the next one. */
  readonly healthyForMs: number;
  /** The health check judged over each period (e.g. error rate < 0.1 % for 5 minutes). */
  readonly healthy: MetricCheck;
  /** What a failed health check does. */
  readonly onBreach: 'rollback' | 'pause';
}

/** The weight after a healthy period: ×factor or +increment, at most maxWeight, on the 0.01 grid. */
export function nextAdaptiveWeight(step: AdaptiveStep, weight: number): number {
  const raw = step.factor !== undefined ? weight * step.factor : weight + (step.increment ?? 0);
  const grid = Math.round(raw * 100) / 100;
  return Math.min(step.maxWeight, Math.max(grid, Math.round((weight + 0.01) * 100) / 100));
}
