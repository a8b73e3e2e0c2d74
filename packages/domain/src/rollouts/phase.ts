/** Where a rollout is in its life. Terminal phases never change again. */
export const Phase = {
  /** Accepted; the controller has not started it yet. */
  Pending: 'Pending',
  /** Executing steps. */
  Progressing: 'Progressing',
  /** Waiting: a timed pause (status.pauseUntil set) or until `promote`. */
  Paused: 'Paused',
  /** All steps done or `promote --full`: moving 100 % to the target and making it stable. */
  Promoting: 'Promoting',
  /** The target is the new stable. Terminal. */
  Succeeded: 'Succeeded',
  /** Returning all traffic to stable after `abort` or a failure. */
  Aborting: 'Aborting',
  /** Aborted by a person; stable serves everyone. Terminal. */
  Aborted: 'Aborted',
  /** Rolled back because something failed; stable serves everyone. Terminal. */
  Failed: 'Failed',
} as const;
export type Phase = (typeof Phase)[keyof typeof Phase];

export const TERMINAL_PHASES: ReadonlySet<Phase> = new Set([Phase.Succeeded, Phase.Aborted, Phase.Failed]);

export function isTerminal(phase: Phase): boolean {
  return TERMINAL_PHASES.has(phase);
}
