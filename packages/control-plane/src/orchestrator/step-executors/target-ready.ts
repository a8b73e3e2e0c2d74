import { formatDuration, pastProgressDeadline, requestAbort } from '@sluice/domain';
import { sameRulesAndMirror } from '../traffic-split.js';
import type { StepContext, StepProgress } from '../step-executor.js';

/**
 * Before a step sends traffic to the target: undefined when the target has a ready instance (with
 * `everyReplica`, all the instances it should have: a blue-green switch needs a full environment),
 * else a wait — or, past the progress deadline, the change that fails the rollout and rolls it back.
 */
export function untilTargetReady(ctx: StepContext, purpose: string, everyReplica = false): StepProgress | undefined {
  const { rollout } = ctx;
  const target = rollout.spec.target;
  const ready = ctx.readyBackends[target]?.length ?? 0;
  const wanted = everyReplica ? Math.max(1, ctx.desiredReplicas?.[target] ?? 1) : 1;
  if (ready >= wanted) return undefined;
  const every = `every instance of ${target} to be ready (${ready} of ${wanted})`;
  if (pastProgressDeadline(rollout, ctx.now)) {
    const waited = formatDuration(ctx.now - rollout.status.updatedAt);
    const missing = wanted === 1 ? `No ready instance of ${target}` : `Only ${ready} of ${wanted} instances of ${target} ready`;
    return { kind: 'change', change: requestAbort(rollout, 'failure', `${missing} for ${waited} (progress deadline): rolling back`, ctx.now) };
  }
  return { kind: 'wait', why: `Waiting for ${wanted === 1 ? `a ready instance of ${target}` : every} before ${purpose}` };
}

/**
 * The verify half of "record, then verify": done once the data plane reports exactly the rules and
 * mirror the stored rollout wants (the controller's syncTraffic applies them from the stored state).
 */
export async function verifyRulesServed(ctx: StepContext, what: string): Promise<StepProgress> {
  const observed = await ctx.traffic.observeSplit(ctx.rollout.spec.service, ctx.signal);
  if (!sameRulesAndMirror(observed, ctx.wantedSplit(ctx.rollout))) return { kind: 'wait', why: `Waiting for the data plane to serve ${what}` };
  return { kind: 'done', why: `the data plane serves ${what} (generation ${observed.generation})` };
}
