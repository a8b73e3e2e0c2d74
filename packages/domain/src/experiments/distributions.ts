/**
 * Student's t and chi-square tails for the experiment tests. The normal distribution (Φ, Φ⁻¹) and
 * ln Γ already exist for the canary judges (analysis/normal.ts, analysis/sequential.ts) and are reused;
 * what the judges never needed is here: the regularized incomplete beta function (for t) and the
 * regularized upper incomplete gamma function (for chi-square), both by the classic series / continued
 * fraction split (Numerical Recipes §6.2 and §6.4, modified Lentz), to about 1e-13 relative (see
 * LARGE_DF for t with very many degrees of freedom).
 */
import { normalCdf, normalQuantile } from '../analysis/normal.js';
import { logGamma } from '../analysis/sequential.js';

const EPSILON = 1e-16;
const TINY = 1e-300;
const MAX_ITERATIONS = 10_000;
const LOG_GAMMA_HALF = 0.5 * Math.log(Math.PI);

/**
 * ln B(a, b). For b = ½ and large a (the t distribution at many degrees of freedom) ln Γ(a) and
 * ln Γ(a + ½) are huge and nearly equal, so their difference comes from its asymptotic series instead
 * (error below 4e-15 from a = 20 on), which keeps p-values accurate for experiments with millions of users.
 */
function logBeta(a: number, b: number): number {
  if (b === 0.5 && a >= 20) {
    const inv = 1 / a;
    const inv2 = inv * inv;
    const ratio = -0.5 * Math.log(a) + inv * (1 / 8 + inv2 * (-1 / 192 + inv2 * (1 / 640 - (17 / 14336) * inv2)));
    return LOG_GAMMA_HALF + ratio;
  }
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** The continued fraction of I_x(a, b) (converges fast for x < (a + 1)/(a + b + 2)). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < TINY ? TINY : d);
  let h = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    for (const coefficient of [(m * (b - m) * x) / ((a + m2 - 1) * (a + m2)), (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1))]) {
      d = 1 + coefficient * d;
      d = 1 / (Math.abs(d) < TINY ? TINY : d);
      c = 1 + coefficient / c;
      if (Math.abs(c) < TINY) c = TINY;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < EPSILON) return h;
  }
  return h;
}

/**
 * The regularized incomplete beta function I_x(a, b), a, b > 0. `complement` is 1 − x, passed
 * separately when the caller has it more accurately than 1 − x (near x = 1).
 */
export function regularizedIncompleteBeta(x: number, a: number, b: number, complement = 1 - x): number {
  if (Number.isNaN(x) || Number.isNaN(complement)) return NaN;
  if (x <= 0) return 0;
  if (complement <= 0) return 1;
  const logX = x < 0.5 ? Math.log(x) : Math.log1p(-complement);
  const logY = complement < 0.5 ? Math.log(complement) : Math.log1p(-x);
  const front = Math.exp(a * logX + b * logY - logBeta(a, b));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(complement, b, a)) / b;
}

/**
 * Beyond this many degrees of freedom the continued fraction, whose x sits near its switch point for
 * the usual t values, converges too slowly for its stopping rule; Abramowitz & Stegun 26.7.8 (a normal
 * deviate corrected to O(1/ν²), as R's pt does past the same point) is then within 1e-12 absolute
 * (1e-8 relative far in the tail) of the exact value; below it the continued fraction is within 2e-11
 * relative (checked against 40-digit arithmetic).
 */
const LARGE_DF = 4e5;

/**
 * P(|T| ≥ |t|) for Student's t with `df` > 0 degrees of freedom (not necessarily whole: Welch's are
 * not): I_{ν/(ν+t²)}(ν/2, ½). Infinite df is the normal distribution.
 */
export function studentTTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  if (df === Infinity) return 2 * normalCdf(-Math.abs(t));
  if (!Number.isFinite(t)) return 0;
  if (df > LARGE_DF) {
    const w = 1 / (4 * df);
    return 2 * normalCdf((-Math.abs(t) * (1 - w)) / Math.sqrt(1 + t * t * 2 * w));
  }
  const t2 = t * t;
  return regularizedIncompleteBeta(df / (df + t2), df / 2, 0.5, t2 / (df + t2));
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = studentTTwoSidedP(t, df) / 2;
  return t < 0 ? tail : 1 - tail;
}

/** The density of Student's t, for Newton steps in the quantile. */
function studentTDensity(t: number, df: number): number {
  const logNormaliser = -logBeta(df / 2, 0.5) - 0.5 * Math.log(df);
  return Math.exp(logNormaliser - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/**
 * The t value with P(|T| ≥ t) = `twoSidedP` (so the 1 − α/2 quantile for twoSidedP = α): Newton's
 * method on the two-sided tail from the normal quantile, kept inside a bracket that bisection narrows
 * whenever a step would leave it. Converges to the last few bits for df ≥ 0.5.
 */
export function studentTCriticalValue(twoSidedP: number, df: number): number {
  if (!(twoSidedP > 0 && twoSidedP <= 1) || !(df > 0)) return NaN;
  const z = normalQuantile(1 - twoSidedP / 2);
  if (df === Infinity || twoSidedP === 1) return df === Infinity ? z : 0;
  let [lo, hi] = [0, Math.max(1, z)];
  while (studentTTwoSidedP(hi, df) > twoSidedP) [lo, hi] = [hi, hi * 2];
  let t = Math.min(Math.max(z + (z * z * z + z) / (4 * df), lo), hi);
  for (let i = 0; i < 200; i++) {
    const excess = studentTTwoSidedP(t, df) - twoSidedP;
    if (excess > 0) lo = t;
    else hi = t;
    let next = t + excess / (2 * studentTDensity(t, df));
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - t) <= 4 * Number.EPSILON * Math.abs(next) || hi - lo <= 4 * Number.EPSILON * hi) return next;
    t = next;
  }
  return t;
}

/** The quantile of Student's t: the t with P(T ≤ t) = p. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  if (p === 0.5) return 0;
  const magnitude = studentTCriticalValue(2 * Math.min(p, 1 - p), df);
  return p < 0.5 ? -magnitude : magnitude;
}

/** Q(a, x) = Γ(a, x)/Γ(a) by the continued fraction (for x ≥ a + 1). */
function upperGammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    d = 1 / (Math.abs(d) < TINY ? TINY : d);
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    h *= d * c;
    if (Math.abs(d * c - 1) < EPSILON) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/** P(a, x) = γ(a, x)/Γ(a) by its series (for x < a + 1). */
function lowerGammaSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n <= MAX_ITERATIONS; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPSILON) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
}

/** The regularized upper incomplete gamma function Q(a, x), a ≥ 0.5, x ≥ 0. */
export function regularizedUpperGamma(a: number, x: number): number {
  if (Number.isNaN(a) || Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  return x < a + 1 ? 1 - lowerGammaSeries(a, x) : upperGammaContinuedFraction(a, x);
}

/** P(X ≥ x) for a chi-square variable with `df` degrees of freedom: Q(df/2, x/2). */
export function chiSquareSurvival(x: number, df: number): number {
  if (!(df > 0)) return NaN;
  return regularizedUpperGamma(df / 2, x / 2);
}
