import {
  finishAbort,
  markRollbackOp,
  nextRollbackEntry,
  patchRollout,
  planRollback,
  Phase,
  type Rollout,
  type RolloutChange,
  type Service,
  type TrafficSplit,
} from '@sluice/domain';
import type { AnalysisDeps } from '../analysis/run-analysis.js';
import { failpoint } from '../platform/failpoint.js';
import type { TrafficRouter } from '../traffic/traffic-router.js';
import { sameRulesAndMirror } from './traffic-split.js';
import { rollbackChecks, rollbackFailures, type VerificationAction } from './verification-actions.js';
import { advanceTargetRollback } from '../waves/target-rollback.js';
import type { TargetRouting } from '../waves/target-routers.js';

export interface RollbackContext {
  readonly rollout: Rollout;
  readonly service: Service;
  /** The split the data plane must serve now (stable only, without the rollout's rules and mirror). */
  readonly wanted: TrafficSplit;
  readonly traffic: TrafficRouter;
  readonly analysis: AnalysisDeps | undefined;
  readonly now: number;
  readonly signal: AbortSignal;
  /** The Targets' data planes: a waves rollout's plan has operations on each target it touched. */
  readonly targets?: TargetRouting | undefined;
}

function done(rollout: Rollout, op: Parameters<typeof markRollbackOp>[1], detail: string, now: number): VerificationAction {
  const plan = rollout.status.rollbackPlan ?? planRollback(rollout, now);
  const marked = markRollbackOp(plan, op, detail, now);
  return { kind: 'change', change: patchRollout(rollout, { rollbackPlan: marked.plan, message: marked.event.reason }, now, [marked.event]) };
}

/** Aborted or Failed, with failed rollback verifications (if any) written into the final message. */
function finish(rollout: Rollout, now: number): RolloutChange {
  const finished = finishAbort(rollout, now);
  const failures = rollbackFailures(rollout);
  if (failures === undefined) return finished;
  const message = `${finished.rollout.status.message}; ${failures}`;
  return { ...patchRollout(finished.rollout, { message }, now, []), events: finished.events.map((e) => ({ ...e, reason: message })) };
}

/**
 * One step of the rollback plan: tell the data plane to serve stable only, see that it does, run the
 * rollback verifications, then end the rollout. Each operation is idempotent and recorded when done, so
 * after a crash the next process continues with the first one not recorded. The failpoints
 * `rollback.before-<op>` (here) and `rollback.after-<op>` (commit.ts, once the op's record is
 * committed) are where the crash tests kill the process.
 */
export async function advanceRollback(ctx: RollbackContext): Promise<VerificationAction> {
  const { rollout, service, wanted, traffic, now, signal } = ctx;
  if (rollout.status.phase !== Phase.Aborting) return { kind: 'none' };
  const plan = rollout.status.rollbackPlan ?? planRollback(rollout, now);
  const next = nextRollbackEntry(plan);
  if (next?.target !== undefined) return advanceTargetRollback(ctx, next.op, next.target, ctx.targets);
  switch (next?.op) {
    case 'traffic':
      failpoint('rollback.before-traffic');
      await traffic.setSplit(service.name, wanted, signal);
      return done(rollout, 'traffic', `the data plane was told to serve ${rollout.status.stable} only`, now);
    case 'verify': {
      failpoint('rollback.before-verify');
      const observed = await traffic.observeSplit(service.name, signal);
      const canaryServed = observed.canary !== undefined && observed.weight > 0;
      if (canaryServed || !sameRulesAndMirror(observed, wanted)) return { kind: 'wait', why: 'Returning traffic to stable' };
      return done(rollout, 'verify', `the data plane reports all traffic on ${rollout.status.stable}`, now);
    }
    case 'rollback-verifications': {
      failpoint('rollback.before-rollback-verifications');
      const checked = await rollbackChecks(rollout, ctx.analysis, now, signal);
      if (checked.kind !== 'none') return checked;
      return done(rollout, 'rollback-verifications', rollbackFailures(rollout) ?? 'every rollback verification passed', now);
    }
    case undefined:
      return { kind: 'change', change: finish(rollout, now) };
  }
}
