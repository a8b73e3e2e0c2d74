import {
  approveStep,
  type ApprovalPolicy,
  ErrorCode,
  isSluiceError,
  requestAbort,
  rejectRollout as rejectChange,
  requestPause,
  requestPromote,
  requestResume,
  SluiceError,
  type Clock,
  type Rollout,
  type RolloutChange,
} from '@sluice/domain';
import { auditChange, withChange } from '../events/audit-change.js';
import { commitChange } from '../orchestrator/commit.js';
import type { Store } from '../store/store.js';

export interface CommandContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly actor: string;
  /** The client IP address of the request, recorded with the events (see http/request-source.ts). */
  readonly source?: string | undefined;
  /** The server's approval policy (sluice server --no-self-approval). */
  readonly approvalPolicy?: ApprovalPolicy | undefined;
}

/** What a command changes of a rollout, as its events' before/after show it. */
export function rolloutState(r: Rollout) {
  const state = r.status.stepState?.stepIndex === r.status.stepIndex ? r.status.stepState : undefined;
  const confirmed = (state?.checklist ?? []).filter((i) => i.confirmed !== undefined).map((i) => i.name);
  return {
    phase: r.status.phase,
    step: r.status.stepIndex + 1,
    weight: r.status.canaryWeight,
    ...(r.status.hold ? { hold: r.status.hold.source } : {}),
    ...(state?.approval ? { approvedBy: state.approval.by } : {}),
    ...(confirmed.length > 0 ? { confirmed } : {}),
  };
}

/** Each event of a person's command gets the rollout's state before and after it. */
function audited(change: RolloutChange, base: Rollout): RolloutChange {
  const diff = auditChange(rolloutState(base), rolloutState(change.rollout));
  return { ...change, events: change.events.map((e) => ({ ...e, data: withChange(e.data, diff) })) };
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
    const change = decide(rollout, now, first);
    // Nothing to record (approving what is already approved): answer the rollout as it is.
    if (change.rollout === rollout && change.events.length === 0) return rollout;
    try {
      return await commitChange(ctx.store, { rollout: audited(change, rollout), base: rollout }, { actor: ctx.actor, at: now, source: ctx.source });
    } catch (error) {
      if (attempt >= ATTEMPTS || !(isSluiceError(error) && error.code === ErrorCode.VERSION_CONFLICT)) throw error;
    }
  }
}

/** The CONFLICT of a command meant for the step the rollout was at when it arrived, after the controller moved on. */
function movedOn(name: string, command: string, first: Rollout, now: Rollout): SluiceError {
  return new SluiceError(
    ErrorCode.CONFLICT,
    `Rollout "${name}" moved from step ${first.status.stepIndex + 1} to step ${now.status.stepIndex + 1} while ${command} was being applied; nothing was changed. Check \`sluice status ${name}\` and ${command} again if you mean this step`,
    { details: { rollout: name, askedAtStep: first.status.stepIndex + 1, nowAtStep: now.status.stepIndex + 1 } },
  );
}

/**
 * `promote`: ends the current pause. `full`: skips every remaining step. A promote is meant for the
 * pause the rollout was in when the command arrived: if the controller moved on to another step
 * meanwhile, it fails with CONFLICT instead of ending a later pause nobody looked at.
 */
export function promoteRollout(ctx: CommandContext, name: string, full: boolean): Promise<Rollout> {
  return command(ctx, name, (r, now, first) => {
    if (!full && r.status.stepIndex !== first.status.stepIndex) throw movedOn(name, 'promote', first, r);
    return requestPromote(r, full, now);
  });
}

/** `abort`: all traffic returns to stable; the rollout ends Aborted. */
export function abortRollout(ctx: CommandContext, name: string, reason: string | undefined, force = false): Promise<Rollout> {
  return command(ctx, name, (r, now) => requestAbort(r, 'user', reason?.trim() || `Aborted by ${ctx.actor}`, now, force));
}

export interface ApproveOptions {
  /** Why, recorded with the approval (trimmed, at most 2000 characters kept). */
  readonly comment?: string | undefined;
  /** The checklist instruction being confirmed; optional when exactly one waits. */
  readonly item?: string | undefined;
}

/**
 * `approve`: lets the current approval step go on, or confirms a checklist instruction. Like promote,
 * it is meant for the step the rollout was at when it arrived: CONFLICT if the controller moved on.
 * FORBIDDEN when the step names approvers and the actor is not one of them.
 */
export function approveRollout(ctx: CommandContext, name: string, options: ApproveOptions = {}): Promise<Rollout> {
  return command(ctx, name, (r, now, first) => {
    if (r.status.stepIndex !== first.status.stepIndex) throw movedOn(name, 'approve', first, r);
    return approveStep(r, ctx.actor, options.comment, options.item, now, ctx.approvalPolicy);
  });
}

/** `reject`: aborts the rollout (traffic back to stable), recording who rejected it and why. */
export function rejectRollout(ctx: CommandContext, name: string, comment: string | undefined): Promise<Rollout> {
  return command(ctx, name, (r, now) => rejectChange(r, ctx.actor, comment, now));
}

/** `pause`: holds the rollout for a person; no step advances until `resume` (the guardian and abort still act). */
export function pauseRollout(ctx: CommandContext, name: string, reason: string | undefined): Promise<Rollout> {
  return command(ctx, name, (r, now) => requestPause(r, ctx.actor, reason, now));
}

/** `resume`: releases a pause made with `pause`; INVALID_TRANSITION when there is none. */
export function resumeRollout(ctx: CommandContext, name: string, comment: string | undefined): Promise<Rollout> {
  return command(ctx, name, (r, now) => requestResume(r, ctx.actor, comment, now));
}
