import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addMeanValue, EMPTY_MEAN_STATS, type MeanStats } from './experiment-spec.js';
import { assertClose } from './testing/close.js';
import { refTwoProportion, refWelch } from './testing/reference.js';
import { meanAndVariance, relativeLiftInterval, twoProportionZTest, welchTTest } from './two-sample.js';

const sums = (values: readonly number[]): MeanStats => values.reduce(addMeanValue, EMPTY_MEAN_STATS);

test('Welch t-test: R\'s t.test example (t = −1.8325, df = 17.9, p = 0.08356, CI −2.1469104 … 0.1469104)', () => {
  // R: ts1 = c(11,9,10,11,10,12,9,11,12,9); ts2 = c(11,13,10,13,12,9,11,12,12,11); t.test(ts1, ts2)
  // (Welch by default; the difference is ts1 − ts2, so here ts1 is the treatment).
  const ts1 = [11, 9, 10, 11, 10, 12, 9, 11, 12, 9];
  const ts2 = [11, 13, 10, 13, 12, 9, 11, 12, 12, 11];
  const r = welchTTest(sums(ts2), sums(ts1));
  assertClose(r.statistic, -1.8325, 1e-4 / 1.8325, 't');
  assert.equal(r.degreesOfFreedom.toFixed(1), '17.9');
  assertClose(r.pValue, 0.08356, 1e-4, 'p', 0);
  assertClose(r.interval[0], -2.1469104, 0, 'CI low', 1e-7);
  assertClose(r.interval[1], 0.1469104, 0, 'CI high', 1e-7);
  assertClose(r.controlValue, 11.4, 1e-12, 'mean of ts2');
  assertClose(r.treatmentValue, 10.4, 1e-12, 'mean of ts1');
});

test('two-proportion z-test: a textbook example (300 vs 200 voters, 56 % vs 48 %: z = 1.755, p = 0.0792)', () => {
  // 168 of 300 in New York, 96 of 200 in Washington; pooled p̂ = 0.528; z = 1.7555, two-tailed p = 0.0792.
  const r = twoProportionZTest({ users: 200, conversions: 96 }, { users: 300, conversions: 168 });
  assertClose(r.statistic, 1.7555, 0, 'z', 1e-4);
  assertClose(r.pValue, 0.0792, 0, 'p', 1e-4);
  assertClose(r.difference, 0.08, 1e-12, 'difference');
  // The Wald interval R's prop.test(c(168, 96), c(300, 200), correct = FALSE) prints: −0.009159 … 0.169159.
  assertClose(r.interval[0], -0.009159, 0, 'CI low', 1e-6);
  assertClose(r.interval[1], 0.169159, 0, 'CI high', 1e-6);
});

test('two-proportion z-test: pooled SE for z, unpooled for the interval, delta-method lift (vs the reference)', () => {
  for (const [x1, n1, x2, n2, alpha] of [[500, 5000, 590, 5000, 0.05], [31, 412, 52, 388, 0.1], [9000, 10000, 8900, 10050, 0.01]] as const) {
    const r = twoProportionZTest({ users: n1, conversions: x1 }, { users: n2, conversions: x2 }, alpha);
    const ref = refTwoProportion(x1, n1, x2, n2, alpha);
    assertClose(r.statistic, ref.statistic, 1e-10, 'z');
    assertClose(r.pValue, ref.p, 1e-8, 'p');
    assertClose(r.interval[0], ref.ciLow, 1e-9, 'CI low');
    assertClose(r.interval[1], ref.ciHigh, 1e-9, 'CI high');
    assertClose(r.relativeLift, ref.lift, 1e-12, 'lift');
    assertClose(r.relativeInterval[0], ref.liftLow, 1e-9, 'lift low');
    assertClose(r.relativeInterval[1], ref.liftHigh, 1e-9, 'lift high');
  }
  // The pooled and unpooled errors differ when the groups differ in size and rate: z is not diff/SE_unpooled.
  // 2 % of 1,000 vs 30 % of 100: pooled SE 0.02185 gives z = 12.8; the unpooled 0.04604 would give 6.08.
  const r = twoProportionZTest({ users: 1000, conversions: 20 }, { users: 100, conversions: 30 });
  assertClose(r.statistic, 0.28 / Math.sqrt((50 / 1100) * (1 - 50 / 1100) * (1 / 1000 + 1 / 100)), 1e-12, 'pooled z');
  assertClose(r.standardError, Math.sqrt((0.02 * 0.98) / 1000 + (0.3 * 0.7) / 100), 1e-12, 'unpooled SE');
  assert.ok(r.statistic > 12 && r.difference / r.standardError < 6.1);
});

test('Welch t-test from sums equals the two-pass reference, with unequal sizes and variances', () => {
  const a = [3.1, 4.7, 2.2, 5.9, 4.4, 3.3, 6.1, 2.8];
  const b = [5.5, 7.9, 4.1, 9.6, 6.2, 8.8, 3.9, 7.7, 10.4, 6.6, 5.1, 8.3];
  const r = welchTTest(sums(a), sums(b), 0.1);
  const ref = refWelch(a, b, 0.1);
  assertClose(r.statistic, ref.statistic, 1e-10, 't');
  assertClose(r.degreesOfFreedom, ref.df, 1e-10, 'df');
  assertClose(r.pValue, ref.p, 1e-7, 'p');
  assertClose(r.interval[0], ref.ciLow, 1e-7, 'CI low');
  assertClose(r.interval[1], ref.ciHigh, 1e-7, 'CI high');
  assertClose(r.relativeInterval[0], ref.liftLow, 1e-7, 'lift low');
  assertClose(r.relativeInterval[1], ref.liftHigh, 1e-7, 'lift high');
});

test('edge cases: empty sides, constant sides, zero control', () => {
  assert.ok(Number.isNaN(twoProportionZTest({ users: 0, conversions: 0 }, { users: 10, conversions: 1 }).pValue));
  const none = twoProportionZTest({ users: 100, conversions: 0 }, { users: 100, conversions: 0 });
  assert.equal(none.statistic, 0);
  assert.equal(none.pValue, 1);
  assert.ok(Number.isNaN(none.relativeLift), 'no lift over a zero control');
  assert.ok(Number.isNaN(welchTTest(sums([1]), sums([1, 2, 3])).pValue), 'one value cannot give a variance');
  const same = welchTTest(sums([2, 2, 2]), sums([2, 2])), apart = welchTTest(sums([2, 2, 2]), sums([3, 3]));
  assert.deepEqual([same.pValue, same.degreesOfFreedom], [1, 3]);
  assert.deepEqual([apart.pValue, apart.statistic], [0, Infinity]);
});

test('meanAndVariance and the delta method on known numbers', () => {
  const mv = meanAndVariance(sums([2, 4, 4, 4, 5, 5, 7, 9]));
  assert.equal(mv.mean, 5);
  assertClose(mv.variance, 32 / 7, 1e-14, 'sample variance');
  // T/C − 1 with T = 0.12, C = 0.10: lift 0.2; Var = 1e-4/0.01 + 0.0144·1e-4/1e-4 = 0.01 + 0.0144.
  const { lift, interval } = relativeLiftInterval(0.1, 0.12, 1e-4, 1e-4, 2);
  assertClose(lift, 0.2, 1e-14, 'lift');
  assertClose(interval[1] - lift, 2 * Math.sqrt(0.0244), 1e-12, 'half-width');
});
