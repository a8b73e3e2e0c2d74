/**
 * One step of a canary strategy. A discriminated union: later issues add kinds (analysis, checklist,
 * approval, migration, flag), each with its own StepExecutor in the control plane.
 */
export type Step = SetWeightStep | PauseStep;

/** Sends `weight` percent of traffic to the canary. 0..100, in steps of 0.01 (10,000 buckets). */
export interface SetWeightStep {
  readonly kind: 'setWeight';
  readonly weight: number;
}

/** Waits `durationMs`, or for `promote` when no duration is given. */
export interface PauseStep {
  readonly kind: 'pause';
  readonly durationMs?: number;
}

export type StepKind = Step['kind'];

/** One line a human reads: "setWeight 20", "pause 30s", "pause (until promoted)". */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'setWeight':
      return `setWeight ${step.weight}`;
    case 'pause':
      return step.durationMs === undefined ? 'pause (until promoted)' : `pause ${step.durationMs / 1000}s`;
  }
}

/** The smallest weight change the data plane can express: one bucket of 10,000. */
export const WEIGHT_RESOLUTION = 0.01;

export function isValidWeight(weight: number): boolean {
  return Number.isFinite(weight) && weight >= 0 && weight <= 100 && Math.abs(weight * 100 - Math.round(weight * 100)) < 1e-9;
}
