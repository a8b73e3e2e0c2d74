/**
 * Rolling update arithmetic: how the instances of a `run` version are replaced when its spec
 * changes, computed the way Kubernetes' deployment controller does (see `reconcileNewReplicaSet`,
 * `reconcileOldReplicaSets` and `ResolveFenceposts` in kubernetes/pkg/controller/deployment).
 * Pure: the runtime feeds it counts and carries out what it answers.
 */

/** A count of instances, or a percentage of the desired replicas written "25%" (Kubernetes' IntOrString). */
export type IntOrPercent = number | `${number}%`;

/** How a changed `run` spec replaces its instances. */
export interface RollingUpdateSpec {
  /** Instances allowed above the desired replicas during the update; a percentage rounds up. */
  readonly maxSurge: IntOrPercent;
  /** Ready instances allowed below the desired replicas during the update; a percentage rounds down. */
  readonly maxUnavailable: IntOrPercent;
  /** Longest the update may go without progress before it is rolled back to the previous spec. */
  readonly progressDeadlineMs: number;
}

/** Kubernetes' defaults: 25 % surge, 25 % unavailable; Sluice rolls back after 10 minutes without progress. */
export const DEFAULT_ROLLING_UPDATE: RollingUpdateSpec = { maxSurge: '25%', maxUnavailable: '25%', progressDeadlineMs: 600_000 };

/** The rolling update of a run spec, defaults applied when it declares none. */
export function rollingUpdateOf(run: { readonly rollingUpdate?: RollingUpdateSpec | undefined }): RollingUpdateSpec {
  return run.rollingUpdate ?? DEFAULT_ROLLING_UPDATE;
}

/** maxSurge and maxUnavailable as instance counts for a number of replicas. */
export interface RollingBounds {
  readonly maxSurge: number;
  readonly maxUnavailable: number;
}

const PERCENT = /^(\d+)%$/;

/** True for a whole number >= 0 or a text "N%" with N a whole number. */
export function isIntOrPercent(value: unknown): value is IntOrPercent {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0;
  return typeof value === 'string' && PERCENT.test(value);
}

/** `value` as a count of `total`: a percentage rounds up or down as asked, a count is taken as is. */
export function scaledValue(value: IntOrPercent, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const percent = Number(PERCENT.exec(value)?.[1] ?? Number.NaN);
  if (!Number.isFinite(percent)) throw new RangeError(`not a count or a percentage: ${JSON.stringify(value)}`);
  const scaled = (percent * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** The counts before Kubernetes' safety net: both may be 0 (see rollingBoundsProblem). */
export function rawRollingBounds(spec: RollingUpdateSpec, replicas: number): RollingBounds {
  return { maxSurge: scaledValue(spec.maxSurge, replicas, true), maxUnavailable: scaledValue(spec.maxUnavailable, replicas, false) };
}

/**
 * The counts an update works with. When both come to 0 (a spec that was not validated) the update
 * could never move, so maxUnavailable becomes 1, as in Kubernetes.
 */
export function resolveRollingBounds(spec: RollingUpdateSpec, replicas: number): RollingBounds {
  const raw = rawRollingBounds(spec, replicas);
  if (raw.maxSurge === 0 && raw.maxUnavailable === 0) return { maxSurge: 0, maxUnavailable: Math.min(1, replicas) };
  return raw;
}

/** Why a rolling update cannot make progress for `replicas`, or undefined when it can. */
export function rollingBoundsProblem(spec: RollingUpdateSpec, replicas: number): string | undefined {
  const { maxSurge, maxUnavailable } = rawRollingBounds(spec, replicas);
  if (maxSurge > 0 || maxUnavailable > 0 || replicas === 0) return undefined;
  return `maxSurge ${JSON.stringify(spec.maxSurge)} and maxUnavailable ${JSON.stringify(spec.maxUnavailable)} both come to 0 instances for ${replicas} replica(s): no instance could ever be replaced`;
}

/** Where a rolling update stands, counted in instances. */
export interface RollingCounts {
  /** Replicas the spec asks for. */
  readonly desired: number;
  /** Instances of the previous spec still in service (ready or not), not yet asked to leave. */
  readonly old: number;
  /** Of those, the ready ones. */
  readonly oldReady: number;
  /** Instances of the new spec, in any state. */
  readonly updated: number;
  /** Of those, the available ones: ready, and confirmed in the data plane's table. */
  readonly updatedAvailable: number;
  /** Instances asked to leave whose processes still run (leaving the table, draining, stopping). */
  readonly leaving: number;
}

/** What to do now. */
export interface RollingStep {
  /** New-spec instances to start. */
  readonly start: number;
  /** Old instances that are not ready to remove (they serve nothing, so removing them costs no availability). */
  readonly removeUnready: number;
  /** Ready old instances to remove. */
  readonly removeReady: number;
}

/**
 * The next step of a rolling update. Starts new instances while the running ones (leaving ones
 * included, so processes never exceed desired + maxSurge) leave room; removes old ones while the
 * available ones stay at or above desired − maxUnavailable. Unready old instances go first, as in
 * Kubernetes' cleanupUnhealthyReplicas, so a crash-looping old instance cannot block the update.
 */
export function nextRollingStep(counts: RollingCounts, bounds: RollingBounds): RollingStep {
  const { desired, old, oldReady, updated, updatedAvailable, leaving } = counts;
  const total = old + updated;
  const start = Math.max(0, Math.min(desired + bounds.maxSurge - (total + leaving), desired - updated));
  const minAvailable = desired - Math.min(bounds.maxUnavailable, desired);
  // Kubernetes' maxScaledDown: new instances that are not yet available may still need the headroom.
  const budget = total - minAvailable - (updated - updatedAvailable);
  if (budget <= 0) return { start, removeUnready: 0, removeReady: 0 };
  const removeUnready = Math.min(old - oldReady, budget);
  const available = oldReady + updatedAvailable;
  const removeReady = Math.max(0, Math.min(oldReady, budget - removeUnready, available - minAvailable));
  return { start, removeUnready, removeReady };
}
