import { resolveRollingBounds, type IntOrPercent, type RollingBounds } from '../resources/rolling-update.js';
import type { Step } from './step.js';
import { EventType, type EventDraft } from '../events/release-event.js';
import { stableEmptyWhileRollingBack, type Rollout, type RolloutChange } from './rollout.js';
import { patchRollout } from './progress.js';

/**
 * The `rolling` strategy: a rolling update of instances run as a Rollout, so the release guardian
 * watches it and the rollback plan undoes it. The target version's instances replace the stable
 * version's in batches bounded like `run.rollingUpdate` (same arithmetic, rolling-update.ts); traffic
 * follows the ready instances. While the rollout runs, it owns both versions' replica counts
 * (`status.scale`); the service reconcile gives those to the runtime instead of the spec's replicas.
 */

/** `spec.strategy.rolling`: the batch bounds, counted against the stable version's replicas. */
export interface RollingRolloutSpec {
  readonly maxSurge: IntOrPercent;
  readonly maxUnavailable: IntOrPercent;
}

/** The one step a rolling strategy runs: every batch, in order (its cursor is `status.scale` and the weight). */
export interface RollingBatchesStep {
  readonly kind: 'rollingBatches';
  readonly maxSurge: IntOrPercent;
  readonly maxUnavailable: IntOrPercent;
}

export interface RollingStrategy {
  readonly kind: 'rolling';
  readonly rolling: RollingRolloutSpec;
  readonly steps: readonly Step[];
}

/** The strategy with its step. Pure. */
export function rollingStrategy(spec: RollingRolloutSpec): RollingStrategy {
  return { kind: 'rolling', rolling: spec, steps: [{ kind: 'rollingBatches', maxSurge: spec.maxSurge, maxUnavailable: spec.maxUnavailable }] };
}

/** Replicas per version the rollout wants now. */
export type Scale = Readonly<Record<string, number>>;

/** Where one batch ends: the target's replicas, the weight on the target, then the stable's replicas. */
export interface RollingBatch {
  readonly target: number;
  readonly weight: number;
  readonly stable: number;
}

/** `part` of `total` as a weight in steps of 0.01; all of it when there is nothing (the target takes over). */
export function shareWeight(part: number, total: number): number {
  return total === 0 ? 100 : Math.round((part / total) * 10_000) / 100;
}

/**
 * The batches that replace `replicas` stable instances by as many target ones, as Kubernetes would
 * with all instances ready: each raises the target so stable + target stay within replicas + maxSurge,
 * moves the weight to the target's share of the instances left after the batch, then lowers the stable
 * so target + stable stay at or above replicas − maxUnavailable. The last batch has the target at
 * `replicas`, the stable at 0 and weight 100.
 */
export function rollingBatches(replicas: number, bounds: RollingBounds): RollingBatch[] {
  const batches: RollingBatch[] = [];
  let target = 0;
  let stable = replicas;
  const floor = replicas - Math.min(bounds.maxUnavailable, replicas);
  while (target < replicas || stable > 0) {
    const nextTarget = Math.max(target, Math.min(replicas, replicas + bounds.maxSurge - stable));
    const nextStable = Math.min(stable, Math.max(0, floor - nextTarget));
    if (nextTarget === target && nextStable === stable) throw new RangeError(`no batch can make progress for ${replicas} replica(s)`);
    target = nextTarget;
    stable = nextStable;
    batches.push({ target, weight: shareWeight(target, target + stable), stable });
  }
  return batches;
}

/** The batches of a rolling strategy for `replicas` (Kubernetes' fallback when both bounds are 0). */
export function rollingPlan(spec: RollingRolloutSpec, replicas: number): RollingBatch[] {
  return rollingBatches(replicas, resolveRollingBounds({ ...spec, progressDeadlineMs: 0 }, replicas));
}

/** Where the rolling step stands, as stored, and what the runtime reports. */
export interface RollingCursor {
  /** Replicas the rollout asked for, per role. */
  readonly target: number;
  readonly stable: number;
  /** The stored weight on the target. */
  readonly weight: number;
  /** Target instances that are ready and in the data plane's table. */
  readonly targetAvailable: number;
}

/** The one thing to do next, in the batch order: raise target, wait for it, move traffic, lower stable. */
export type RollingAction =
  | { readonly kind: 'scaleTarget'; readonly replicas: number; readonly batch: number }
  | { readonly kind: 'awaitTarget'; readonly replicas: number; readonly batch: number }
  | { readonly kind: 'setWeight'; readonly weight: number; readonly batch: number }
  | { readonly kind: 'scaleStable'; readonly replicas: number; readonly batch: number }
  | { readonly kind: 'done' };

/**
 * The next action of a rolling rollout. Batches only move forward (target up, weight up, stable
 * down), so the stored counts and weight are the cursor: the first batch not fully applied is the
 * one to work on, and after a crash the next process continues where the store says. The weight is
 * set only once the batch's target instances are available, and the stable lowered only once the
 * weight is set (the caller also waits for the data plane to serve it before lowering).
 */
export function nextRollingAction(batches: readonly RollingBatch[], at: RollingCursor): RollingAction {
  for (const [index, batch] of batches.entries()) {
    const batchNo = index + 1;
    if (at.target < batch.target) return { kind: 'scaleTarget', replicas: batch.target, batch: batchNo };
    if (at.targetAvailable < batch.target) return { kind: 'awaitTarget', replicas: batch.target, batch: batchNo };
    if (at.weight < batch.weight) return { kind: 'setWeight', weight: batch.weight, batch: batchNo };
    if (at.stable > batch.stable) return { kind: 'scaleStable', replicas: batch.stable, batch: batchNo };
  }
  return { kind: 'done' };
}

/**
 * Replicas the service reconcile should run for `version` while `rollout` is active, or undefined to
 * use the spec's. A rolling rollout owns its target and stable counts from the moment it exists: the
 * target starts at 0 (not at its spec's replicas, which would surge past the bounds before batch 1).
 * Rolling back with the stable at 0 (maxSurge 0), the stable gets its spec's replicas at once.
 */
export function rolloutReplicas(rollout: Rollout, version: string): number | undefined {
  if (rollout.spec.strategy.kind !== 'rolling') return undefined;
  // Rolling back with no stable instance left: the stable starts again at once (its spec's replicas).
  if (version === rollout.status.stable && stableEmptyWhileRollingBack(rollout)) return undefined;
  const stored = rollout.status.scale?.[version];
  if (stored !== undefined) return stored;
  return version === rollout.spec.target ? 0 : undefined;
}

/** The rollout with `version` at `replicas` in `status.scale`, and the event that records why. */
export function changeScale(rollout: Rollout, scale: Scale, reason: string, now: number): RolloutChange {
  const before = rollout.status.scale ?? {};
  const moved = Object.entries(scale).filter(([version, n]) => before[version] !== n);
  const from = moved.map(([version]) => `${version}=${before[version] ?? '-'}`).join(' ');
  const to = moved.map(([version, n]) => `${version}=${n}`).join(' ');
  const event: EventDraft = { type: EventType.WorkloadChanged, from, to, reason, data: { scale: { ...before, ...scale } } };
  return patchRollout(rollout, { scale: { ...before, ...scale }, message: reason }, now, [event]);
}
