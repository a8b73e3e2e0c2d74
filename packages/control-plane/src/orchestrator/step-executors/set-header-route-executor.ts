import { removeRolloutRule, setRolloutRule, type SetHeaderRouteStep } from '@sluice/domain';
import type { StepExecutor, StepProgress } from '../step-executor.js';
import { untilTargetReady, verifyRulesServed } from './target-ready.js';

/**
 * setHeaderRoute: records the rollout rule sending matching requests to the target (or, without
 * `match`, its removal), then waits until the data plane serves the rollout's rules exactly.
 */
export const setHeaderRouteExecutor: StepExecutor<SetHeaderRouteStep> = {
  kind: 'setHeaderRoute',
  async advance(step, ctx): Promise<StepProgress> {
    const { rollout } = ctx;
    if (step.match === undefined) {
      const removed = removeRolloutRule(rollout, step.name, ctx.now);
      if (removed.events.length > 0) return { kind: 'change', change: removed };
      return verifyRulesServed(ctx, `the rules without route ${step.name}`);
    }
    const notReady = untilTargetReady(ctx, `routing ${step.name} to it`);
    if (notReady) return notReady;
    const rule = { name: step.name, conditions: step.match, action: { kind: 'version' as const, version: rollout.spec.target } };
    const set = setRolloutRule(rollout, rule, ctx.now);
    if (set.events.length > 0) return { kind: 'change', change: set };
    return verifyRulesServed(ctx, `route ${step.name} to ${rollout.spec.target}`);
  },
};
