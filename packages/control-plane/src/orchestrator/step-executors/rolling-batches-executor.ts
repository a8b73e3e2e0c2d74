import {
  changeScale,
  changeWeight,
  formatDuration,
  nextRollingAction,
  pastProgressDeadline,
  requestAbort,
  rollingPlan,
  type RollingBatchesStep,
  type Rollout,
} from '@sluice/domain';
import type { StepContext, StepExecutor, StepProgress } from '../step-executor.js';

/**
 * rollingBatches (the `rolling` strategy): the target's instances replace the stable's in the batches
 * domain rolling.ts computes for the stable's replicas. Each pass does one thing, decided from the
 * stored status (`status.scale` and the weight are the cursor): raise the target's replicas, wait
 * until that many target instances are ready and every part of the data plane routes to them, move
 * the weight to the target's share, wait until the data plane serves it, lower the stable's replicas.
 * The service reconcile hands `status.scale` to the runtime; lowering goes through the runtime's
 * scale-down (out of the table, drained, SIGTERM, SIGKILL after the grace period).
 */
export const rollingBatchesExecutor: StepExecutor<RollingBatchesStep> = {
  kind: 'rollingBatches',
  async advance(step, ctx): Promise<StepProgress> {
    const { rollout, now } = ctx;
    const { target } = rollout.spec;
    const { stable } = rollout.status;
    const replicas = ctx.desiredReplicas?.[stable] ?? 1;
    const at = {
      target: rollout.status.scale?.[target] ?? 0,
      stable: rollout.status.scale?.[stable] ?? replicas,
      weight: rollout.status.canaryWeight,
      targetAvailable: await availableInstances(ctx, target),
    };
    const action = nextRollingAction(rollingPlan(step, replicas), at);
    const of = (batch: number) => `batch ${batch}`;
    switch (action.kind) {
      case 'scaleTarget':
        return change(rollout, { [stable]: at.stable, [target]: action.replicas }, `${of(action.batch)}: ${target} to ${action.replicas} instance(s)`, now);
      case 'awaitTarget':
        return untilAvailable(ctx, at.targetAvailable, action.replicas, of(action.batch));
      case 'setWeight':
        return { kind: 'change', change: changeWeight(rollout, action.weight, now) };
      case 'scaleStable': {
        // The stable's last instances go at promotion (retired, drained), so a rollback until then has instances to return to.
        if (action.replicas === 0 && at.target >= replicas) return done(target, stable, replicas, at.stable);
        const observed = await ctx.traffic.observeSplit(rollout.spec.service, ctx.signal);
        if (observed.canary !== target || observed.weight !== at.weight || observed.salt !== rollout.name) {
          return { kind: 'wait', why: `${of(action.batch)}: waiting for the data plane to serve ${at.weight}% on ${target} before removing ${stable} instances` };
        }
        return change(rollout, { [stable]: action.replicas }, `${of(action.batch)}: ${stable} to ${action.replicas} instance(s) (the data plane serves ${at.weight}% on ${target})`, now);
      }
      case 'done':
        return done(target, stable, replicas, at.stable);
    }
  },
};

function done(target: string, stable: string, replicas: number, stableLeft: number): StepProgress {
  const left = stableLeft === 0 ? `${stable} runs none` : `${stable} keeps ${stableLeft} instance(s) until promotion`;
  return { kind: 'done', why: `${target} runs ${replicas} instance(s) and serves 100%; ${left}` };
}

function change(rollout: Rollout, scale: Record<string, number>, reason: string, now: number): StepProgress {
  return { kind: 'change', change: changeScale(rollout, scale, reason, now) };
}

/** Ready instances of `version` that every part of the data plane routes new requests to. */
async function availableInstances(ctx: StepContext, version: string): Promise<number> {
  let count = 0;
  for (const endpoint of ctx.readyBackends[version] ?? []) {
    const use = await ctx.traffic.upstreamUse(ctx.rollout.spec.service, endpoint, ctx.signal);
    if (use.routed === 'all') count++;
  }
  return count;
}

/** A wait for the batch's target instances, or past the progress deadline the failure that rolls back. */
function untilAvailable(ctx: StepContext, available: number, wanted: number, batch: string): StepProgress {
  const { rollout, now } = ctx;
  const { target } = rollout.spec;
  if (pastProgressDeadline(rollout, now)) {
    const waited = formatDuration(now - rollout.status.updatedAt);
    const reason = `${batch}: only ${available} of ${wanted} instance(s) of ${target} ready and routed for ${waited} (progress deadline): rolling back`;
    return { kind: 'change', change: requestAbort(rollout, 'failure', reason, now) };
  }
  return { kind: 'wait', why: `${batch}: waiting for ${wanted} instance(s) of ${target} to be ready and routed (${available} so far)` };
}
