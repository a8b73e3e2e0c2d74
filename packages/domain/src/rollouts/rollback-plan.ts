import { EventType, type EventDraft } from '../events/release-event.js';
import type { Rollout } from './rollout.js';

/**
 * A rollback is a plan of idempotent operations run in a safe order — traffic back to stable first,
 * then checking the data plane serves it, then the rollout's rollback verifications — each recorded
 * when done, so a process that dies midway leaves a plan the next one finishes. Later issues add
 * operations (flags, configuration) after traffic.
 */
export type RollbackOp = 'traffic' | 'verify' | 'rollback-verifications';

export interface RollbackPlan {
  readonly startedAt: number;
  readonly ops: readonly { readonly op: RollbackOp; readonly doneAt?: number; readonly detail?: string }[];
}

/** The plan for a rollout about to roll back: its rollback verifications only if it owes any. */
export function planRollback(rollout: Rollout, now: number): RollbackPlan {
  const ops: RollbackOp[] = ['traffic', 'verify'];
  if ((rollout.status.rollbackChecks?.length ?? 0) > 0) ops.push('rollback-verifications');
  return { startedAt: now, ops: ops.map((op) => ({ op })) };
}

/** The first operation not done yet, or undefined when the plan is complete. */
export function nextRollbackOp(plan: RollbackPlan): RollbackOp | undefined {
  return plan.ops.find((o) => o.doneAt === undefined)?.op;
}

/** The plan with `op` done, and the event that records it. */
export function markRollbackOp(plan: RollbackPlan, op: RollbackOp, detail: string, now: number): { plan: RollbackPlan; event: EventDraft } {
  const ops = plan.ops.map((o) => (o.op === op && o.doneAt === undefined ? { ...o, doneAt: now, detail } : o));
  const index = ops.findIndex((o) => o.op === op);
  const event: EventDraft = { type: EventType.RollbackProgressed, from: `${index + 1}/${ops.length}`, to: op, reason: `Rollback ${index + 1}/${ops.length} (${op}): ${detail}` };
  return { plan: { ...plan, ops }, event };
}
