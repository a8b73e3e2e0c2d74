import { isSluiceError, ErrorCode, markRollbackOp, patchRollout, planRollback, type RollbackOp } from '@sluice/domain';
import type { RollbackContext } from '../orchestrator/rollback.js';
import type { VerificationAction } from '../orchestrator/verification-actions.js';
import { failpoint } from '../platform/failpoint.js';
import { sameRulesAndMirror } from '../orchestrator/traffic-split.js';
import type { TargetRouting } from './target-routers.js';

function done(ctx: RollbackContext, op: RollbackOp, target: string, detail: string): VerificationAction {
  const { rollout, now } = ctx;
  const plan = rollout.status.rollbackPlan ?? planRollback(rollout, now);
  const marked = markRollbackOp(plan, op, detail, now, target);
  return { kind: 'change', change: patchRollout(rollout, { rollbackPlan: marked.plan, message: marked.event.reason }, now, [marked.event]) };
}

const missing = (error: unknown) => isSluiceError(error) && error.code === ErrorCode.SERVICE_NOT_FOUND;

/**
 * One rollback operation on one target's data plane: tell it to serve stable only, or see that it
 * does. Recorded when done, like the operations on the service's own data plane (rollback.ts); a
 * target that has no route for the service (removed meanwhile) has nothing to return.
 */
export async function advanceTargetRollback(ctx: RollbackContext, op: RollbackOp, target: string, targets: TargetRouting | undefined): Promise<VerificationAction> {
  const service = ctx.service.name;
  const router = targets?.routers.existing(target);
  if (router === undefined) return done(ctx, op, target, `target ${target} has no data plane here; nothing to return`);
  if (op === 'traffic') {
    failpoint('rollback.before-traffic');
    try {
      await router.setSplit(service, ctx.wanted, ctx.signal);
    } catch (error) {
      if (!missing(error)) throw error;
      return done(ctx, op, target, `target ${target} serves no route for ${service}`);
    }
    return done(ctx, op, target, `target ${target} was told to serve ${ctx.rollout.status.stable} only`);
  }
  failpoint('rollback.before-verify');
  const observed = await router.observeSplit(service, ctx.signal).catch((error: unknown) => (missing(error) ? undefined : Promise.reject(error)));
  if (observed === undefined) return done(ctx, op, target, `target ${target} serves no route for ${service}`);
  const canaryServed = observed.canary !== undefined && observed.weight > 0;
  if (canaryServed || !sameRulesAndMirror(observed, ctx.wanted)) return { kind: 'wait', why: `Returning traffic to stable on target ${target}` };
  return done(ctx, op, target, `target ${target} reports all traffic on ${ctx.rollout.status.stable}`);
}
