/**
 * An independent statistics reference for the experiment tests: every formula written out again, with
 * none of the module's numerics (no Cody erfc, no Lanczos ln Γ, no incomplete beta or gamma):
 * - erfc by its Taylor series (|x| < 3) or Laplace's continued fraction (beyond);
 * - ln Γ by Stirling's series after shifting the argument past 15;
 * - Student's t tail by Simpson's rule on the density (ν ≥ 1); quantiles by bisection;
 * - chi-square tails by their closed forms for 1, 2 and 3 degrees of freedom;
 * - Welch's test from the raw values (two-pass mean and variance), not from sums.
 */

export function refErfc(x: number): number {
  if (x < 0) return 2 - refErfc(-x);
  if (x < 3) {
    // erf(x) = 2/√π · e^{−x²} · Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)): all terms positive, no cancellation.
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  }
  // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated from the bottom.
  let fraction = x;
  for (let k = 300; k >= 1; k--) fraction = x + k / 2 / fraction;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / fraction;
}

/** P(Z ≥ z). */
export const refNormalUpper = (z: number): number => 0.5 * refErfc(z / Math.SQRT2);

/** Bisection for a decreasing function f on [lo, hi]: the x with f(x) = target. */
function bisectDecreasing(f: (x: number) => number, target: number, lo: number, hi: number): number {
  let [a, b] = [lo, hi];
  for (let i = 0; i < 80; i++) {
    const mid = (a + b) / 2;
    if (f(mid) > target) a = mid;
    else b = mid;
  }
  return (a + b) / 2;
}

/** The z with P(Z ≥ z) = upper. */
export const refNormalUpperQuantile = (upper: number): number => bisectDecreasing(refNormalUpper, upper, -40, 40);

export function refLogGamma(x: number): number {
  let shift = 0;
  let y = x;
  while (y < 15) {
    shift += Math.log(y);
    y += 1;
  }
  const inv = 1 / y;
  const inv2 = inv * inv;
  const series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 / 1680)));
  return (y - 0.5) * Math.log(y) - y + 0.5 * Math.log(2 * Math.PI) + series - shift;
}

/** The density of Student's t with ν degrees of freedom. */
export function refTDensityOf(df: number): (t: number) => number {
  const logC = refLogGamma((df + 1) / 2) - refLogGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  return (t) => Math.exp(logC - ((df + 1) / 2) * Math.log(1 + (t * t) / df));
}

/**
 * P(|T| ≥ |t|) = 2∫_{|t|}^∞ f(u) du, with u = |t|/s: 2∫₀¹ f(|t|/s)·|t|/s² ds by Simpson's rule with
 * 20,000 intervals. Integrating the tail itself keeps tiny p-values accurate relative to their size.
 * For ν ≥ 1 (the integrand at s = 0 is 0 for ν > 1 and 1/(π|t|) for ν = 1).
 */
export function refTTwoSided(t: number, df: number): number {
  const a = Math.abs(t);
  if (a === 0) return 1;
  const density = refTDensityOf(df);
  const integrand = (s: number): number => (s === 0 ? (df === 1 ? 1 / (Math.PI * a) : 0) : (density(a / s) * a) / (s * s));
  const steps = 20_000;
  const h = 1 / steps;
  let sum = integrand(0) + integrand(1);
  for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * integrand(i * h);
  return (2 * sum * h) / 3;
}

/** The t with P(|T| ≥ t) = twoSided. */
export const refTCritical = (twoSided: number, df: number): number => bisectDecreasing((t) => refTTwoSided(t, df), twoSided, 0, 100);

/** P(χ²_df ≥ x) in closed form for df = 1, 2, 3. */
export function refChiSquareUpper(x: number, df: 1 | 2 | 3): number {
  if (df === 1) return refErfc(Math.sqrt(x / 2));
  if (df === 2) return Math.exp(-x / 2);
  return refErfc(Math.sqrt(x / 2)) + Math.sqrt((2 * x) / Math.PI) * Math.exp(-x / 2);
}

export interface RefComparison {
  readonly control: number;
  readonly treatment: number;
  readonly diff: number;
  readonly statistic: number;
  readonly df: number;
  readonly p: number;
  readonly ciLow: number;
  readonly ciHigh: number;
  readonly lift: number;
  readonly liftLow: number;
  readonly liftHigh: number;
}

/** Delta-method interval of T/C − 1 with the estimates' variances. */
function refLift(c: number, t: number, varC: number, varT: number, critical: number): [number, number, number] {
  const lift = t / c - 1;
  const se = Math.sqrt(varT / (c * c) + (t * t * varC) / (c ** 4));
  return [lift, lift - critical * se, lift + critical * se];
}

/** Pooled-SE z and p; unpooled (Wald) interval; delta-method lift. */
export function refTwoProportion(x1: number, n1: number, x2: number, n2: number, alpha = 0.05): RefComparison {
  const [p1, p2] = [x1 / n1, x2 / n2];
  const pooled = (x1 + x2) / (n1 + n2);
  const z = (p2 - p1) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  const [v1, v2] = [(p1 * (1 - p1)) / n1, (p2 * (1 - p2)) / n2];
  const critical = refNormalUpperQuantile(alpha / 2);
  const half = critical * Math.sqrt(v1 + v2);
  const [lift, liftLow, liftHigh] = refLift(p1, p2, v1, v2, critical);
  return { control: p1, treatment: p2, diff: p2 - p1, statistic: z, df: Infinity, p: 2 * refNormalUpper(Math.abs(z)), ciLow: p2 - p1 - half, ciHigh: p2 - p1 + half, lift, liftLow, liftHigh };
}

function twoPass(values: readonly number[]): { mean: number; variance: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) * (v - mean), 0) / (values.length - 1);
  return { mean, variance };
}

/** Welch's t, Welch–Satterthwaite df, t-based interval and lift, from the raw values. */
export function refWelch(controlValues: readonly number[], treatmentValues: readonly number[], alpha = 0.05): RefComparison {
  const c = twoPass(controlValues);
  const t = twoPass(treatmentValues);
  const [a, b] = [c.variance / controlValues.length, t.variance / treatmentValues.length];
  const se = Math.sqrt(a + b);
  const df = (a + b) ** 2 / (a ** 2 / (controlValues.length - 1) + b ** 2 / (treatmentValues.length - 1));
  const statistic = (t.mean - c.mean) / se;
  const critical = refTCritical(alpha, df);
  const diff = t.mean - c.mean;
  const [lift, liftLow, liftHigh] = refLift(c.mean, t.mean, a, b, critical);
  return { control: c.mean, treatment: t.mean, diff, statistic, df, p: refTTwoSided(statistic, df), ciLow: diff - critical * se, ciHigh: diff + critical * se, lift, liftLow, liftHigh };
}

/** Holm's step-down adjusted p-values, written as the textbook loop. */
export function refHolm(p: readonly number[]): number[] {
  const m = p.length;
  const idx = [...p.keys()].sort((i, j) => (p[i] ?? 0) - (p[j] ?? 0));
  const out = new Array<number>(m).fill(0);
  let prev = 0;
  for (let k = 0; k < m; k++) {
    const i = idx[k] ?? 0;
    prev = Math.max(prev, Math.min(1, (m - k) * (p[i] ?? 0)));
    out[i] = prev;
  }
  return out;
}

/** Fleiss' sample size per group for two proportions (no continuity correction), rounded up. */
export function refProportionSampleSize(p1: number, p2: number, alpha: number, power: number): number {
  const za = refNormalUpperQuantile(alpha / 2);
  const zb = refNormalUpperQuantile(1 - power);
  const pbar = (p1 + p2) / 2;
  const n = (za * Math.sqrt(2 * pbar * (1 - pbar)) + zb * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2;
  return Math.ceil(n);
}
