import {
  ErrorCode,
  isSluiceError,
  requestAbort,
  requestPromote,
  SluiceError,
  type Clock,
  type Rollout,
  type RolloutChange,
} from '@sluice/domain';
import { commitChange } from '../orchestrator/commit.js';
import type { Store } from '../store/store.js';

export interface CommandContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly actor: string;
}

const ATTEMPTS = 5;

/**
 * Applies a person's command to the stored rollout. Re-reads and retries when the controller
 * wrote in between, so a command is never lost to a race and never applied twice.
 */
async function command(
  ctx: CommandContext,
  name: string,
  decide: (r: Rollout, now: number, first: Rollout) => RolloutChange,
): Promise<Rollout> {
  let first: Rollout | undefined;
  for (let attempt = 1; ; attempt++) {
    const rollout = await ctx.store.rollouts.get(name);
    if (!rollout) throw new SluiceError(ErrorCode.ROLLOUT_NOT_FOUND, `Rollout "${name}" does not exist`, { details: { rollout: name } });
    first ??= rollout;
    const now = ctx.clock.now();
    try {
      return await commitChange(ctx.store, { rollout: decide(rollout, now, first), base: rollout }, { actor: ctx.actor, at: now });
    } catch (error) {
      if (attempt >= ATTEMPTS || !(isSluiceError(error) && error.code === ErrorCode.VERSION_CONFLICT)) throw error;
    }
  }
}

/**
 * `promote`: ends the current pause. `full`: skips every remaining step. A promote is meant for the
 * pause the rollout was in when the command arrived: if the controller moved on to another step
 * meanwhile, it fails with CONFLICT instead of ending a later pause nobody looked at.
 */
export function promoteRollout(ctx: CommandContext, name: string, full: boolean): Promise<Rollout> {
  return command(ctx, name, (r, now, first) => {
    if (!full && r.status.stepIndex !== first.status.stepIndex) {
      throw new SluiceError(
        ErrorCode.CONFLICT,
        `Rollout "${name}" moved from step ${first.status.stepIndex + 1} to step ${r.status.stepIndex + 1} while promote was being applied; nothing was changed. Check \`sluice status ${name}\` and promote again if you mean this step`,
        { details: { rollout: name, askedAtStep: first.status.stepIndex + 1, nowAtStep: r.status.stepIndex + 1 } },
      );
    }
    return requestPromote(r, full, now);
  });
}

/** `abort`: all traffic returns to stable; the rollout ends Aborted. */
export function abortRollout(ctx: CommandContext, name: string, reason: string | undefined): Promise<Rollout> {
  return command(ctx, name, (r, now) => requestAbort(r, 'user', reason?.trim() || `Aborted by ${ctx.actor}`, now));
}
