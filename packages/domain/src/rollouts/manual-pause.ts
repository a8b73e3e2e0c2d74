import { ErrorCode, SluiceError } from '../errors.js';
import { EventType, type EventDraft } from '../events/release-event.js';
import { Phase } from './phase.js';
import { patchRollout, releaseManualHold, type StatusPatch } from './progress.js';
import type { Hold, Rollout, RolloutChange } from './rollout.js';
import { nextPhase } from './transition.js';

/**
 * A person's pause and resume. A pause is a `manual` hold: no step advances while it stands (the
 * guardian, the background analysis and abort go on). Pure: the control plane stores the result
 * with its events in one transaction.
 */

/** Longest pause reason and resume comment kept (as the API's limits for abort's reason and approve's comment). */
const MAX_REASON = 1_000;
const MAX_COMMENT = 2_000;

/** Phases a pause applies to. */
export const PAUSABLE_PHASES: readonly Phase[] = [Phase.Progressing, Phase.Paused];

function clean(text: string | undefined, max: number): string | undefined {
  const trimmed = text?.trim().slice(0, max);
  return trimmed ? trimmed : undefined;
}

function refused(rollout: Rollout, command: 'pause' | 'resume', why: string, accepted: readonly string[]): SluiceError {
  return new SluiceError(ErrorCode.INVALID_TRANSITION, `Cannot ${command} rollout "${rollout.name}": ${why}`, {
    details: { rollout: rollout.name, phase: rollout.status.phase, command, accepted, ...(rollout.status.hold ? { hold: rollout.status.hold.source } : {}) },
  });
}

/**
 * Holds the rollout for a person: a Progressing rollout becomes Paused (the hold paused it, so resume
 * goes on); one already Paused at a pause step keeps its phase and deadline, and the hold keeps that
 * pause from ending while it stands. Pausing again changes nothing. INVALID_TRANSITION when the
 * rollout is not Progressing or Paused, or when another hold already waits for a person.
 */
export function requestPause(rollout: Rollout, actor: string, reason: string | undefined, now: number): RolloutChange {
  const { phase, hold } = rollout.status;
  if (!PAUSABLE_PHASES.includes(phase)) {
    throw refused(rollout, 'pause', `it is ${phase}, and pause applies only to ${PAUSABLE_PHASES.join(', ')}`, PAUSABLE_PHASES);
  }
  if (hold?.source === 'manual') return { rollout, events: [] };
  if (hold !== undefined) {
    throw refused(rollout, 'pause', `it already waits for a person (${hold.source}: ${hold.reason}); promote goes on, abort rolls back`, []);
  }
  const why = clean(reason, MAX_REASON);
  const text = `Paused by ${actor}${why ? `: ${why}` : ''}`;
  const paused = phase === Phase.Progressing;
  const manual: Hold = { source: 'manual', reason: text, at: now, paused };
  const events: EventDraft[] = [{ type: EventType.CommandAccepted, to: 'pause', reason: text, data: { by: actor, ...(why ? { reason: why } : {}) } }];
  let patch: StatusPatch = { hold: manual, message: text };
  if (paused) {
    const to = nextPhase(phase, 'pause');
    events.push({ type: EventType.PhaseChanged, from: phase, to, reason: text });
    patch = { ...patch, phase: to, pausedAt: now, pauseUntil: undefined };
  }
  return patchRollout(rollout, patch, now, events);
}

/**
 * Releases a manual hold: Paused → Progressing when the hold paused the rollout; a pause step's own
 * pause goes on (and ends at once if its deadline passed meanwhile). INVALID_TRANSITION when no
 * manual hold stands.
 */
export function requestResume(rollout: Rollout, actor: string, comment: string | undefined, now: number): RolloutChange {
  const hold = rollout.status.hold;
  if (hold?.source !== 'manual') {
    const what = hold === undefined ? `it is ${rollout.status.phase} and not paused by a person` : `it waits for a person because of its ${hold.source} hold (${hold.reason}): promote goes on, abort rolls back`;
    throw refused(rollout, 'resume', `${what}; resume releases only a pause made with \`sluice pause\``, [PAUSABLE_PHASES.join(' or ') + ' with a manual hold']);
  }
  const why = clean(comment, MAX_COMMENT);
  const text = `Resumed by ${actor}${why ? `: ${why}` : ''}`;
  return releaseManualHold(rollout, hold, text, { by: actor, ...(why ? { comment: why } : {}) }, now, 'resume');
}
