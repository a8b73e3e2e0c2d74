import { removeRolloutRule, segmentRouteName, setRolloutRule, type SetSegmentRouteStep } from '@sluice/domain';
import type { StepExecutor, StepProgress } from '../step-executor.js';
import { untilTargetReady, verifyRulesServed } from './target-ready.js';

/**
 * setSegmentRoute: records a rollout rule (named `segment:<name>`) sending the segment's requests
 * to the target, or its removal, then waits until the data plane serves the rules exactly. The
 * rule names the segment; its conditions are inlined on every pass, so editing the Segment takes
 * effect on the next pass.
 */
export const setSegmentRouteExecutor: StepExecutor<SetSegmentRouteStep> = {
  kind: 'setSegmentRoute',
  async advance(step, ctx): Promise<StepProgress> {
    const { rollout } = ctx;
    const name = segmentRouteName(step.segment);
    if (step.remove === true) {
      const removed = removeRolloutRule(rollout, name, ctx.now);
      if (removed.events.length > 0) return { kind: 'change', change: removed };
      return verifyRulesServed(ctx, `the rules without segment ${step.segment}`);
    }
    if (ctx.segments(step.segment) === undefined) {
      return { kind: 'wait', why: `Segment ${step.segment} does not exist: apply it, or abort the rollout` };
    }
    const notReady = untilTargetReady(ctx, `routing segment ${step.segment} to it`);
    if (notReady) return notReady;
    const rule = { name, conditions: [{ kind: 'segment' as const, segment: step.segment }], action: { kind: 'version' as const, version: rollout.spec.target } };
    const set = setRolloutRule(rollout, rule, ctx.now);
    if (set.events.length > 0) return { kind: 'change', change: set };
    return verifyRulesServed(ctx, `segment ${step.segment} on ${rollout.spec.target}`);
  },
};
