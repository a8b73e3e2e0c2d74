import { ErrorCode, SluiceError } from '../errors.js';
import { EventType, type EventDraft } from '../events/release-event.js';
import { describeMirror, describeRule } from '../traffic/describe-rule.js';
import type { MirrorSpec, RouteRuleSpec } from '../traffic/routing.js';
import { sameJson } from '../traffic/split.js';
import { describeStep } from './step.js';
import { planRollback } from './rollback-plan.js';
import { Phase } from './phase.js';
import type { Hold, Rollout, RolloutChange, RolloutStatus } from './rollout.js';
import { nextPhase, type AbortCause, type PhaseTrigger } from './transition.js';

/**
 * Pure state changes of a rollout. Each returns the new rollout and the events that record it;
 * none performs I/O. The controller persists both in one transaction.
 */

/** Fields to set; `undefined` clears an optional field. */
export type StatusPatch = { [K in keyof RolloutStatus]?: RolloutStatus[K] | undefined };

/** Applies a status patch (undefined clears a field), stamps updatedAt and carries the events. */
export function patchRollout(rollout: Rollout, patch: StatusPatch, now: number, events: readonly EventDraft[]): RolloutChange {
  return change(rollout, patch, now, events);
}

function change(rollout: Rollout, patch: StatusPatch, now: number, events: readonly EventDraft[]): RolloutChange {
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
    stepState: undefined,
    hold: undefined,
    holdReleased: undefined,
    message: events[0]?.reason ?? '',
  };
  const moved = change(rollout, patch, now, events);
  if (index + 1 < steps.length) return moved;
  const done = transition(moved.rollout, 'stepsDone', 'All steps completed');
  const cleared = clearTrafficRules(moved.rollout, 'promoting');
  return change(moved.rollout, { phase: done.to, message: done.event.reason, ...cleared.patch }, now, [...events, done.event, ...cleared.events]);
}

/** `promote`: skips the current pause. `promote --full`: skips every remaining step. */
export function requestPromote(rollout: Rollout, full: boolean, now: number): RolloutChange {
  if (full) {
    const { to, event } = transition(rollout, 'promoteFull', 'Full promotion requested: skipping remaining steps');
    const cleared = clearTrafficRules(rollout, 'promoting');
    const patch: StatusPatch = { phase: to, pausedAt: undefined, pauseUntil: undefined, hold: undefined, holdReleased: undefined, message: event.reason, ...cleared.patch };
    return change(rollout, patch, now, [event, ...cleared.events]);
  }
  if (rollout.status.hold !== undefined) return releaseHold(rollout, now);
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

/** A person's promote while an analysis holds the rollout: the analysis goes on, a pause the hold made ends. */
function releaseHold(rollout: Rollout, now: number): RolloutChange {
  const hold = rollout.status.hold;
  if (hold === undefined) return { rollout, events: [] };
  if (hold.source === 'manual') {
    const reason = `Promote: the manual pause ends, as resume would (${hold.reason}); a pause step still waits for its own end`;
    return releaseManualHold(rollout, hold, reason, {}, now, 'promote');
  }
  const reason = `Promote: going on past the held ${hold.source === 'background' ? 'background analysis' : 'analysis'} (${hold.reason})`;
  const events: EventDraft[] = [{ type: EventType.CommandAccepted, to: 'promote', reason }];
  let patch: StatusPatch = { hold: undefined, holdReleased: hold.source, message: reason };
  if (hold.paused) {
    const resumed = transition(rollout, 'resume', reason);
    events.push(resumed.event);
    patch = { ...patch, phase: resumed.to, pausedAt: undefined, pauseUntil: undefined };
  }
  return change(rollout, patch, now, events);
}

/**
 * Ends a manual hold (a person's pause) with a CommandAccepted event `to` resume (or promote, when a
 * person's promote released it) and, when the hold paused the rollout, the PhaseChanged back to
 * Progressing. Unlike the other holds it leaves `holdReleased` alone: no analysis is waiting on it.
 */
export function releaseManualHold(rollout: Rollout, hold: Hold, reason: string, data: Record<string, unknown>, now: number, command: 'resume' | 'promote'): RolloutChange {
  const events: EventDraft[] = [{ type: EventType.CommandAccepted, to: command, reason, ...(Object.keys(data).length > 0 ? { data } : {}) }];
  let patch: StatusPatch = { hold: undefined, message: reason };
  if (hold.paused && rollout.status.phase === Phase.Paused) {
    const resumed = transition(rollout, 'resume', reason);
    events.push(resumed.event);
    patch = { ...patch, phase: resumed.to, pausedAt: undefined, pauseUntil: undefined };
  }
  return change(rollout, patch, now, events);
}

/**
 * Starts rolling back. Past the point of no return a failure does not roll back (what was done cannot
 * be undone): the rollout is held for a person with the reason, and a person's abort needs `force`.
 */
export function requestAbort(rollout: Rollout, cause: AbortCause, reason: string, now: number, force = false): RolloutChange {
  const ponr = rollout.status.pointOfNoReturn;
  if (ponr !== undefined && cause === 'failure') return holdPastPointOfNoReturn(rollout, reason, now);
  if (ponr !== undefined && !force) {
    throw new SluiceError(
      ErrorCode.INVALID_TRANSITION,
      `Rollout "${rollout.name}" is past its point of no return (step ${ponr.step + 1}: ${ponr.reason}); rolling back would not undo that. Fix forward, or abort with --force to return traffic to ${rollout.status.stable} anyway`,
      { details: { rollout: rollout.name, pointOfNoReturn: ponr, command: 'abort' } },
    );
  }
  const { to, event } = transition(rollout, cause === 'user' ? 'abort' : 'fail', reason, cause);
  const cleared = clearTrafficRules(rollout, 'aborting');
  const patch: StatusPatch = { phase: to, abortCause: cause, pauseUntil: undefined, hold: undefined, rollbackPlan: planRollback(rollout, now), message: reason, ...cleared.patch };
  return change(rollout, patch, now, [event, ...cleared.events]);
}

/** A failure past the point of no return: hold for a person instead of rolling back, and say why. */
function holdPastPointOfNoReturn(rollout: Rollout, reason: string, now: number): RolloutChange {
  const ponr = rollout.status.pointOfNoReturn;
  const why = `${reason} — not rolling back: past the point of no return at step ${(ponr?.step ?? 0) + 1} (${ponr?.reason ?? ''}). Fix forward and promote, or abort --force`;
  const held = rollout.status.hold;
  // A person's pause gives way: the failure is what the person must now decide about.
  if (held !== undefined && held.source !== 'manual') return { rollout, events: [] };
  const hold = { source: 'irreversible' as const, reason: why, at: now, paused: rollout.status.phase === Phase.Progressing || held?.paused === true };
  const events: EventDraft[] = [{ type: EventType.GuardBreached, to: 'hold', reason: why, data: { pointOfNoReturn: true } }];
  if (rollout.status.phase !== Phase.Progressing) return change(rollout, { hold, message: why }, now, events);
  const paused = transition(rollout, 'pause', why);
  return change(rollout, { hold, phase: paused.to, pausedAt: now, message: why }, now, [...events, paused.event]);
}

/** Records that the rollout did what cannot be undone: from now on failures hold instead of rolling back. */
export function passPointOfNoReturn(rollout: Rollout, reason: string, now: number): RolloutChange {
  const step = rollout.status.stepIndex;
  const why = `Point of no return passed at step ${step + 1}: ${reason}`;
  return change(rollout, { pointOfNoReturn: { step, at: now, reason }, message: why }, now, [{ type: EventType.CommandAccepted, to: 'point-of-no-return', reason: why }]);
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

/**
 * Adds the rollout rule `rule.name`, or replaces the rule of that name where it stands (rules keep
 * the order in which steps first added them). A no-op, with no event, when it is already so.
 */
export function setRolloutRule(rollout: Rollout, rule: RouteRuleSpec, now: number): RolloutChange {
  const rules = rollout.status.rules ?? [];
  const index = rules.findIndex((r) => r.name === rule.name);
  const old = rules[index];
  if (old !== undefined && sameJson(old, rule)) return { rollout, events: [] };
  const next = index < 0 ? [...rules, rule] : rules.map((r, i) => (i === index ? rule : r));
  const reason = `Route ${describeRule(rule)}${old === undefined ? ' added' : ' replaced'}`;
  const event: EventDraft = { type: EventType.RouteChanged, from: old === undefined ? 'none' : describeRule(old), to: describeRule(rule), reason, data: { rule: rule.name } };
  return change(rollout, { rules: next, message: reason }, now, [event]);
}

/** Removes the rollout rule `name`; a no-op when there is none. */
export function removeRolloutRule(rollout: Rollout, name: string, now: number): RolloutChange {
  const rules = rollout.status.rules ?? [];
  const old = rules.find((r) => r.name === name);
  if (old === undefined) return { rollout, events: [] };
  const next = rules.filter((r) => r.name !== name);
  const reason = `Route ${name} removed`;
  const event: EventDraft = { type: EventType.RouteChanged, from: describeRule(old), to: 'none', reason, data: { rule: name } };
  return change(rollout, { rules: next.length === 0 ? undefined : next, message: reason }, now, [event]);
}

/** Records the mirroring the rollout wants (undefined or 0 % stops it); a no-op when unchanged. */
export function changeMirror(rollout: Rollout, mirror: MirrorSpec | undefined, now: number): RolloutChange {
  const wanted = mirror === undefined || mirror.percent === 0 ? undefined : mirror;
  const old = rollout.status.mirror;
  if (sameJson(old, wanted)) return { rollout, events: [] };
  const reason = wanted === undefined ? 'Mirroring stopped' : `Mirroring ${describeMirror(wanted)}`;
  const event: EventDraft = {
    type: EventType.MirrorChanged,
    from: `${old?.percent ?? 0}%`,
    to: `${wanted?.percent ?? 0}%`,
    reason,
    data: wanted === undefined ? {} : { version: wanted.version, maxBodyBytes: wanted.maxBodyBytes },
  };
  return change(rollout, { mirror: wanted, message: reason }, now, [event]);
}

/** Removes every rollout rule and the mirror as the rollout stops steering traffic (abort or promotion). */
function clearTrafficRules(rollout: Rollout, why: 'aborting' | 'promoting'): { patch: StatusPatch; events: EventDraft[] } {
  const { rules, mirror } = rollout.status;
  const events: EventDraft[] = [];
  const because = why === 'aborting' ? 'the rollout is aborting' : 'the rollout is promoting';
  if (rules !== undefined && rules.length > 0) {
    const names = rules.map((r) => r.name).join(', ');
    events.push({ type: EventType.RouteChanged, from: names, to: 'none', reason: `Routes ${names} removed: ${because}`, data: { rules: rules.map((r) => r.name) } });
  }
  if (mirror !== undefined) {
    events.push({ type: EventType.MirrorChanged, from: `${mirror.percent}%`, to: '0%', reason: `Mirroring stopped: ${because}`, data: {} });
  }
  return { patch: { rules: undefined, mirror: undefined }, events };
}
