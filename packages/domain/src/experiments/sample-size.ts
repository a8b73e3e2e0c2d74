/**
 * How many users each variant needs before the fixed-horizon tests may be read: the classic
 * closed forms for a two-sided test at level alpha with the given power, equal group sizes.
 */
import { normalQuantile } from '../analysis/normal.js';

/**
 * Users per group to detect a change from rate `baseline` to rate `expected` with the pooled two-
 * proportion z-test (Fleiss, without continuity correction): the null variance is the pooled one, as
 * in the test, the alternative's is unpooled:
 *   n = (z_{1−α/2}·√(2·p̄(1 − p̄)) + z_{power}·√(p₁(1 − p₁) + p₂(1 − p₂)))² / (p₂ − p₁)²,  p̄ = (p₁ + p₂)/2,
 * rounded up. NaN when a rate is outside (0, 1) or the two are equal.
 */
export function twoProportionSampleSize(baseline: number, expected: number, alpha: number, power: number): number {
  if (!(baseline > 0 && baseline < 1 && expected > 0 && expected < 1) || baseline === expected) return NaN;
  const za = normalQuantile(1 - alpha / 2);
  const zb = normalQuantile(power);
  const mean = (baseline + expected) / 2;
  const root = za * Math.sqrt(2 * mean * (1 - mean)) + zb * Math.sqrt(baseline * (1 - baseline) + expected * (1 - expected));
  return Math.ceil((root * root) / ((expected - baseline) * (expected - baseline)));
}

/**
 * Users per group to detect a difference of means `difference` when each value has variance
 * `variance` (normal approximation, which the t-test matches at these sizes):
 *   n = 2σ²(z_{1−α/2} + z_{power})² / δ², rounded up. NaN unless variance ≥ 0 and δ ≠ 0.
 */
export function twoMeanSampleSize(variance: number, difference: number, alpha: number, power: number): number {
  if (!(variance >= 0 && Number.isFinite(variance)) || !(Math.abs(difference) > 0)) return NaN;
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  return Math.ceil((2 * variance * z * z) / (difference * difference));
}
