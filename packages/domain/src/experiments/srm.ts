/**
 * Sample-ratio mismatch: when the users counted per variant do not match the allocation, assignment or
 * logging is broken (a redirect that loses users, a bot filter that hits one variant, a crash in one
 * version), and no metric comparison can be trusted, however significant. GrowthBook, Statsig and
 * LaunchDarkly all run this check; like GrowthBook's default, p < 0.001 flags it: the check runs on
 * every report, so it must rarely fire by chance.
 */
import { chiSquareSurvival } from './distributions.js';

export const SRM_P_THRESHOLD = 0.001;

export interface SampleRatioMismatch {
  /** Pearson's χ² = Σ (observed − expected)²/expected. */
  readonly chi2: number;
  /** Number of variants − 1. */
  readonly df: number;
  readonly p: number;
  /** p < threshold. */
  readonly flagged: boolean;
  readonly threshold: number;
  /** Expected users per variant (in the order given) at the observed total. */
  readonly expected: readonly number[];
}

/**
 * χ² goodness-of-fit of the observed users per variant against the allocation weights (any positive
 * scale: percentages or fractions). With no users yet, χ² = 0 and p = 1.
 */
export function sampleRatioMismatch(observed: readonly number[], weights: readonly number[], threshold = SRM_P_THRESHOLD): SampleRatioMismatch {
  if (observed.length !== weights.length || observed.length < 2) throw new RangeError('sampleRatioMismatch: one weight per variant, two or more variants');
  const total = observed.reduce((s, o) => s + o, 0);
  const weightSum = weights.reduce((s, w) => s + w, 0);
  const expected = weights.map((w) => (total * w) / weightSum);
  let chi2 = 0;
  observed.forEach((o, i) => {
    const e = expected[i] ?? 0;
    if (e > 0) chi2 += ((o - e) * (o - e)) / e;
    else if (o > 0) chi2 = Infinity;
  });
  const df = observed.length - 1;
  const p = total > 0 ? chiSquareSurvival(chi2, df) : 1;
  return { chi2, df, p, flagged: p < threshold, threshold, expected };
}
