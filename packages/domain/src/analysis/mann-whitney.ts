import { ErrorCode, SluiceError } from '../errors.js';
import { normalCdf, normalQuantile } from './normal.js';
import type { Verdict } from './verdict.js';

/**
 * Kayenta's per-metric classifier (NetflixACAJudge-v1.0 with MannWhitneyClassifier, research §3.1):
 * NaN handling, optional IQR outlier removal, the identical-data and single-value short cuts, then a
 * Mann-Whitney U / Wilcoxon rank-sum comparison of canary (x) against baseline (y) with the
 * Hodges–Lehmann shift estimate Δ̂ and a 98 % confidence interval [L, U] on the shift x − y, obtained by
 * inverting the normal approximation of the rank-sum statistic (tie correction in σ, ±0.5 continuity
 * correction). High when L > 0.25·|Δ̂| (and the effect size reaches allowedIncrease), Low when
 * U < −0.25·|Δ̂| (and the effect size is at most allowedDecrease), Pass otherwise.
 *
 * Deliberate differences from Kayenta, all small:
 * - Kayenta adds random Gaussian noise N(0, (v·1e-5)²) when each side holds a single distinct value v;
 *   here the noise is deterministic: the k copies of v become v + |v|·1e-5·Φ⁻¹((i + ½)/k), i = 0…k−1
 *   (the normal scores), so the same input always gives the same verdict.
 * - The interval bounds are found by bisection over the doubles themselves (at most 64 steps, each an
 *   O(n + m) merge of the pre-sorted samples) instead of Brent's method with a 1e-4 tolerance, so they are
 *   exact to the last bit at the jump of the step function, at any scale of the metric.
 * - Δ̂ is the exact median of the n·m pairwise differences (found by the same bisection, counting pairs
 *   in O(n + m)); Kayenta solves the zero-quantile equation with Brent, which lands next to it.
 * - ±Infinity is treated like NaN (removed, or replaced by 0), and a side that is empty after cleaning is
 *   Nodata (inconclusive) whatever nanStrategy says (Kayenta passes it under `replace`).
 * - Critical metrics and scoring are not here: one metric in, one verdict out.
 */
export type MannWhitneyLabel = 'Pass' | 'High' | 'Low' | 'Nodata' | 'NodataFailMetric' | 'Error';
export type MannWhitneyDirection = 'increase' | 'decrease' | 'either';

export interface MannWhitneyOptions {
  /** Which change is bad: 'increase' flags only High, 'decrease' only Low. Kayenta's default 'either'. */
  readonly direction?: MannWhitneyDirection | undefined;
  /** 'remove' (default) drops NaN and ±Infinity; 'replace' turns them into 0. */
  readonly nanStrategy?: 'remove' | 'replace' | undefined;
  /** 'keep' (default) or 'remove' values outside [min(P1, Q1 − k·IQR), max(P99, Q3 + k·IQR)], per side. */
  readonly outlierStrategy?: 'keep' | 'remove' | undefined;
  /** k in the fences above. Default 3. */
  readonly outlierFactor?: number | undefined;
  /** 'meanRatio' (default) = mean(x)/mean(y), NaN when a mean is 0; 'cles' = P(x > y) + ½P(x = y). */
  readonly effectSizeMeasure?: 'meanRatio' | 'cles' | undefined;
  /** High needs effect size ≥ this (when it is not NaN). Default 1.0 (meanRatio) or 0.5 (cles). */
  readonly allowedIncrease?: number | undefined;
  /** Low needs effect size ≤ this (when it is not NaN). Default 1.0 (meanRatio) or 0.5 (cles). */
  readonly allowedDecrease?: number | undefined;
  /** An empty side fails (NodataFailMetric) instead of being inconclusive (Nodata). Default false. */
  readonly mustHaveData?: boolean | undefined;
  /** Kayenta hard-codes 0.98. */
  readonly confidenceLevel?: number | undefined;
  /** The dead zone as a fraction of |Δ̂|. Kayenta hard-codes 0.25. */
  readonly tolerance?: number | undefined;
}

export interface MannWhitneyVerdict extends Verdict {
  readonly label: MannWhitneyLabel;
  /** Hodges–Lehmann estimate of the shift canary − baseline. */
  readonly estimate?: number;
  /** The effect size the gates compared (meanRatio or cles). */
  readonly effectSize?: number;
}

/** The rank-sum test of x against y. */
export interface RankSumResult {
  /** U = #{xᵢ > yⱼ} + ½·#{xᵢ = yⱼ}. */
  readonly u: number;
  /** Normal-approximation z with tie and continuity correction, and its two-sided p-value. */
  readonly z: number;
  readonly pValue: number;
  /** Hodges–Lehmann estimate: the median of all differences xᵢ − yⱼ. */
  readonly estimate: number;
  readonly interval: readonly [number, number];
}

// ---------------------------------------------------------------------------------------------------
// Rank-sum machinery on sorted samples.

type Sorted = Float64Array;

/**
 * Rank sum of (x − mu) among (x − mu) ∪ y with average ranks for ties, and Σ(t³ − t) over tie groups, in
 * one merge of the sorted samples. xᵢ − mu is placed against yⱼ by comparing the difference xᵢ − yⱼ
 * with mu, which is the same in exact arithmetic and makes the statistic a step function whose jumps
 * sit exactly on the (computed) pairwise differences, the values the Hodges–Lehmann search counts.
 */
function rankSum(xs: Sorted, ys: Sorted, mu: number): { readonly w: number; readonly ties: number } {
  const n = xs.length;
  const m = ys.length;
  let [i, j, rank, w, ties] = [0, 0, 0, 0, 0];
  while (i < n || j < m) {
    const xv = xs[i] ?? NaN;
    const yv = ys[j] ?? NaN;
    const d = xv - yv;
    const [i0, j0] = [i, j];
    if (j >= m || d < mu) while (i < n && xs[i] === xv) i += 1;
    else if (i >= n || d > mu) while (j < m && ys[j] === yv) j += 1;
    else {
      while (i < n && (xs[i] ?? NaN) - yv === mu) i += 1;
      while (j < m && xv - (ys[j] ?? NaN) === mu) j += 1;
    }
    const t = i - i0 + (j - j0);
    if (t === 0) return { w: NaN, ties: NaN };
    w += (i - i0) * (rank + (t + 1) / 2);
    ties += t * t * t - t;
    rank += t;
  }
  return { w, ties };
}

/**
 * Kayenta's `wilcoxonDiff` (from R's wilcox.test): the continuity-corrected rank-sum z for shift mu, minus
 * `quantile`. NaN when every observation ties (σ = 0).
 */
function wilcoxonDiff(xs: Sorted, ys: Sorted, mu: number, quantile: number): number {
  const n = xs.length;
  const m = ys.length;
  const { w, ties } = rankSum(xs, ys, mu);
  const dz = w - (n * (n + 1)) / 2 - (n * m) / 2;
  const sigma = Math.sqrt(((n * m) / 12) * (n + m + 1 - ties / ((n + m) * (n + m - 1))));
  if (!(sigma > 0)) return NaN;
  return (dz - Math.sign(dz) * 0.5) / sigma - quantile;
}

/** Doubles ordered as integers, so bisection can walk them bit by bit. */
function keyOf(d: number): bigint {
  const bits = new BigInt64Array(new Float64Array([d]).buffer)[0] ?? 0n;
  return bits < 0n ? -(bits & 0x7fff_ffff_ffff_ffffn) : bits;
}
function fromKey(k: bigint): number {
  const bits = BigInt.asIntN(64, k < 0n ? -k | (1n << 63n) : k);
  return new Float64Array(new BigInt64Array([bits]).buffer)[0] ?? NaN;
}

/** The smallest double t in (lo, hi] with pred(t), for pred false at lo and true at hi (≤ 64 steps). */
function firstTrue(lo: bigint, hi: bigint, pred: (t: number) => boolean): number {
  let a = lo;
  let b = hi;
  while (b - a > 1n) {
    const mid = (a + b) / 2n;
    if (pred(fromKey(mid))) b = mid;
    else a = mid;
  }
  return fromKey(b);
}

/** #{(i, j) : xᵢ − yⱼ ≤ t}, in O(n + m). */
function pairsAtMost(xs: Sorted, ys: Sorted, t: number): number {
  let count = 0;
  let p = 0;
  for (const x of xs) {
    while (p < ys.length && x - (ys[p] ?? 0) > t) p += 1;
    count += ys.length - p;
  }
  return count;
}

/** The k-th smallest (1-based) of the n·m differences xᵢ − yⱼ. */
function kthDifference(xs: Sorted, ys: Sorted, k: number): number {
  const lo = (xs[0] ?? 0) - (ys[ys.length - 1] ?? 0);
  const hi = (xs[xs.length - 1] ?? 0) - (ys[0] ?? 0);
  return firstTrue(keyOf(lo) - 1n, keyOf(hi), (t) => pairsAtMost(xs, ys, t) >= k);
}

/** The Hodges–Lehmann shift estimate: the median of the n·m differences xᵢ − yⱼ. */
export function hodgesLehmann(x: readonly number[], y: readonly number[]): number {
  const xs = Float64Array.from(x).sort();
  const ys = Float64Array.from(y).sort();
  const total = xs.length * ys.length;
  if (total === 0) return NaN;
  const upper = kthDifference(xs, ys, Math.floor(total / 2) + 1);
  return total % 2 === 1 ? upper : (kthDifference(xs, ys, total / 2) + upper) / 2;
}

/**
 * Two-sided Mann-Whitney U test of x against y with Kayenta's confidence interval for the shift x − y.
 * Each bound is the end of the data range when the statistic is already past the quantile there, else
 * where the step function crosses it: the pairwise difference xᵢ − yⱼ at that jump. Undefined when
 * every observation ties at some shift (σ = 0), where Kayenta throws. Differences must not overflow.
 */
export function mannWhitneyTest(x: readonly number[], y: readonly number[], confidenceLevel = 0.98): RankSumResult | undefined {
  const xs = Float64Array.from(x).sort();
  const ys = Float64Array.from(y).sort();
  if (xs.length === 0 || ys.length === 0) return undefined;
  const muMin = (xs[0] ?? 0) - (ys[ys.length - 1] ?? 0);
  const muMax = (xs[xs.length - 1] ?? 0) - (ys[0] ?? 0);
  const zq = normalQuantile(1 - (1 - confidenceLevel) / 2);
  let tied = false;
  const f = (mu: number, q: number): number => {
    const v = wilcoxonDiff(xs, ys, mu, q);
    tied ||= Number.isNaN(v);
    return v;
  };
  const root = (q: number): number => {
    if (f(muMin, q) <= 0) return muMin;
    if (f(muMax, q) >= 0) return muMax;
    const jump = firstTrue(keyOf(muMin), keyOf(muMax), (mu) => f(mu, q) <= 0);
    return kthDifference(xs, ys, pairsAtMost(xs, ys, jump)); // the difference at the jump, not the ulp after it
  };
  const interval = [root(zq), root(-zq)] as const;
  const z = f(0, 0);
  if (tied) return undefined;
  const u = rankSum(xs, ys, 0).w - (xs.length * (xs.length + 1)) / 2;
  return { u, z, pValue: Math.min(1, 2 * normalCdf(-Math.abs(z))), estimate: hodgesLehmann(x, y), interval };
}

// ---------------------------------------------------------------------------------------------------
// The classifier.

export interface MannWhitneyInput {
  /** The canary's samples of the metric (Kayenta's experiment, x). */
  readonly canary: readonly number[];
  /** The baseline's samples over the same window (Kayenta's control, y). */
  readonly baseline: readonly number[];
}

type Settings = Required<{ [K in keyof MannWhitneyOptions]: Exclude<MannWhitneyOptions[K], undefined> }>;

function settings(o: MannWhitneyOptions): Settings {
  const invalid = (field: string, expected: string, value: unknown): never => {
    const message = `mann-whitney option ${field} must be ${expected}, got ${String(value)}`;
    throw new SluiceError(ErrorCode.INVALID_SPEC, message, { problems: [{ message, path: field, expected, found: String(value) }] });
  };
  const pick = <T extends string>(field: string, value: T | undefined, allowed: readonly T[]): T =>
    value === undefined ? (allowed[0] as T) : allowed.includes(value) ? value : invalid(field, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`, value);
  const num = (field: string, value: number | undefined, fallback: number, ok: (v: number) => boolean, expected: string): number =>
    value === undefined ? fallback : Number.isFinite(value) && ok(value) ? value : invalid(field, expected, value);
  const effectSizeMeasure = pick('effectSizeMeasure', o.effectSizeMeasure, ['meanRatio', 'cles'] as const);
  const neutral = effectSizeMeasure === 'cles' ? 0.5 : 1;
  return {
    direction: pick('direction', o.direction, ['either', 'increase', 'decrease'] as const),
    nanStrategy: pick('nanStrategy', o.nanStrategy, ['remove', 'replace'] as const),
    outlierStrategy: pick('outlierStrategy', o.outlierStrategy, ['keep', 'remove'] as const),
    outlierFactor: num('outlierFactor', o.outlierFactor, 3, (v) => v > 0, 'a number > 0'),
    effectSizeMeasure,
    allowedIncrease: num('allowedIncrease', o.allowedIncrease, neutral, () => true, 'a finite number'),
    allowedDecrease: num('allowedDecrease', o.allowedDecrease, neutral, () => true, 'a finite number'),
    mustHaveData: o.mustHaveData ?? false,
    confidenceLevel: num('confidenceLevel', o.confidenceLevel, 0.98, (v) => v > 0 && v < 1, 'between 0 and 1'),
    tolerance: num('tolerance', o.tolerance, 0.25, (v) => v >= 0, 'a number ≥ 0'),
  };
}

/** Kayenta's percentile: the R-7 estimate (linear between order statistics) of sorted values, p in [0, 100]. */
function percentile(sorted: Sorted, p: number): number {
  const h = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(h);
  const a = sorted[lo] ?? NaN;
  return h === lo ? a : a + (h - lo) * ((sorted[lo + 1] ?? a) - a);
}

/** Kayenta's IQRDetector(factor, reduceSensitivity = true): keeps values inside [min(P1, Q1 − k·IQR), max(P99, Q3 + k·IQR)]. */
export function removeOutliersIqr(values: readonly number[], factor: number): number[] {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return [];
  const q1 = percentile(sorted, 25);
  const q3 = percentile(sorted, 75);
  const lower = Math.min(percentile(sorted, 1), q1 - factor * (q3 - q1));
  const upper = Math.max(percentile(sorted, 99), q3 + factor * (q3 - q1));
  return values.filter((v) => v >= lower && v <= upper);
}

function clean(values: readonly number[], s: Settings): number[] {
  const finite = s.nanStrategy === 'replace' ? values.map((v) => (Number.isFinite(v) ? v : 0)) : values.filter((v) => Number.isFinite(v));
  return s.outlierStrategy === 'remove' ? removeOutliersIqr(finite, s.outlierFactor) : finite;
}

/** A running mean, which does not overflow for huge values. */
function mean(values: readonly number[]): number {
  let m = 0;
  values.forEach((v, i) => (m += (v - m) / (i + 1)));
  return values.length === 0 ? NaN : m;
}

/** The deterministic stand-in for Kayenta's N(0, (v·1e-5)²) noise: v + |v|·1e-5 times the normal scores. */
function spread(values: readonly number[]): number[] {
  return values.map((v, i) => v + Math.abs(v) * 1e-5 * normalQuantile((i + 0.5) / values.length));
}

const fmt = (v: number): string => String(Number(v.toPrecision(6)));

function explain(label: MannWhitneyLabel, test: RankSumResult, bound: number, effect: number, s: Settings): string {
  const [lo, hi] = test.interval;
  const ci = `the ${fmt(s.confidenceLevel * 100)} % interval [${fmt(lo)}, ${fmt(hi)}] of the shift canary − baseline`;
  const gate = s.effectSizeMeasure === 'cles' ? 'P(canary > baseline)' : 'mean ratio';
  const facts = `Hodges–Lehmann shift ${fmt(test.estimate)}, ${gate} ${fmt(effect)}, U = ${test.u}`;
  if (label === 'High') return `canary is higher: ${ci} lies above +${fmt(bound)} (${facts})`;
  if (label === 'Low') return `canary is lower: ${ci} lies below −${fmt(bound)} (${facts})`;
  const up = lo > bound;
  if (!up && !(hi < -bound)) return `no shift beyond the dead zone ±${fmt(bound)}: ${ci} reaches into it (${facts})`;
  const ignored = up ? s.direction === 'decrease' : s.direction === 'increase';
  if (ignored) return `canary is ${up ? 'higher' : 'lower'}, which direction "${s.direction}" does not count as bad (${facts})`;
  const limit = up ? `below allowedIncrease ${fmt(s.allowedIncrease)}` : `above allowedDecrease ${fmt(s.allowedDecrease)}`;
  return `canary is ${up ? 'higher' : 'lower'} but the ${gate} is ${limit} (${facts})`;
}

/**
 * Classifies one metric the way Kayenta's NetflixACAJudge does (see the top of this file): Pass → pass,
 * High/Low → fail, Nodata → inconclusive (NodataFailMetric → fail with mustHaveData), Error (every
 * observation tied, e.g. one value per side, or differences beyond ±1.8e308) → inconclusive.
 * Invalid options throw INVALID_SPEC.
 */
export function judgeMannWhitney(input: MannWhitneyInput, options: MannWhitneyOptions = {}): MannWhitneyVerdict {
  const s = settings(options);
  const x0 = clean(input.canary, s);
  const y0 = clean(input.baseline, s);
  const side = (v: readonly number[]): Verdict['canary'] & object => (v.length === 0 ? { n: 0 } : { n: v.length, value: mean(v) });
  const sides = { canary: side(x0), baseline: side(y0) };
  const verdict = (label: MannWhitneyLabel, reason: string, extra: Partial<MannWhitneyVerdict> = {}): MannWhitneyVerdict => {
    const outcome = label === 'Pass' ? 'pass' : label === 'Nodata' || label === 'Error' ? 'inconclusive' : 'fail';
    return { outcome, rule: 'mann-whitney', label, reason: `${label}: ${reason} (n = ${x0.length} canary, ${y0.length} baseline)`, ...sides, ...extra };
  };
  if (x0.length === 0 || y0.length === 0) {
    const empty = x0.length === 0 && y0.length === 0 ? 'neither side has' : x0.length === 0 ? 'the canary has no' : 'the baseline has no';
    return verdict(s.mustHaveData ? 'NodataFailMetric' : 'Nodata', `${empty} data after removing NaN values and outliers`);
  }
  const xs = Float64Array.from(x0).sort();
  const ys = Float64Array.from(y0).sort();
  if (xs.length === ys.length && xs.every((v, i) => v === ys[i])) return verdict('Pass', 'the canary and baseline data are identical');
  const single = (v: Sorted): boolean => v[0] === v[v.length - 1];
  if (single(xs) && single(ys) && xs[0] === ys[0]) return verdict('Pass', `every value on both sides is ${fmt(xs[0] ?? NaN)}`);
  const span = [(xs[0] ?? 0) - (ys[ys.length - 1] ?? 0), (xs[xs.length - 1] ?? 0) - (ys[0] ?? 0)];
  if (!span.every(Number.isFinite)) return verdict('Error', 'differences between canary and baseline values overflow (beyond ±1.8e308)');
  const noisy = single(xs) && single(ys);
  const x = noisy ? spread(x0) : x0;
  const y = noisy ? spread(y0) : y0;
  const test = mannWhitneyTest(x, y, s.confidenceLevel);
  if (!test) return verdict('Error', 'cannot compute a confidence interval when all observations are tied');
  const bound = s.tolerance * Math.abs(test.estimate);
  const mx = mean(x);
  const my = mean(y);
  const effect = s.effectSizeMeasure === 'cles' ? test.u / (x.length * y.length) : mx === 0 || my === 0 ? NaN : mx / my;
  const [lo, hi] = test.interval;
  const high = s.direction !== 'decrease' && lo > bound && (Number.isNaN(effect) || effect >= s.allowedIncrease);
  const low = s.direction !== 'increase' && hi < -bound && (Number.isNaN(effect) || effect <= s.allowedDecrease);
  const label = high ? 'High' : low ? 'Low' : 'Pass';
  const stats = { statistic: test.u, pValue: test.pValue, interval: test.interval, threshold: bound, estimate: test.estimate, effectSize: effect };
  return verdict(label, explain(label, test, bound, effect, s), stats);
}
