import { changeWeight, type SetWeightStep } from '@sluice/domain';
import type { StepExecutor, StepProgress } from '../step-executor.js';
import { untilTargetReady } from './target-ready.js';

/**
 * setWeight: first records the wanted weight (an event, once), then waits until the data plane
 * reports it is serving exactly that split (set, then verify). Traffic itself is moved by the
 * controller's syncTraffic action, from the stored status, so a crash never applies it twice.
 */
export const setWeightExecutor: StepExecutor<SetWeightStep> = {
  kind: 'setWeight',
  async advance(step, ctx): Promise<StepProgress> {
    const { rollout } = ctx;
    const target = rollout.spec.target;
    // A blue-green switch moves everyone at once: green must first be a full environment.
    const everyReplica = step.weight === 100 && rollout.spec.strategy.kind === 'blueGreen';
    const notReady = step.weight > 0 ? untilTargetReady(ctx, everyReplica ? 'switching to it' : 'sending it traffic', everyReplica) : undefined;
    if (notReady) return notReady;
    if (rollout.status.canaryWeight !== step.weight) {
      return { kind: 'change', change: changeWeight(rollout, step.weight, ctx.now) };
    }
    const observed = await ctx.traffic.observeSplit(rollout.spec.service, ctx.signal);
    const serving = observed.canary === target && observed.weight === step.weight && observed.salt === rollout.name;
    if (!serving) return { kind: 'wait', why: `Waiting for the data plane to serve ${step.weight}% on ${target}` };
    return { kind: 'done', why: `the data plane serves ${step.weight}% on ${target} (generation ${observed.generation})` };
  },
};
