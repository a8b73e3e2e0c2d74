import assert from 'node:assert/strict';
import { test } from 'node:test';
import errorRateCases from './cases/sequential-error-rate.json' with { type: 'json' };
import latencyCases from './cases/sequential-latency.json' with { type: 'json' };
import {
  DEFAULT_ERROR_RATE_OPTIONS, DEFAULT_LATENCY_EXCEEDANCE_OPTIONS, binomialUpperTail, judgeErrorRate,
  judgeLatencyExceedance, logGamma, mixtureLikelihoodRatio, sequentialProportionTest,
  type ErrorRateInput, type ErrorRateOptions, type LatencyExceedanceInput, type LatencyExceedanceOptions,
} from './sequential.js';
import { erfc, normalCdf } from './normal.js';
import { mulberry32 } from './seeded-random.js';
import type { Verdict } from './verdict.js';

interface Case<I, O> {
  readonly name: string;
  readonly input: I;
  readonly options?: Partial<O>;
  readonly expect: { readonly outcome: string; readonly rule: string };
}

/** Every number a verdict carries is finite and in range. */
function assertWellFormed(v: Verdict, label: string): void {
  const numbers = [v.statistic, v.pValue, v.threshold, ...(v.interval ?? []), v.canary?.n, v.canary?.value, v.baseline?.n, v.baseline?.value];
  for (const x of numbers) if (x !== undefined) assert.ok(Number.isFinite(x), `${label}: ${JSON.stringify(v)}`);
  if (v.pValue !== undefined) assert.ok(v.pValue >= 0 && v.pValue <= 1, `${label}: p = ${v.pValue}`);
  if (v.interval) assert.ok(v.interval[0] <= v.interval[1], `${label}: interval ${v.interval.join(', ')}`);
  assert.ok(v.reason.length > 0 && !v.reason.includes('NaN'), `${label}: ${v.reason}`);
}

for (const c of errorRateCases as readonly Case<ErrorRateInput, ErrorRateOptions>[]) {
  test(`judgeErrorRate: ${c.name}`, () => {
    const v = judgeErrorRate(c.input, c.options);
    assert.deepEqual({ outcome: v.outcome, rule: v.rule }, c.expect, v.reason);
    assertWellFormed(v, c.name);
  });
}

for (const c of latencyCases as readonly Case<LatencyExceedanceInput, LatencyExceedanceOptions>[]) {
  test(`judgeLatencyExceedance: ${c.name}`, () => {
    const v = judgeLatencyExceedance(c.input, c.options);
    assert.deepEqual({ outcome: v.outcome, rule: v.rule }, c.expect, v.reason);
    assertWellFormed(v, c.name);
  });
}

test('the case files cover every rule and outcome', () => {
  const seen = new Set([...errorRateCases, ...latencyCases].map((c) => `${c.expect.rule}/${c.expect.outcome}`));
  for (const want of ['min-sample/inconclusive', 'fast-path/fail', 'sequential-error-rate/pass', 'sequential-error-rate/fail',
    'sequential-latency-exceedance/pass', 'sequential-latency-exceedance/fail']) assert.ok(seen.has(want), want);
});

test('a sequential verdict reports Λ, p = min(1, 1/Λ), the interval, both sides and the tolerance', () => {
  const v = judgeErrorRate({ canary: { total: 60000, errors: 1200 }, baseline: { total: 60000, errors: 600 } }, { tolerance: 0.002 });
  assert.equal(v.threshold, 0.002);
  assert.deepEqual(v.canary, { n: 60000, errors: 1200, value: 0.02 });
  assert.deepEqual(v.baseline, { n: 60000, errors: 600, value: 0.01 });
  assert.ok(v.statistic !== undefined && v.statistic > 100, `Λ = ${v.statistic}`);
  assert.ok(Math.abs((v.pValue ?? 1) - 1 / (v.statistic ?? 1)) <= 1e-12 * (v.pValue ?? 1));
  assert.ok(v.interval && v.interval[0] > 0.002 && v.interval[0] < 0.01 && v.interval[1] > 0.01, String(v.interval));
});

test('edge inputs never give NaN or throw', () => {
  const totals = [0, 1, 49, 50, 51, 200, 1000, 60000, 1e9, 123.45];
  for (const ct of totals) for (const bt of totals) {
    for (const cf of [0, 0.01, 0.5, 1]) for (const bf of [0, 0.01, 0.5, 1]) {
      const input = { canary: { total: ct, errors: ct * cf }, baseline: { total: bt, errors: bt * bf } };
      assertWellFormed(judgeErrorRate(input), JSON.stringify(input));
      assertWellFormed(judgeErrorRate(input, { tolerance: 0.01, relativeTolerance: 0.5 }), `tolerances ${JSON.stringify(input)}`);
      const latency = { canary: { total: ct, above: ct * cf }, baseline: { total: bt, above: bt * bf }, quantile: 0.99 };
      assertWellFormed(judgeLatencyExceedance(latency), JSON.stringify(latency));
    }
  }
});

test('invalid input throws an Error naming the field and the value', () => {
  const ok = { total: 100, errors: 1 };
  const bad: [ErrorRateInput, RegExp][] = [
    [{ canary: { total: -1, errors: 0 }, baseline: ok }, /canary\.total.*-1/],
    [{ canary: ok, baseline: { total: 100, errors: 101 } }, /baseline\.errors.*101/],
    [{ canary: { total: 100, errors: Number.NaN }, baseline: ok }, /canary\.errors.*NaN/],
    [{ canary: ok, baseline: { total: Number.POSITIVE_INFINITY, errors: 0 } }, /baseline\.total.*Infinity/],
  ];
  for (const [input, message] of bad) assert.throws(() => judgeErrorRate(input), message);
  const input = { canary: ok, baseline: ok };
  assert.throws(() => judgeErrorRate(input, { alpha: 0 }), /options\.alpha.*got 0/);
  assert.throws(() => judgeErrorRate(input, { tau: -1 }), /options\.tau.*-1/);
  assert.throws(() => judgeErrorRate(input, { fastRatio: Number.NaN }), /options\.fastRatio.*NaN/);
  const latency = { canary: { total: 300, above: 3 }, baseline: { total: 300, above: 3 } };
  assert.throws(() => judgeLatencyExceedance({ ...latency, quantile: 1 }), /quantile.*1/);
  assert.throws(() => judgeLatencyExceedance({ ...latency, canary: { total: 300, above: 301 }, quantile: 0.99 }), /canary\.above.*301/);
});

test('defaults are the documented ones', () => {
  assert.equal(DEFAULT_ERROR_RATE_OPTIONS.minRequests, 50);
  assert.equal(DEFAULT_ERROR_RATE_OPTIONS.fastRatio, 10);
  assert.equal(DEFAULT_ERROR_RATE_OPTIONS.fastMinErrors, 5);
  assert.equal(DEFAULT_ERROR_RATE_OPTIONS.alpha, 0.01);
  assert.equal(DEFAULT_ERROR_RATE_OPTIONS.tolerance, 0);
  assert.equal(DEFAULT_LATENCY_EXCEEDANCE_OPTIONS.minRequests, 200);
});

// Reference values from mpmath at 30 digits.
test('normalCdf and erfc match high-precision references in both tails', () => {
  const refs: [number, number][] = [[-37, 5.725571222524577e-300], [-10, 7.619853024160525e-24], [-5, 2.866515718791939e-7],
    [-1, 0.15865525393145705], [0, 0.5], [0.5, 0.6914624612740131], [1.96, 0.9750021048517795], [3, 0.9986501019683699]];
  for (const [x, want] of refs) assert.ok(Math.abs(normalCdf(x) - want) <= 1e-12 * want, `Φ(${x}) = ${normalCdf(x)}, want ${want}`);
  assert.ok(Math.abs(erfc(0.46875) - 0.507386526782062) < 1e-15);
  assert.ok(Math.abs(erfc(4) - 1.541725790028002e-8) < 1e-22);
  assert.equal(erfc(30), 0);
  assert.equal(erfc(-30), 2);
});

test('binomialUpperTail and logGamma match high-precision references', () => {
  const tails: [number, number, number, number][] = [[15, 100, 0.05, 0.00013585423899229113], [30, 60, 0.05, 2.4905071921151e-23],
    [650, 60000, 0.01, 0.022168625850241996], [3, 10, 0.5, 0.9453125], [1, 100, 0.01, 0.6339676587267705]];
  for (const [k, n, p, want] of tails) {
    const got = binomialUpperTail(k, n, p);
    assert.ok(Math.abs(got - want) <= 1e-9 * want, `P(X ≥ ${k} | ${n}, ${p}) = ${got}, want ${want}`);
  }
  assert.equal(binomialUpperTail(0, 10, 0.3), 1);
  assert.equal(binomialUpperTail(11, 10, 0.3), 0);
  for (const [x, want] of [[0.5, 0.5723649429247001], [10, 12.801827480081469], [60000, 600121.4083622558]] as const) {
    assert.ok(Math.abs(logGamma(x) - want) <= 1e-13 * Math.abs(want), `lnΓ(${x})`);
  }
});

/** ∫ LR(δ) · mixing density dδ by the trapezoid rule, to check the closed form of Λ. */
function mixtureByQuadrature(d: number, variance: number, tau2: number, sided: 'one' | 'two'): number {
  const tau = Math.sqrt(tau2);
  const from = sided === 'one' ? 0 : -12 * tau;
  const steps = 200_000;
  const h = (12 * tau - from) / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const delta = from + i * h;
    const density = (sided === 'one' ? 2 : 1) * Math.exp(-(delta * delta) / (2 * tau2)) / Math.sqrt(2 * Math.PI * tau2);
    const lr = Math.exp((delta * d) / variance - (delta * delta) / (2 * variance));
    sum += (i === 0 || i === steps ? 0.5 : 1) * density * lr;
  }
  return sum * h;
}

test('the closed-form Λ equals the normal-mixture likelihood ratio computed by quadrature', () => {
  for (const [d, variance, tau2] of [[0.01, 1e-4, 0.0025], [-0.02, 4e-4, 0.0025], [0.003, 1e-6, 1e-4], [0, 1e-5, 0.0004]] as const) {
    for (const sided of ['one', 'two'] as const) {
      const closed = mixtureLikelihoodRatio(d, variance, tau2, sided);
      const numeric = mixtureByQuadrature(d, variance, tau2, sided);
      assert.ok(Math.abs(closed - numeric) <= 1e-6 * numeric, `${sided} d=${d}: ${closed} vs ${numeric}`);
    }
  }
});

test('the test rejects exactly when the always-valid lower bound is above the tolerance', () => {
  const options = { tolerance: 0.002, relativeTolerance: 0, alpha: 0.01, tau: 0.05 };
  let rejections = 0;
  for (let c = 0; c <= 60; c += 2) for (const n of [100, 1000, 10000]) {
    const r = sequentialProportionTest({ total: n, events: (c * n) / 1000 }, { total: 5000, events: 50 }, options);
    if (r.reject) rejections++;
    assert.equal(r.reject, r.interval[0] > options.tolerance + 1e-9, `c=${c}‰ n=${n}: ${JSON.stringify(r)}`);
    assert.ok(r.interval[0] <= r.estimate && r.estimate <= r.interval[1], `estimate outside interval: ${JSON.stringify(r)}`);
  }
  assert.ok(rejections > 10, `only ${rejections} rejections: the check above proved nothing`);
});

// ─── Simulation: the always-valid property under per-second checks ────────────────────────────────


const binomial = (random: () => number, n: number, p: number): number => {
  let x = 0;
  for (let i = 0; i < n; i++) if (random() < p) x++;
  return x;
};

/** The rule that failed the canary, or undefined. */
type Judge = (canary: { total: number; errors: number }, baseline: { total: number; errors: number }) => string | undefined;

/** The failing rule of each of `runs` healthy runs (p = 1% both sides) that ever fails within `seconds` checks. */
function falseFails(seed: number, canaryRps: [number, number], baselineRps: [number, number], fails: Judge, runs = 200, seconds = 300): string[] {
  const random = mulberry32(seed);
  const draw = ([lo, hi]: [number, number]): number => lo + Math.floor(random() * (hi - lo + 1));
  const failed: string[] = [];
  for (let run = 0; run < runs; run++) {
    const canary = { total: 0, errors: 0 };
    const baseline = { total: 0, errors: 0 };
    for (let s = 0; s < seconds; s++) {
      const c = draw(canaryRps);
      const b = draw(baselineRps);
      canary.total += c; canary.errors += binomial(random, c, 0.01);
      baseline.total += b; baseline.errors += binomial(random, b, 0.01);
      const rule = fails(canary, baseline);
      if (rule !== undefined) { failed.push(rule); break; }
    }
  }
  return failed;
}

const judgeFails: Judge = (canary, baseline) => {
  const v = judgeErrorRate({ canary, baseline });
  return v.outcome === 'fail' ? v.rule : undefined;
};

/** A fixed-sample one-sided z-test at α = 0.01 checked every second: the thing we must beat. */
const naiveFails: Judge = (canary, baseline) => {
  if (canary.total < 50 || baseline.total < 50) return undefined;
  const pooled = (canary.errors + baseline.errors) / (canary.total + baseline.total);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / canary.total + 1 / baseline.total));
  return se > 0 && (canary.errors / canary.total - baseline.errors / baseline.total) / se > 2.326 ? 'naive' : undefined;
};

test('healthy canaries checked every second for 300 s: false-fail rate ≤ 2% (naive peeking is far above)', (t) => {
  const fails = falseFails(1, [20, 200], [20, 200], judgeFails);
  const naive = falseFails(1, [20, 200], [20, 200], naiveFails).length / 200;
  t.diagnostic(`sequential false-fail rate ${fails.length / 200} (${fails.join(', ')}), naive fixed-sample z-test ${naive} (200 runs × 300 checks)`);
  assert.ok(fails.length / 200 <= 0.02, `false-fail rate ${fails.length / 200}`);
  assert.ok(!fails.includes('fast-path'), 'the fast path failed a healthy canary');
  assert.ok(naive > 0.02, `naive peeking only reached ${naive}: the simulation cannot tell a valid test from an invalid one`);
});

test('healthy canaries with lopsided traffic (canary 20-40 rps, baseline 180-200 rps): false-fail rate ≤ 2%', (t) => {
  const fails = falseFails(2, [20, 40], [180, 200], judgeFails);
  t.diagnostic(`sequential false-fail rate ${fails.length / 200} (${fails.join(', ')}) (200 runs × 300 checks)`);
  assert.ok(fails.length / 200 <= 0.02, `false-fail rate ${fails.length / 200}`);
  assert.ok(!fails.includes('fast-path'), 'the fast path failed a healthy canary');
});

/** Seconds until the first fail for each run (Infinity if never within `seconds`). */
function detectionTimes(seed: number, canaryRps: number, baselineRps: number, canaryP: number, runs: number, seconds = 120): number[] {
  const random = mulberry32(seed);
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const canary = { total: 0, errors: 0 };
    const baseline = { total: 0, errors: 0 };
    let at = Number.POSITIVE_INFINITY;
    for (let s = 1; s <= seconds && at === Number.POSITIVE_INFINITY; s++) {
      canary.total += canaryRps; canary.errors += binomial(random, canaryRps, canaryP);
      baseline.total += baselineRps; baseline.errors += binomial(random, baselineRps, 0.01);
      if (judgeFails(canary, baseline) !== undefined) at = s;
    }
    times.push(at);
  }
  return times.sort((a, b) => a - b);
}

const median = (sorted: readonly number[]): number => sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;

test('×10 errors (1% → 10%) at 20 canary rps fail within 5 s in the median', (t) => {
  const tenPercentWeight = detectionTimes(3, 20, 180, 0.1, 101);
  const sameSizeBaseline = detectionTimes(4, 20, 20, 0.1, 101);
  t.diagnostic(`median ${median(tenPercentWeight)} s with a 180 rps baseline, ${median(sameSizeBaseline)} s with a 20 rps baseline`);
  assert.ok(median(tenPercentWeight) <= 5, `median ${median(tenPercentWeight)} s`);
  assert.ok(median(sameSizeBaseline) <= 10, `median ${median(sameSizeBaseline)} s`);
});

test('a +1 pp regression (1% → 2%) at 200 rps a side is caught within a minute in the median', (t) => {
  const times = detectionTimes(5, 200, 200, 0.02, 51);
  t.diagnostic(`median ${median(times)} s`);
  assert.ok(median(times) <= 60, `median ${median(times)} s`);
});
