import { ErrorCode, SluiceError } from '../errors.js';
import { EventType, type EventDraft } from '../events/release-event.js';
import { describeStep } from './step.js';
import { Phase } from './phase.js';
import type { Rollout, RolloutChange, RolloutStatus } from './rollout.js';
import { nextPhase, type AbortCause, type PhaseTrigger } from './transition.js';

/**
 * Pure state changes of a rollout. Each returns the new rollout and the events that record it;
 * none performs I/O. The controller persists both in one transaction.
 */

/** Fields to set; `undefined` clears an optional field. */
type StatusPatch = { [K in keyof RolloutStatus]?: RolloutStatus[K] | undefined };

function change(rollout: Rollout, patch: StatusPatch, now: number, events: EventDraft[]): RolloutChange {
  const status = dropUndefined({ ...rollout.status, ...patch, updatedAt: now });
  return { rollout: { ...rollout, status }, events };
}

/** Removes cleared fields, so stored status never carries `undefined` (JSON round-trips exactly). */
function dropUndefined(merged: StatusPatch): RolloutStatus {
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as unknown as RolloutStatus;
}

function phaseEvent(from: Phase, to: Phase, reason: string): EventDraft {
  return { type: EventType.PhaseChanged, from, to, reason };
}

function transition(rollout: Rollout, trigger: PhaseTrigger, reason: string, cause?: AbortCause) {
  const from = rollout.status.phase;
  const to = nextPhase(from, trigger, cause ?? rollout.status.abortCause ?? 'user');
  return { to, event: phaseEvent(from, to, reason) };
}

export function startRollout(rollout: Rollout, now: number): RolloutChange {
  const { to, event } = transition(rollout, 'start', `Started rolling out ${rollout.spec.target}`);
  return change(rollout, { phase: to, message: event.reason }, now, [event]);
}

/** Records the canary weight the controller now wants; traffic follows from it. */
export function changeWeight(rollout: Rollout, weight: number, now: number): RolloutChange {
  const from = rollout.status.canaryWeight;
  if (from === weight) return { rollout, events: [] };
  const reason = `Canary ${rollout.spec.target} weight ${from}% → ${weight}%`;
  const event: EventDraft = { type: EventType.WeightChanged, from: `${from}`, to: `${weight}`, reason };
  return change(rollout, { canaryWeight: weight, message: reason }, now, [event]);
}

/** Enters the pause of the current step; the deadline is stored so it survives restarts. */
export function enterPause(rollout: Rollout, durationMs: number | undefined, now: number): RolloutChange {
  const reason =
    durationMs === undefined
      ? `Paused at step ${rollout.status.stepIndex + 1} until promoted`
      : `Paused at step ${rollout.status.stepIndex + 1} for ${durationMs / 1000}s`;
  const { to, event } = transition(rollout, 'pause', reason);
  const pauseUntil = durationMs === undefined ? undefined : now + durationMs;
  const patch: StatusPatch = { phase: to, pausedAt: now, pauseUntil, message: reason };
  return change(rollout, patch, now, [{ ...event, data: pauseUntil === undefined ? {} : { pauseUntil } }]);
}

/** Marks the current step done and moves on; after the last step the rollout starts promoting. */
export function completeStep(rollout: Rollout, now: number, why: string): RolloutChange {
  const steps = rollout.spec.strategy.steps;
  const index = rollout.status.stepIndex;
  const step = steps[index];
  const events: EventDraft[] = [];
  const stepText = step ? describeStep(step) : 'step';
  events.push({
    type: EventType.StepCompleted,
    from: `${index + 1}`,
    to: `${index + 2}`,
    reason: `Step ${index + 1}/${steps.length} (${stepText}) completed: ${why}`,
    data: { step: index, kind: step?.kind ?? 'unknown' },
  });
  let phase = rollout.status.phase;
  if (phase === Phase.Paused) {
    const resumed = transition({ ...rollout }, 'resume', why);
    phase = resumed.to;
    events.push(resumed.event);
  }
  const patch: StatusPatch = {
    phase,
    stepIndex: index + 1,
    pausedAt: undefined,
    pauseUntil: undefined,
    promoteRequested: undefined,
    message: events[0]?.reason ?? '',
  };
  const moved = change(rollout, patch, now, events);
  if (index + 1 < steps.length) return moved;
  const done = transition(moved.rollout, 'stepsDone', 'All steps completed');
  return change(moved.rollout, { phase: done.to, message: done.event.reason }, now, [...events, done.event]);
}

/** `promote`: skips the current pause. `promote --full`: skips every remaining step. */
export function requestPromote(rollout: Rollout, full: boolean, now: number): RolloutChange {
  if (full) {
    const { to, event } = transition(rollout, 'promoteFull', 'Full promotion requested: skipping remaining steps');
    const patch: StatusPatch = { phase: to, pausedAt: undefined, pauseUntil: undefined, message: event.reason };
    return change(rollout, patch, now, [event]);
  }
  if (rollout.status.phase !== Phase.Paused) {
    throw new SluiceError(
      ErrorCode.INVALID_TRANSITION,
      `Cannot promote rollout "${rollout.name}": it is ${rollout.status.phase}, and promote ends a pause (use --full to skip every remaining step of an active rollout)`,
      { details: { phase: rollout.status.phase, command: 'promote', accepted: [Phase.Paused] } },
    );
  }
  const reason = 'Promote requested: the current pause ends';
  const event: EventDraft = { type: EventType.CommandAccepted, to: 'promote', reason };
  return change(rollout, { promoteRequested: true, message: reason }, now, [event]);
}

export function requestAbort(rollout: Rollout, cause: AbortCause, reason: string, now: number): RolloutChange {
  const { to, event } = transition(rollout, cause === 'user' ? 'abort' : 'fail', reason, cause);
  const patch: StatusPatch = { phase: to, abortCause: cause, pauseUntil: undefined, message: reason };
  return change(rollout, patch, now, [event]);
}

/** Traffic is back on stable: the abort is complete. */
export function finishAbort(rollout: Rollout, now: number): RolloutChange {
  const reason = `All traffic is back on stable ${rollout.status.stable}`;
  const { to, event } = transition(rollout, 'rolledBack', reason);
  const patch: StatusPatch = { phase: to, canaryWeight: 0, pausedAt: undefined, message: reason, finishedAt: now };
  return change(rollout, patch, now, [event]);
}

/** The target serves 100 % and is now the stable version. */
export function finishPromotion(rollout: Rollout, now: number): RolloutChange {
  const reason = `${rollout.spec.target} is now stable`;
  const { to, event } = transition(rollout, 'promoted', reason);
  const patch: StatusPatch = {
    phase: to,
    canaryWeight: 100,
    stepIndex: rollout.spec.strategy.steps.length,
    message: reason,
    finishedAt: now,
  };
  return change(rollout, patch, now, [event]);
}
