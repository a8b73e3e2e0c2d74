import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleRatioMismatch, SRM_P_THRESHOLD } from './srm.js';
import { assertClose } from './testing/close.js';
import { refChiSquareUpper } from './testing/reference.js';

test('50/50 with 10,000 vs 10,400 users: χ² = 7.843, p = 0.0051, not flagged at 0.001', () => {
  // Expected 10,200 each: χ² = 2·200²/10,200 = 7.8431; p = erfc(√(χ²/2)).
  const srm = sampleRatioMismatch([10_000, 10_400], [50, 50]);
  assertClose(srm.chi2, (2 * 200 ** 2) / 10_200, 1e-12, 'χ²');
  assertClose(srm.p, refChiSquareUpper(srm.chi2, 1), 1e-9, 'p');
  assertClose(srm.p, 0.0051, 0, 'p (published scale)', 1e-4);
  assert.equal(srm.df, 1);
  assert.equal(srm.flagged, false);
});

test('50/50 with 10,000 vs 10,700 users: χ² = 23.67, p = 1.14e-6, flagged', () => {
  const srm = sampleRatioMismatch([10_000, 10_700], [50, 50]);
  assertClose(srm.chi2, (2 * 350 ** 2) / 10_350, 1e-12, 'χ²');
  assertClose(srm.chi2, 23.6715, 0, 'χ² (4 decimals)', 1e-4);
  assertClose(srm.p, refChiSquareUpper(srm.chi2, 1), 1e-9, 'p');
  assert.ok(srm.p < SRM_P_THRESHOLD && srm.flagged);
  assert.deepEqual(srm.expected, [10_350, 10_350]);
});

test('goodness of fit with four cells: a textbook example (χ² = 5.297, df = 3, p = 0.1513)', () => {
  // Grades 22, 38, 20, 11 (n = 91) against 32 %, 41 %, 20 %, 7 % (The Practice of Statistics, ex. 14.3).
  const srm = sampleRatioMismatch([22, 38, 20, 11], [32, 41, 20, 7]);
  assertClose(srm.chi2, 5.297, 0, 'χ²', 1e-3);
  assert.equal(srm.df, 3);
  assertClose(srm.p, 0.1513, 0, 'p', 1e-4);
  assertClose(srm.p, refChiSquareUpper(srm.chi2, 3), 1e-9, 'p (closed form)');
});

test('three variants 50/25/25, weights on any scale; no users yet is no mismatch', () => {
  const srm = sampleRatioMismatch([5_000, 2_650, 2_350], [0.5, 0.25, 0.25]);
  // Expected 5,000 / 2,500 / 2,500: χ² = 0 + 150²/2,500 + 150²/2,500 = 18; df = 2, p = e^{−9}.
  assertClose(srm.chi2, 18, 1e-12, 'χ²');
  assertClose(srm.p, Math.exp(-9), 1e-9, 'p');
  assert.equal(srm.flagged, true);
  const empty = sampleRatioMismatch([0, 0], [50, 50]);
  assert.deepEqual([empty.chi2, empty.p, empty.flagged], [0, 1, false]);
  assert.throws(() => sampleRatioMismatch([1, 2], [100]), RangeError);
});
