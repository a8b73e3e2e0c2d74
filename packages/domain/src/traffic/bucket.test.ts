import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { BUCKETS, bucketOf, inCanary } from './bucket.js';

const WEIGHTS = [0.01, 0.5, 1, 5, 10, 14.35, 20, 33.33, 50, 75, 99.99, 100];

function keys(count: number, prefix = 'user-'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

describe('bucketOf', () => {
  test('bucketOf is an integer in 0..9,999 and stable for a salt and key', () => {
    for (const key of keys(1000)) {
      const b = bucketOf('shop-v2', key);
      assert.ok(Number.isInteger(b) && b >= 0 && b < BUCKETS, `${key} → ${b}`);
      assert.equal(bucketOf('shop-v2', key), b);
    }
  });

  test('bucketOf spreads 20,000 keys evenly over 10 deciles (chi-square, 9 df)', () => {
    const n = 20_000;
    const counts = new Array<number>(10).fill(0);
    for (const key of keys(n)) counts[Math.floor(bucketOf('checkout-rollout', key) / (BUCKETS / 10))]! += 1;
    const expected = n / 10;
    const chi2 = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    // 27.88 is the 0.1 % critical value for 9 degrees of freedom; the keys are fixed, so this never flakes.
    assert.ok(chi2 < 27.88, `chi-square ${chi2.toFixed(2)} over deciles ${counts.join(',')}`);
  });

  test('bucketOf buckets independently per salt', () => {
    const all = keys(5000);
    const a = all.filter((k) => inCanary(bucketOf('rollout-a', k), 10));
    const both = a.filter((k) => inCanary(bucketOf('rollout-b', k), 10));
    // Independent salts put about 10 % of rollout-a's canary users in rollout-b's canary too.
    assert.ok(a.length > 400 && a.length < 600, `rollout-a canary size ${a.length}`);
    assert.ok(both.length < a.length * 0.2, `${both.length} of ${a.length} overlap`);
  });
});

describe('inCanary', () => {
  test('inCanary at weight 0 takes no bucket and at 100 takes every bucket', () => {
    for (let b = 0; b < BUCKETS; b++) {
      assert.equal(inCanary(b, 0), false, `bucket ${b} at 0 %`);
      assert.equal(inCanary(b, 100), true, `bucket ${b} at 100 %`);
    }
  });

  test('inCanary at 0.01 % takes exactly bucket 0', () => {
    const taken = [];
    for (let b = 0; b < BUCKETS; b++) if (inCanary(b, 0.01)) taken.push(b);
    assert.deepEqual(taken, [0]);
  });

  test('inCanary takes weight*100 buckets, despite floating-point weights', () => {
    for (const w of WEIGHTS) {
      let taken = 0;
      for (let b = 0; b < BUCKETS; b++) if (inCanary(b, w)) taken++;
      assert.equal(taken, Math.round(w * 100), `weight ${w}`);
    }
  });

  test('inCanary is monotonic: a key on the canary stays there as the weight rises (5,000 keys)', () => {
    for (const key of keys(5000)) {
      const bucket = bucketOf('monotonic', key);
      let seen = false;
      for (const w of WEIGHTS) {
        const now = inCanary(bucket, w);
        assert.ok(!(seen && !now), `${key} (bucket ${bucket}) left the canary at ${w} %`);
        seen ||= now;
      }
      assert.equal(seen, true, `${key} never joined the canary, even at 100 %`);
    }
  });

  test('inCanary share of 5,000 keys tracks the weight', () => {
    const buckets = keys(5000).map((k) => bucketOf('share', k));
    for (const w of [1, 10, 20, 50, 90]) {
      const p = w / 100;
      const share = buckets.filter((b) => inCanary(b, w)).length / buckets.length;
      const tolerance = 4.5 * Math.sqrt((p * (1 - p)) / buckets.length);
      assert.ok(Math.abs(share - p) <= tolerance, `weight ${w}: share ${share}`);
    }
  });
});
