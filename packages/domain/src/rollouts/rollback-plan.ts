import { EventType, type EventDraft } from '../events/release-event.js';
import { touchedTargets } from '../waves/wave-progress.js';
import type { Rollout } from './rollout.js';
import { needsMigrationDown } from '../migrations/migration-state.js';

/**
 * A rollback is a plan of idempotent operations run in a safe order — traffic back to stable first,
 * then checking the data plane serves it, then the rollout's rollback verifications — each recorded
 * when done, so a process that dies midway leaves a plan the next one finishes. Later issues add
 * operations (flags, configuration) after traffic. A waves rollout has one `traffic` and one `verify`
 * operation per target it touched (`target` set), after those of the service's own data plane;
 * targets of waves that never started get none. A rolling rollout (rolling.ts) has a `runtime`
 * operation after them: once no traffic reaches the target, the stable version goes back to its
 * replicas and the target to 0. A rollout whose setFlag steps changed flags has a `flags` operation
 * after traffic that sets each flag's environment back to its settings before the rollout. A rollout
 * whose migration expanded the schema (and did not contract it) has a `migration` operation after
 * verify: with no request on the target any more, the migration's `down` undoes expand.
 */
export type RollbackOp = 'traffic' | 'flags' | 'verify' | 'migration' | 'runtime' | 'rollback-verifications';

export interface RollbackOpState {
  readonly op: RollbackOp;
  /** The Target whose data plane the operation is for; absent: the service's own data plane. */
  readonly target?: string;
  readonly doneAt?: number;
  readonly detail?: string;
}

export interface RollbackPlan {
  readonly startedAt: number;
  readonly ops: readonly RollbackOpState[];
}

/** The plan for a rollout about to roll back: every touched target's traffic and verify, its rollback verifications only if it owes any. */
export function planRollback(rollout: Rollout, now: number): RollbackPlan {
  const targets = touchedTargets(rollout.status.targets);
  const ops: RollbackOpState[] = [
    { op: 'traffic' },
    ...targets.map((target) => ({ op: 'traffic' as const, target })),
    // Flags the rollout turned or ramped go back right after traffic: both expose users to the change.
    ...(Object.keys(rollout.status.flagBaselines ?? {}).length > 0 ? [{ op: 'flags' as const }] : []),
    { op: 'verify' },
    ...targets.map((target) => ({ op: 'verify' as const, target })),
    // The schema goes back once no request reaches the target: its `down` drops what the target used.
    ...(needsMigrationDown(rollout) ? [{ op: 'migration' as const }] : []),
  ];
  if (rollout.spec.strategy.kind === 'rolling') ops.push({ op: 'runtime' });
  if ((rollout.status.rollbackChecks?.length ?? 0) > 0) ops.push({ op: 'rollback-verifications' });
  return { startedAt: now, ops };
}

/** The first operation not done yet, or undefined when the plan is complete. */
export function nextRollbackOp(plan: RollbackPlan): RollbackOp | undefined {
  return nextRollbackEntry(plan)?.op;
}

/** The first operation not done yet, with its target, or undefined when the plan is complete. */
export function nextRollbackEntry(plan: RollbackPlan): RollbackOpState | undefined {
  return plan.ops.find((o) => o.doneAt === undefined);
}

/** The plan with `op` (of `target`, when given) done, and the event that records it. */
export function markRollbackOp(plan: RollbackPlan, op: RollbackOp, detail: string, now: number, target?: string): { plan: RollbackPlan; event: EventDraft } {
  const index = plan.ops.findIndex((o) => o.op === op && o.target === target && o.doneAt === undefined);
  const ops = plan.ops.map((o, i) => (i === index ? { ...o, doneAt: now, detail } : o));
  const at = index < 0 ? plan.ops.findIndex((o) => o.op === op && o.target === target) : index;
  const what = target === undefined ? op : `${op} on ${target}`;
  const event: EventDraft = {
    type: EventType.RollbackProgressed,
    from: `${at + 1}/${ops.length}`,
    to: op,
    reason: `Rollback ${at + 1}/${ops.length} (${what}): ${detail}`,
    ...(target === undefined ? {} : { data: { target } }),
  };
  return { plan: { ...plan, ops }, event };
}
