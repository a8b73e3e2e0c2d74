import { changeMirror, type SetMirrorStep } from '@sluice/domain';
import type { StepExecutor, StepProgress } from '../step-executor.js';
import { untilTargetReady, verifyRulesServed } from './target-ready.js';

/**
 * setMirror: records the share of requests copied to the target (0 stops it), then waits until the
 * data plane serves that mirror. Mirrored responses are discarded by the data plane.
 */
export const setMirrorExecutor: StepExecutor<SetMirrorStep> = {
  kind: 'setMirror',
  async advance(step, ctx): Promise<StepProgress> {
    const { rollout } = ctx;
    const target = rollout.spec.target;
    const notReady = step.percent > 0 ? untilTargetReady(ctx, 'mirroring to it') : undefined;
    if (notReady) return notReady;
    const mirror = step.percent === 0 ? undefined : { version: target, percent: step.percent, maxBodyBytes: step.maxBodyBytes };
    const changed = changeMirror(rollout, mirror, ctx.now);
    if (changed.events.length > 0) return { kind: 'change', change: changed };
    return verifyRulesServed(ctx, step.percent === 0 ? 'no mirror' : `a ${step.percent}% mirror to ${target}`);
  },
};
