/**
 * The fixed-horizon frequentist tests of a treatment against the control, from sufficient statistics:
 * the two-proportion z-test for conversion metrics and Welch's t-test for mean metrics, each with a
 * confidence interval for the difference and for the relative lift. All p-values are two-sided.
 *
 * Unlike the canary judges (analysis/sequential.ts), these are valid only when read once, at the
 * planned sample size: the experiment report enforces that by withholding a result until every
 * variant has reached it.
 */
import { normalCdf, normalQuantile } from '../analysis/normal.js';
import { studentTCriticalValue, studentTTwoSidedP } from './distributions.js';
import type { ConversionStats, MeanStats } from './experiment-spec.js';

/** A treatment against the control. Differences are treatment − control; NaN where undefined. */
export interface TwoSampleComparison {
  /** The control's and the treatment's rate (conversion) or mean. */
  readonly controlValue: number;
  readonly treatmentValue: number;
  readonly difference: number;
  /** The unpooled standard error of the difference (the one behind the interval). */
  readonly standardError: number;
  /** z (conversion) or t (mean). */
  readonly statistic: number;
  /** Welch–Satterthwaite degrees of freedom; Infinity for the z-test. */
  readonly degreesOfFreedom: number;
  readonly pValue: number;
  /** 1 − alpha two-sided interval for the difference. */
  readonly interval: readonly [number, number];
  /** treatment/control − 1; NaN when the control's value is 0. */
  readonly relativeLift: number;
  /** 1 − alpha interval for the relative lift, by the delta method. */
  readonly relativeInterval: readonly [number, number];
}

const NAN_PAIR: readonly [number, number] = Object.freeze([NaN, NaN]) as readonly [number, number];

/**
 * The relative lift r = T/C − 1 and its interval r ± critical·SE by the delta method (first-order
 * Taylor expansion of T/C, the two estimates independent):
 *   Var(T/C) ≈ Var(T)/C² + T²·Var(C)/C⁴.
 * It is symmetric around r, which understates the upside when the control is noisy; with the sample
 * sizes an experiment waits for, the asymmetry is small.
 */
export function relativeLiftInterval(
  control: number, treatment: number, controlVariance: number, treatmentVariance: number, critical: number,
): { readonly lift: number; readonly interval: readonly [number, number] } {
  if (control === 0 || !Number.isFinite(control)) return { lift: NaN, interval: NAN_PAIR };
  const lift = treatment / control - 1;
  const c2 = control * control;
  const se = Math.sqrt(treatmentVariance / c2 + (treatment * treatment * controlVariance) / (c2 * c2));
  return { lift, interval: [lift - critical * se, lift + critical * se] };
}

/**
 * Two-proportion z-test of H0: p_t = p_c.
 * - The test statistic uses the pooled standard error, √(p̄(1 − p̄)(1/n_c + 1/n_t)) with
 *   p̄ = (x_c + x_t)/(n_c + n_t): under H0 both rates are p̄, so that is the variance to test with
 *   (the same z as R's prop.test(correct = FALSE), whose χ² is z²).
 * - The interval for the difference uses the unpooled (Wald) standard error
 *   √(p_c(1 − p_c)/n_c + p_t(1 − p_t)/n_t): away from H0 the rates differ.
 * So at the boundary p can be just below alpha while the interval just touches 0, or the reverse; the
 * report's significance follows the p-value. Empty sides give NaN; equal rates of 0 or 1 give z = 0, p = 1.
 */
export function twoProportionZTest(control: ConversionStats, treatment: ConversionStats, alpha = 0.05): TwoSampleComparison {
  const [nc, nt] = [control.users, treatment.users];
  const pc = nc > 0 ? control.conversions / nc : NaN;
  const pt = nt > 0 ? treatment.conversions / nt : NaN;
  const difference = pt - pc;
  const pooled = (control.conversions + treatment.conversions) / (nc + nt);
  const pooledSe = Math.sqrt(pooled * (1 - pooled) * (1 / nc + 1 / nt));
  const statistic = pooledSe > 0 ? difference / pooledSe : difference === 0 ? 0 : NaN;
  const pValue = Number.isNaN(statistic) ? NaN : Math.min(1, 2 * normalCdf(-Math.abs(statistic)));
  const [vc, vt] = [(pc * (1 - pc)) / nc, (pt * (1 - pt)) / nt];
  const standardError = Math.sqrt(vc + vt);
  const z = normalQuantile(1 - alpha / 2);
  const relative = relativeLiftInterval(pc, pt, vc, vt, z);
  return {
    controlValue: pc, treatmentValue: pt, difference, standardError, statistic, degreesOfFreedom: Infinity, pValue,
    interval: [difference - z * standardError, difference + z * standardError],
    relativeLift: relative.lift, relativeInterval: relative.interval,
  };
}

/**
 * Mean and unbiased variance from n, Σx and Σx²: (Σx² − Σx·x̄)/(n − 1), never below 0 (rounding);
 * variance NaN below two values.
 */
export function meanAndVariance(stats: MeanStats): { readonly mean: number; readonly variance: number } {
  const mean = stats.n > 0 ? stats.sum / stats.n : NaN;
  const variance = stats.n > 1 ? Math.max(0, (stats.sumSquares - stats.sum * mean) / (stats.n - 1)) : NaN;
  return { mean, variance };
}

/**
 * Welch's t-test of H0: μ_t = μ_c, which does not assume equal variances:
 *   t = (x̄_t − x̄_c)/SE, SE = √(s_c²/n_c + s_t²/n_t),
 *   ν = SE⁴ / ((s_c²/n_c)²/(n_c − 1) + (s_t²/n_t)²/(n_t − 1))   (Welch–Satterthwaite),
 * p = P(|T_ν| ≥ |t|), and the interval (x̄_t − x̄_c) ± t_{1−α/2, ν}·SE. The relative lift's delta-method
 * interval uses the same critical value. Fewer than two values on a side give NaN; two constant sides
 * (SE = 0) give p = 1 when the means are equal and 0 when they differ, with ν = n_c + n_t − 2.
 */
export function welchTTest(control: MeanStats, treatment: MeanStats, alpha = 0.05): TwoSampleComparison {
  const c = meanAndVariance(control);
  const t = meanAndVariance(treatment);
  const difference = t.mean - c.mean;
  const [vc, vt] = [c.variance / control.n, t.variance / treatment.n];
  const standardError = Math.sqrt(vc + vt);
  let [statistic, degreesOfFreedom, pValue] = [NaN, NaN, NaN];
  if (standardError > 0) {
    statistic = difference / standardError;
    degreesOfFreedom = (vc + vt) ** 2 / ((vc * vc) / (control.n - 1) + (vt * vt) / (treatment.n - 1));
    pValue = studentTTwoSidedP(statistic, degreesOfFreedom);
  } else if (standardError === 0) {
    statistic = difference === 0 ? 0 : Math.sign(difference) * Infinity;
    degreesOfFreedom = control.n + treatment.n - 2;
    pValue = difference === 0 ? 1 : 0;
  }
  const critical = standardError > 0 ? studentTCriticalValue(alpha, degreesOfFreedom) : 0;
  const relative = relativeLiftInterval(c.mean, t.mean, vc, vt, critical);
  return {
    controlValue: c.mean, treatmentValue: t.mean, difference, standardError, statistic, degreesOfFreedom, pValue,
    interval: [difference - critical * standardError, difference + critical * standardError],
    relativeLift: relative.lift, relativeInterval: relative.interval,
  };
}
