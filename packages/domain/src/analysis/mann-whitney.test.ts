import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SluiceError } from '../errors.js';
import {
  hodgesLehmann,
  judgeMannWhitney,
  mannWhitneyTest,
  removeOutliersIqr,
  type MannWhitneyOptions,
} from './mann-whitney.js';
import { normalCdf, normalQuantile } from './normal.js';

// Plain JSON (tsconfig has no resolveJsonModule): NaN and ±Infinity are the strings "NaN", "Infinity", "-Infinity".
type Encoded = number | string;
interface Case {
  readonly name: string;
  readonly input: { readonly canary: readonly Encoded[]; readonly baseline: readonly Encoded[] };
  readonly options?: MannWhitneyOptions;
  readonly expect: {
    readonly outcome: string;
    readonly rule?: string;
    readonly label: string;
    readonly reason?: string;
    readonly reasonIncludes?: string;
    readonly interval?: readonly [number, number];
    readonly estimate?: number;
    readonly statistic?: number;
    readonly threshold?: number;
    readonly effectSize?: Encoded;
    readonly canaryN?: number;
    readonly baselineN?: number;
  };
}

const decode = (v: Encoded): number => (typeof v === 'string' ? Number(v) : v);
const cases = JSON.parse(readFileSync(new URL('./cases/mann-whitney.json', import.meta.url), 'utf8')) as Case[];

function close(actual: number | undefined, expected: number, what: string, tolerance = 1e-12): void {
  assert.ok(actual !== undefined, `${what} missing`);
  if (Number.isNaN(expected) || !Number.isFinite(expected)) assert.equal(actual, expected, what);
  else assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1e-300, Math.abs(expected)) || actual === expected, `${what}: ${actual} vs ${expected}`);
}

test('mann-whitney case file', () => assert.ok(cases.length >= 25, `only ${cases.length} cases`));

for (const c of cases) {
  test(`judgeMannWhitney: ${c.name}`, () => {
    const v = judgeMannWhitney({ canary: c.input.canary.map(decode), baseline: c.input.baseline.map(decode) }, c.options);
    const e = c.expect;
    assert.equal(v.outcome, e.outcome);
    assert.equal(v.rule, e.rule ?? 'mann-whitney');
    assert.equal(v.label, e.label);
    assert.ok(v.reason.startsWith(`${e.label}: `), `the reason starts with the label: ${v.reason}`);
    if (e.reason !== undefined) assert.equal(v.reason, e.reason);
    if (e.reasonIncludes !== undefined) assert.ok(v.reason.includes(e.reasonIncludes), v.reason);
    if (e.interval !== undefined) {
      close(v.interval?.[0], e.interval[0], 'interval lower bound');
      close(v.interval?.[1], e.interval[1], 'interval upper bound');
    }
    if (e.estimate !== undefined) close(v.estimate, e.estimate, 'estimate');
    if (e.statistic !== undefined) close(v.statistic, e.statistic, 'statistic (U)');
    if (e.threshold !== undefined) close(v.threshold, e.threshold, 'threshold (dead zone)');
    if (e.effectSize !== undefined) close(v.effectSize, decode(e.effectSize), 'effect size', 1e-9);
    if (e.canaryN !== undefined) assert.equal(v.canary?.n, e.canaryN);
    if (e.baselineN !== undefined) assert.equal(v.baseline?.n, e.baselineN);
  });
}

// ---------------------------------------------------------------------------------------------------
// Brute force, written from the definitions (and Kayenta's code) rather than from the implementation.

function averageRanks(values: readonly number[]): number[] {
  return values.map((v) => 1 + values.filter((w) => w < v).length + (values.filter((w) => w === v).length - 1) / 2);
}

/** Kayenta's wilcoxonDiff, literally: rank x − mu among y, tie-corrected σ, continuity correction. */
function bruteWilcoxonDiff(x: readonly number[], y: readonly number[], mu: number, quantile: number): number {
  const n = x.length;
  const m = y.length;
  const all = [...x.map((v) => v - mu), ...y];
  const ranks = averageRanks(all);
  const w = ranks.slice(0, n).reduce((a, b) => a + b, 0);
  const counts = new Map<number, number>();
  for (const v of all) counts.set(v, (counts.get(v) ?? 0) + 1);
  const ties = [...counts.values()].reduce((a, t) => a + t ** 3 - t, 0);
  const dz = w - (n * (n + 1)) / 2 - (n * m) / 2;
  const sigma = Math.sqrt(((n * m) / 12) * (n + m + 1 - ties / ((n + m) * (n + m - 1))));
  return sigma === 0 ? NaN : (dz - Math.sign(dz) * 0.5) / sigma - quantile;
}

const differences = (x: readonly number[], y: readonly number[]): number[] => x.flatMap((a) => y.map((b) => a - b)).sort((a, b) => a - b);

/** Kayenta's findRoot, with the root of the step function taken as the pairwise difference at its jump. */
function bruteRoot(x: readonly number[], y: readonly number[], q: number): number {
  const d = [...new Set(differences(x, y))];
  const lo = d[0] ?? NaN;
  const hi = d[d.length - 1] ?? NaN;
  if (bruteWilcoxonDiff(x, y, lo, q) <= 0) return lo;
  if (bruteWilcoxonDiff(x, y, hi, q) >= 0) return hi;
  const candidates = d.flatMap((v, i) => (i + 1 < d.length ? [v, (v + (d[i + 1] ?? v)) / 2] : [v]));
  const first = candidates.find((c) => bruteWilcoxonDiff(x, y, c, q) <= 0) ?? NaN;
  return Math.max(...d.filter((v) => v <= first));
}

function bruteU(x: readonly number[], y: readonly number[]): number {
  return x.reduce((sum, a) => sum + y.reduce((s, b) => s + (a > b ? 1 : a === b ? 0.5 : 0), 0), 0);
}

function bruteMedian(values: readonly number[]): number {
  const mid = Math.floor(values.length / 2);
  return values.length % 2 === 1 ? (values[mid] ?? NaN) : ((values[mid - 1] ?? NaN) + (values[mid] ?? NaN)) / 2;
}

function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
}

test('hand-checked: U, Hodges–Lehmann and the interval for 1..5 against 3..8', () => {
  const r = mannWhitneyTest([1, 2, 3, 4, 5], [3, 4, 5, 6, 7, 8], 0.98);
  assert.ok(r);
  // x > y: 4 > 3, 5 > 3, 5 > 4; ties: 3, 4, 5 → U = 3 + 3·½.
  assert.equal(r.u, 4.5);
  // The 30 differences i − j: cumulative counts 1, 3, 6, 10, 15 up to −3, then 20 up to −2: median (−3 − 2)/2.
  assert.equal(r.estimate, -2.5);
  assert.deepEqual(r.interval, [bruteRoot([1, 2, 3, 4, 5], [3, 4, 5, 6, 7, 8], normalQuantile(0.99)), bruteRoot([1, 2, 3, 4, 5], [3, 4, 5, 6, 7, 8], -normalQuantile(0.99))]);
  assert.deepEqual(r.interval, [-6, 1]);
  close(r.z, bruteWilcoxonDiff([1, 2, 3, 4, 5], [3, 4, 5, 6, 7, 8], 0, 0), 'z');
  close(r.pValue, 2 * normalCdf(-Math.abs(r.z)), 'p');
});

test('U, Hodges–Lehmann, z and the interval match brute force on 300 random small samples with ties', () => {
  const random = lcg(20240611);
  let checked = 0;
  for (let k = 0; k < 300; k += 1) {
    const n = 1 + Math.floor(random() * 8);
    const m = 1 + Math.floor(random() * 8);
    const shift = Math.round(random() * 8) / 4;
    const x = Array.from({ length: n }, () => Math.round(random() * 8) / 4 + shift);
    const y = Array.from({ length: m }, () => Math.round(random() * 8) / 4);
    const level = k % 2 === 0 ? 0.98 : 0.9;
    const zq = normalQuantile(1 - (1 - level) / 2);
    const result = mannWhitneyTest(x, y, level);
    const tied = [x[0] ?? NaN, ...x].every((v) => v === x[0]) && y.every((v) => v === y[0]) && n === 1 && m === 1;
    if (result === undefined) {
      assert.ok(Number.isNaN(bruteWilcoxonDiff(x, y, (x[0] ?? NaN) - (y[0] ?? NaN), 0)) || tied, `${x} | ${y}`);
      continue;
    }
    const what = `x = [${x}], y = [${y}], level ${level}`;
    assert.equal(result.u, bruteU(x, y), `U: ${what}`);
    assert.equal(result.estimate, bruteMedian(differences(x, y)), `HL: ${what}`);
    assert.equal(hodgesLehmann(x, y), result.estimate);
    close(result.z, bruteWilcoxonDiff(x, y, 0, 0), `z: ${what}`);
    assert.deepEqual(result.interval, [bruteRoot(x, y, zq), bruteRoot(x, y, -zq)], `interval: ${what}`);
    assert.ok(result.interval[0] <= result.estimate && result.estimate <= result.interval[1], `the estimate lies in the interval: ${what}`);
    checked += 1;
  }
  assert.ok(checked > 250, `checked ${checked}`);
});

test('Hodges–Lehmann by brute force for odd and even n·m, with negative and repeated values', () => {
  const samples: readonly (readonly [number[], number[]])[] = [
    [[0.5], [2]],
    [[1, 2], [0]],
    [[-3, 7, 7, 2], [1, 1, -5]],
    [[10, 20, 30], [15, 25]],
  ];
  for (const [x, y] of samples) assert.equal(hodgesLehmann(x, y), bruteMedian(differences(x, y)), `${x} | ${y}`);
  assert.ok(Number.isNaN(hodgesLehmann([], [1])));
});

test('one value per side ties everywhere: no interval (Kayenta throws)', () => {
  assert.equal(mannWhitneyTest([5], [3]), undefined);
  assert.ok(mannWhitneyTest([5], [3, 4]));
});

test('standard normal: known values', () => {
  const cdf: readonly (readonly [number, number])[] = [
    [0, 0.5],
    [-1, 0.15865525393145705],
    [1.5, 0.93319279873114193],
    [-3, 0.0013498980316300945],
    [-8, 6.2209605742717841e-16],
    [-20, 2.7536241186062337e-89],
    [-37, 5.7255712225245768e-300],
  ];
  for (const [x, p] of cdf) close(normalCdf(x), p, `Φ(${x})`, 1e-12); // Cody's erfc: 1e-15 near 0, 1e-12 relative by x = −37
  const quantile: readonly (readonly [number, number])[] = [
    [0.5, 0],
    [0.99, 2.3263478740408408],
    [0.975, 1.9599639845400539],
    [0.01, -2.3263478740408408],
    [1e-10, -6.3613409024040562],
    [1e-300, -37.047096299361199],
    [0.9999999999999999, 8.2095361516013869],
  ];
  for (const [p, x] of quantile) close(normalQuantile(p), x, `Φ⁻¹(${p})`, 2e-15);
  assert.equal(normalQuantile(0), -Infinity);
  assert.equal(normalQuantile(1), Infinity);
  assert.ok(Number.isNaN(normalQuantile(1.5)) && Number.isNaN(normalQuantile(NaN)) && Number.isNaN(normalCdf(NaN)));
  assert.equal(normalCdf(-40), 0);
  assert.equal(normalCdf(40), 1);
  for (let p = 0.001; p < 1; p += 0.0137) close(normalCdf(normalQuantile(p)), p, `round trip ${p}`, 1e-13);
});

test('IQR outliers, hand-checked: 1..19 and 1000 → Q1 5.75, Q3 15.25, P99 813.61, so only 1000 goes', () => {
  const values = [...Array.from({ length: 19 }, (_, i) => i + 1), 1000];
  assert.deepEqual(removeOutliersIqr(values, 3), values.slice(0, 19));
  // 1..18, 500, 1000: P99 = 500 + 0.81·500 = 905 widens the upper fence (Q3 + 3·IQR = 43.75), so 500 stays.
  const two = [...values.slice(0, 18), 500, 1000];
  assert.deepEqual(removeOutliersIqr(two, 3), two.slice(0, 19), 'P99 widening keeps the second spike');
  assert.deepEqual(removeOutliersIqr([-1000, ...values.slice(0, 19)], 3), values.slice(0, 19), 'the low side too');
  assert.deepEqual(removeOutliersIqr([], 3), []);
  assert.deepEqual(removeOutliersIqr([4], 3), [4]);
});

test('the deterministic spread makes single-valued sides give the same verdict every time', () => {
  const a = judgeMannWhitney({ canary: [5, 5, 5, 5], baseline: [3, 3, 3] });
  const b = judgeMannWhitney({ canary: [5, 5, 5, 5], baseline: [3, 3, 3] });
  assert.deepEqual(a, b);
  assert.equal(a.label, 'High');
  assert.ok(a.interval && a.interval[0] < 2 && a.interval[1] > 2 && a.interval[1] - a.interval[0] < 1e-3, 'spread by about 1e-5 of the value');
});

test('options are validated', () => {
  const bad: readonly [MannWhitneyOptions, RegExp][] = [
    [{ direction: 'up' as never }, /direction must be one of "either", "increase", "decrease", got up/],
    [{ outlierFactor: 0 }, /outlierFactor must be a number > 0, got 0/],
    [{ confidenceLevel: 1 }, /confidenceLevel must be between 0 and 1, got 1/],
    [{ tolerance: -0.1 }, /tolerance must be a number ≥ 0, got -0.1/],
    [{ allowedIncrease: NaN }, /allowedIncrease must be a finite number, got NaN/],
    [{ effectSizeMeasure: 'cohen' as never }, /effectSizeMeasure must be one of "meanRatio", "cles", got cohen/],
  ];
  for (const [options, message] of bad) {
    assert.throws(() => judgeMannWhitney({ canary: [1], baseline: [2] }, options), (e: unknown) => e instanceof SluiceError && e.code === 'INVALID_SPEC' && message.test(e.message));
  }
});

test('confidenceLevel and tolerance change the decision the way they should', () => {
  const canary = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20];
  const baseline = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
  const base = judgeMannWhitney({ canary, baseline });
  const wide = judgeMannWhitney({ canary, baseline }, { confidenceLevel: 0.5 });
  assert.ok(base.interval && wide.interval);
  assert.ok(wide.interval[0] >= base.interval[0] && wide.interval[1] <= base.interval[1], 'a lower level gives a narrower interval');
  const strict = judgeMannWhitney({ canary: [11, 12, 13, 14, 15], baseline: [1, 2, 3, 4, 5] }, { tolerance: 1 });
  assert.equal(strict.label, 'Pass', 'L = 6 is not above |Δ̂| = 10');
  assert.equal(judgeMannWhitney({ canary: [11, 12, 13, 14, 15], baseline: [1, 2, 3, 4, 5] }, { tolerance: 0.5 }).label, 'High');
});

test('performance: 10 000 values per side in well under a second', () => {
  const random = lcg(7);
  const baseline = Array.from({ length: 10_000 }, () => -Math.log(random()) * 100);
  const canary = Array.from({ length: 10_000 }, () => -Math.log(random()) * 103);
  const tied = Array.from({ length: 10_000 }, () => Math.round(random() * 20));
  const started = performance.now();
  const continuous = judgeMannWhitney({ canary, baseline });
  const shifted = judgeMannWhitney({ canary: tied.map((v) => v + 1), baseline: tied });
  const partly = judgeMannWhitney({ canary: tied, baseline: tied.map((v) => v + (v % 3 === 0 ? 1 : 0)) });
  const elapsed = performance.now() - started;
  assert.ok(elapsed < 1500, `took ${elapsed.toFixed(0)} ms`);
  assert.equal(continuous.canary?.n, 10_000);
  assert.ok(continuous.interval && continuous.estimate !== undefined && continuous.interval[0] <= continuous.estimate && continuous.estimate <= continuous.interval[1]);
  assert.equal(shifted.label, 'High', shifted.reason);
  assert.deepEqual(shifted.interval, [1, 1], 'integer data: the bounds are pairwise differences');
  // A third of the baseline moved up by 1: significant (p < 1e-3), but the median shift is 0 and the
  // interval ends exactly at 0, so Kayenta's rule (U < −0.25·|Δ̂| = 0) does not flag it.
  assert.ok((partly.pValue ?? 1) < 1e-3, `p = ${partly.pValue}`);
  assert.equal(partly.estimate, 0);
  assert.equal(partly.interval?.[1], 0);
  assert.equal(partly.label, 'Pass');
});
