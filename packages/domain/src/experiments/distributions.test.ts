import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chiSquareSurvival, regularizedIncompleteBeta, regularizedUpperGamma, studentTCdf, studentTCriticalValue, studentTQuantile, studentTTwoSidedP } from './distributions.js';
import { assertClose } from './testing/close.js';
import { refChiSquareUpper, refNormalUpper, refTCritical, refTTwoSided } from './testing/reference.js';

test('t two-sided p-values match Simpson integration of the density (fractional df included)', () => {
  for (const [t, df] of [[0.7, 1], [2.1, 2.5], [-1.83, 17.9], [3.2, 30], [2, 400], [1.96, 4000.7], [4.5, 12]] as const) {
    assertClose(studentTTwoSidedP(t, df), refTTwoSided(t, df), 1e-8, `P(|T_${df}| ≥ ${t})`);
  }
});

test('t critical values match published tables (t_{0.975, ν})', () => {
  // Student's t table: ν = 1 → 12.706, 2 → 4.303, 10 → 2.228, 30 → 2.042, 120 → 1.980.
  for (const [df, table] of [[1, 12.706], [2, 4.303], [10, 2.228], [30, 2.042], [120, 1.98]] as const) {
    assert.ok(Math.abs(studentTCriticalValue(0.05, df) - table) < 6e-4, `t_{0.975, ${df}} = ${studentTCriticalValue(0.05, df)} vs table ${table}`);
  }
  // Closed forms: ν = 1 is Cauchy, tan(π(p − ½)); ν = 2 is (2p − 1)/√(2p(1 − p)).
  assertClose(studentTQuantile(0.975, 1), Math.tan(Math.PI * 0.475), 1e-12, 'Cauchy quantile');
  assertClose(studentTQuantile(0.9, 2), 0.8 / Math.sqrt(2 * 0.9 * 0.1), 1e-12, 't_2 quantile');
  assertClose(studentTQuantile(0.1, 2), -0.8 / Math.sqrt(2 * 0.9 * 0.1), 1e-12, 't_2 lower quantile');
  assertClose(studentTCriticalValue(0.01, 37.3), refTCritical(0.01, 37.3), 1e-8, 't_{0.995, 37.3}');
});

test('t CDF is a CDF: symmetric, monotone, normal in the limit', () => {
  assertClose(studentTCdf(-1.3, 7) + studentTCdf(1.3, 7), 1, 1e-15, 'symmetry');
  assert.ok(studentTCdf(0.5, 7) < studentTCdf(0.6, 7));
  assert.equal(studentTCdf(0, 5), 0.5);
  assertClose(studentTTwoSidedP(2, 1e9), 2 * refNormalUpper(2), 1e-8, 'ν = 1e9 is normal');
  assertClose(studentTTwoSidedP(2, 2e5), refTTwoSided(2, 2e5), 1e-8, 'ν = 2e5');
  assertClose(studentTTwoSidedP(2, 5e5), refTTwoSided(2, 5e5), 1e-8, 'ν = 5e5 (asymptotic branch)');
  assert.ok(Number.isNaN(studentTTwoSidedP(1, 0)));
  assert.equal(studentTTwoSidedP(Infinity, 3), 0);
});

test('chi-square tails match the closed forms for 1, 2 and 3 degrees of freedom', () => {
  for (const x of [0.05, 1, 3.84, 7.84, 10.83, 23.67, 60]) {
    for (const df of [1, 2, 3] as const) assertClose(chiSquareSurvival(x, df), refChiSquareUpper(x, df), 1e-9, `P(χ²_${df} ≥ ${x})`);
  }
  // Table: the 0.999 quantile of χ²₁ is 10.828, of χ²₃ 16.266 (so p ≈ 0.001 there).
  assertClose(chiSquareSurvival(10.828, 1), 0.001, 1e-3, 'χ²₁ 0.999 quantile');
  assertClose(chiSquareSurvival(16.266, 3), 0.001, 1e-3, 'χ²₃ 0.999 quantile');
  assert.equal(chiSquareSurvival(0, 4), 1);
});

test('incomplete beta and gamma: exact special cases', () => {
  // I_x(a, 1) = x^a; I_x(1, b) = 1 − (1 − x)^b; Q(1, x) = e^{−x}; Q(a, x) for integer a is a Poisson sum.
  assertClose(regularizedIncompleteBeta(0.3, 2.5, 1), 0.3 ** 2.5, 1e-13, 'I_x(a,1)');
  assertClose(regularizedIncompleteBeta(0.8, 1, 3.5), 1 - 0.2 ** 3.5, 1e-13, 'I_x(1,b)');
  assertClose(regularizedUpperGamma(1, 2.5), Math.exp(-2.5), 1e-13, 'Q(1,x)');
  assertClose(regularizedUpperGamma(3, 4), Math.exp(-4) * (1 + 4 + 8), 1e-13, 'Q(3,x)');
  assertClose(regularizedUpperGamma(3, 1.5), Math.exp(-1.5) * (1 + 1.5 + 1.125), 1e-13, 'Q(3,x) series branch');
});
