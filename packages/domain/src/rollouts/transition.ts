import { SluiceError, ErrorCode } from '../errors.js';
import { Phase } from './phase.js';

/** What can happen to a rollout. Each maps some phases to one next phase; anything else is invalid. */
export type PhaseTrigger =
  | 'start'
  | 'pause'
  | 'resume'
  | 'stepsDone'
  | 'promoteFull'
  | 'promoted'
  | 'abort'
  | 'fail'
  | 'rolledBack';

type Table = Readonly<Record<PhaseTrigger, Readonly<Partial<Record<Phase, Phase>>>>>;

const ACTIVE = [Phase.Pending, Phase.Progressing, Phase.Paused, Phase.Promoting] as const;

function fromEach(phases: readonly Phase[], to: Phase): Partial<Record<Phase, Phase>> {
  return Object.fromEntries(phases.map((p) => [p, to]));
}

/**
 * The phase table, as data. `rolledBack` is resolved by `nextPhase` from the abort cause:
 * a person's abort ends Aborted, a failure ends Failed.
 */
export const PHASE_TABLE: Table = {
  start: { [Phase.Pending]: Phase.Progressing },
  pause: { [Phase.Progressing]: Phase.Paused },
  resume: { [Phase.Paused]: Phase.Progressing },
  stepsDone: { [Phase.Progressing]: Phase.Promoting },
  promoteFull: fromEach([Phase.Pending, Phase.Progressing, Phase.Paused], Phase.Promoting),
  promoted: { [Phase.Promoting]: Phase.Succeeded },
  abort: fromEach(ACTIVE, Phase.Aborting),
  fail: fromEach(ACTIVE, Phase.Aborting),
  rolledBack: { [Phase.Aborting]: Phase.Aborted },
};

export type AbortCause = 'user' | 'failure';

/**
 * Pure transition function. Throws INVALID_TRANSITION (with the phases that would accept the
 * trigger) when `trigger` does not apply to `phase`.
 */
export function nextPhase(phase: Phase, trigger: PhaseTrigger, cause: AbortCause = 'user'): Phase {
  const to = PHASE_TABLE[trigger][phase];
  if (to === undefined) {
    const accepted = Object.keys(PHASE_TABLE[trigger]).join(', ');
    throw new SluiceError(
      ErrorCode.INVALID_TRANSITION,
      `Cannot ${trigger} a rollout that is ${phase}: ${trigger} applies only to ${accepted}`,
      { details: { phase, trigger, accepted: Object.keys(PHASE_TABLE[trigger]) } },
    );
  }
  if (trigger === 'rolledBack' && cause === 'failure') return Phase.Failed;
  return to;
}

export function canTransition(phase: Phase, trigger: PhaseTrigger): boolean {
  return PHASE_TABLE[trigger][phase] !== undefined;
}
