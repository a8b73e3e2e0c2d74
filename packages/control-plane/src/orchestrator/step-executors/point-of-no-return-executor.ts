import { passPointOfNoReturn, type PointOfNoReturnStep } from '@sluice/domain';
import type { StepExecutor, StepProgress } from '../step-executor.js';

/** pointOfNoReturn: records it (once), then the step is done. */
export const pointOfNoReturnExecutor: StepExecutor<PointOfNoReturnStep> = {
  kind: 'pointOfNoReturn',
  async advance(step, ctx): Promise<StepProgress> {
    const { rollout, now } = ctx;
    if (rollout.status.pointOfNoReturn === undefined) return { kind: 'change', change: passPointOfNoReturn(rollout, step.reason, now) };
    return { kind: 'done', why: `past the point of no return: ${step.reason}` };
  },
};
