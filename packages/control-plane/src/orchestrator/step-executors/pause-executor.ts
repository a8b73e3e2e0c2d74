import { enterPause, formatDuration, Phase, type PauseStep } from '@sluice/domain';
import type { StepExecutor, StepProgress } from '../step-executor.js';

/**
 * pause: enters Paused with the deadline stored in status (not a timer), so the pause survives
 * restarts and ends at the same moment whichever process is running then.
 */
export const pauseExecutor: StepExecutor<PauseStep> = {
  kind: 'pause',
  async advance(step, ctx): Promise<StepProgress> {
    const { status } = ctx.rollout;
    if (status.phase !== Phase.Paused || status.pausedAt === undefined) {
      return { kind: 'change', change: enterPause(ctx.rollout, step.durationMs, ctx.now) };
    }
    if (status.promoteRequested) return { kind: 'done', why: 'promoted' };
    if (status.pauseUntil === undefined) return { kind: 'wait', why: 'Waiting for promote' };
    if (ctx.now >= status.pauseUntil) {
      return { kind: 'done', why: `pause of ${formatDuration(status.pauseUntil - status.pausedAt)} elapsed` };
    }
    return { kind: 'wait', why: `Paused until ${new Date(status.pauseUntil).toISOString()}`, until: status.pauseUntil };
  },
};
