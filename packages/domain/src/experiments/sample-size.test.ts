import assert from 'node:assert/strict';
import { test } from 'node:test';
import { twoMeanSampleSize, twoProportionSampleSize } from './sample-size.js';
import { refProportionSampleSize } from './testing/reference.js';

test('two proportions: R\'s power.prop.test examples (0.50 → 0.75 at 90 %: n = 76.65; 0.10 → 0.12 at 80 %: 3,840.8)', () => {
  assert.equal(twoProportionSampleSize(0.5, 0.75, 0.05, 0.9), 77);
  assert.equal(twoProportionSampleSize(0.1, 0.12, 0.05, 0.8), 3841);
  assert.equal(twoProportionSampleSize(0.12, 0.1, 0.05, 0.8), 3841, 'symmetric in the two rates');
});

test('two proportions: the closed form at other levels equals the reference', () => {
  for (const [p1, p2, alpha, power] of [[0.03, 0.033, 0.05, 0.8], [0.2, 0.25, 0.01, 0.9], [0.6, 0.5, 0.05 / 3, 0.8]] as const) {
    assert.equal(twoProportionSampleSize(p1, p2, alpha, power), refProportionSampleSize(p1, p2, alpha, power), `${p1} → ${p2}`);
  }
  assert.ok(Number.isNaN(twoProportionSampleSize(0, 0.1, 0.05, 0.8)));
  assert.ok(Number.isNaN(twoProportionSampleSize(0.1, 0.1, 0.05, 0.8)));
});

test('two means: n = 2σ²(z_{α/2} + z_β)²/δ² (Lehr: about 16σ²/δ² at 5 % and 80 %)', () => {
  // 2·(1.959964 + 0.841621)²·1/0.25 = 62.79 → 63; σ² = 4, δ = 1 → 62.79 → 63; δ = 2σ → 3.92 → 4.
  assert.equal(twoMeanSampleSize(1, 0.5, 0.05, 0.8), 63);
  assert.equal(twoMeanSampleSize(4, -1, 0.05, 0.8), 63);
  assert.equal(twoMeanSampleSize(1, 2, 0.05, 0.8), 4);
  // 90 % power at 1 %: 2·(2.575829 + 1.281552)² = 29.76 per unit effect size.
  assert.equal(twoMeanSampleSize(1, 1, 0.01, 0.9), 30);
  assert.ok(Number.isNaN(twoMeanSampleSize(1, 0, 0.05, 0.8)));
});
