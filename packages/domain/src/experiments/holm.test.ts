import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holmAdjust } from './holm.js';
import { refHolm } from './testing/reference.js';

test('Holm: step-down multipliers m, m − 1, …, kept monotone, capped at 1, in input order', () => {
  // Sorted 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, then 0.04·1 = 0.04 < 0.06 stays 0.06.
  const adjusted = holmAdjust([0.01, 0.04, 0.03, 0.005]);
  [0.03, 0.06, 0.06, 0.02].forEach((e, i) => assert.ok(Math.abs((adjusted[i] ?? NaN) - e) < 1e-15, `${i}: ${adjusted[i]} vs ${e}`));
  assert.deepEqual(holmAdjust([0.6, 0.9]), [1, 1]);
  assert.deepEqual(holmAdjust([0.02]), [0.02]);
});

test('Holm matches the textbook loop on random p-values; NaN stays NaN and counts in m', () => {
  let seed = 7;
  const next = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 0.2;
  for (let trial = 0; trial < 50; trial++) {
    const p = Array.from({ length: 1 + (trial % 6) }, next);
    assert.deepEqual(holmAdjust(p), refHolm(p));
  }
  const withNaN = holmAdjust([0.01, NaN]);
  assert.equal(withNaN[0], 0.02);
  assert.ok(Number.isNaN(withNaN[1]));
});
