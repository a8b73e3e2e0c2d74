import {
  changeScale,
  stableEmptyWhileRollingBack,
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
import { revertMigration } from '../migrations/migration-actions.js';
import { failureText } from '../migrations/migration-errors.js';
import type { SchemaMigrator } from '../migrations/schema-migrator.js';
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
  /** Ready endpoints per version (a rolling rollout's `runtime` op waits for the stable's); absent: not waited for. */
  readonly readyBackends?: ((service: Service) => Readonly<Record<string, readonly string[]>>) | undefined;
  /** Restores the flags the rollout's setFlag steps changed; absent, a plan with a `flags` op waits. */
  readonly flags?: FlagRestorer | undefined;
  /** Runs the migration's down; absent, a plan with a `migration` op waits. */
  readonly migrator?: SchemaMigrator | undefined;
}

/**
 * Puts each flag environment a rollout changed back to its settings before the rollout (idempotent:
 * a flag already back is not written again) and says what it did.
 */
export interface FlagRestorer {
  restore(rollout: Rollout, now: number): Promise<string>;
}

function done(rollout: Rollout, op: Parameters<typeof markRollbackOp>[1], detail: string, now: number): VerificationAction {
  const plan = rollout.status.rollbackPlan ?? planRollback(rollout, now);
  const marked = markRollbackOp(plan, op, detail, now);
  return { kind: 'change', change: patchRollout(rollout, { rollbackPlan: marked.plan, message: marked.event.reason }, now, [marked.event]) };
}

/** The `migration` op: down, once no request reaches the target; a failure is retried on the next pass. */
async function revertSchema(ctx: RollbackContext): Promise<VerificationAction> {
  const { rollout, now } = ctx;
  if (ctx.migrator === undefined) return { kind: 'wait', why: 'Rolling back: no migration runner to run down with' };
  try {
    const reverted = await revertMigration(rollout, ctx.migrator, now);
    const marked = done(reverted.change.rollout, 'migration', reverted.detail, now);
    return marked.kind === 'change' ? { kind: 'change', change: { rollout: marked.change.rollout, events: [...reverted.change.events, ...marked.change.events] } } : marked;
  } catch (error) {
    return { kind: 'wait', why: `Rolling back: down failed, retrying: ${failureText(error)}`, until: now + 2000 };
  }
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
 * A rolling rollout's `runtime` op, once the data plane serves only the stable: the stable back to its
 * spec's replicas and the target to 0 (recorded in `status.scale`, which the service reconcile hands
 * to the runtime: the target's instances leave the table, drain, then stop), done once the stable has
 * them all ready. Idempotent: the scale is written only when it differs.
 */
function restoreScale(ctx: RollbackContext): VerificationAction {
  const { rollout, service, now } = ctx;
  const { stable } = rollout.status;
  const { target } = rollout.spec;
  const source = service.spec.versions[stable];
  const replicas = source?.kind === 'run' ? source.run.replicas : 0;
  const scale = rollout.status.scale ?? {};
  if (scale[stable] !== replicas || scale[target] !== 0) {
    const reason = `Rolling back: ${stable} to ${replicas} instance(s), ${target} to 0 (no traffic reaches ${target})`;
    return { kind: 'change', change: changeScale(rollout, { [stable]: replicas, [target]: 0 }, reason, now) };
  }
  const ready = ctx.readyBackends?.(service)[stable]?.length ?? replicas;
  if (ready < replicas) return { kind: 'wait', why: `Rolling back: waiting for ${replicas} ready instance(s) of ${stable} (${ready} so far)` };
  return done(rollout, 'runtime', `${stable} runs ${replicas} ready instance(s), ${target} none`, now);
}

/**
 * Traffic goes back first, to the stable's instances still serving: the steps lower the stable only
 * after the weight moved, so it has at least the instances it had before the batch that failed. With
 * maxSurge 0 the stable may have none left: then the data plane keeps the target's split (domain
 * stableEmptyWhileRollingBack), the service reconcile starts the stable again at once, and once one of
 * its instances is ready its replicas are recorded, which releases the traffic to it. The `runtime`
 * op then waits for all of them.
 */
function stableFirst(ctx: RollbackContext): VerificationAction | undefined {
  const { rollout, service, now } = ctx;
  if (!stableEmptyWhileRollingBack(rollout)) return undefined;
  const { stable } = rollout.status;
  const ready = ctx.readyBackends?.(service)[stable]?.length ?? 1;
  if (ready === 0) return { kind: 'wait', why: `Rolling back: waiting for a ready instance of ${stable} before returning traffic to it` };
  const source = service.spec.versions[stable];
  const replicas = source?.kind === 'run' ? source.run.replicas : 0;
  const reason = `Rolling back: ${stable} has a ready instance again (${replicas} wanted); traffic returns to it`;
  return { kind: 'change', change: changeScale(rollout, { [stable]: replicas }, reason, now) };
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
    case 'traffic': {
      failpoint('rollback.before-traffic');
      const first = stableFirst(ctx);
      if (first !== undefined) return first;
      await traffic.setSplit(service.name, wanted, signal);
      return done(rollout, 'traffic', `the data plane was told to serve ${rollout.status.stable} only`, now);
    }
    case 'flags': {
      failpoint('rollback.before-flags');
      if (ctx.flags === undefined) return { kind: 'wait', why: 'Rolling back: no flag store to restore the flags with' };
      return done(rollout, 'flags', await ctx.flags.restore(rollout, now), now);
    }
    case 'verify': {
      failpoint('rollback.before-verify');
      const observed = await traffic.observeSplit(service.name, signal);
      const canaryServed = observed.canary !== undefined && observed.weight > 0;
      if (canaryServed || !sameRulesAndMirror(observed, wanted)) return { kind: 'wait', why: 'Returning traffic to stable' };
      return done(rollout, 'verify', `the data plane reports all traffic on ${rollout.status.stable}`, now);
    }
    case 'migration':
      failpoint('rollback.before-migration');
      return revertSchema(ctx);
    case 'runtime':
      failpoint('rollback.before-runtime');
      return restoreScale(ctx);
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
