import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BUCKETS, bucketOf, inCanary } from '../traffic/bucket.js';
import { allocationOrder, assignVariant, variantAssigner, variantBucketRanges } from './assign.js';

const keys = (n: number): string[] => Array.from({ length: n }, (_, i) => `user-${i}`);

describe('assignVariant', () => {
  test('bucket ranges are consecutive, cover 0..9,999 and follow the cumulative weights', () => {
    assert.deepEqual(variantBucketRanges([{ name: 'a', weight: 20 }, { name: 'b', weight: 30 }, { name: 'c', weight: 50 }]), [
      { name: 'a', from: 0, to: 2000 },
      { name: 'b', from: 2000, to: 5000 },
      { name: 'c', from: 5000, to: BUCKETS },
    ]);
    // 33.33 + 33.33 = 66.66 in floating point is 66.66000000000001 or 66.6599…: rounding keeps 6666.
    assert.deepEqual(variantBucketRanges([{ name: 'a', weight: 33.33 }, { name: 'b', weight: 33.33 }, { name: 'c', weight: 33.34 }]).map((r) => r.to), [3333, 6666, BUCKETS]);
  });

  test('allocation order puts the control last, keeping the treatments in spec order', () => {
    const variants = [{ name: 'control', weight: 50 }, { name: 'b', weight: 25 }, { name: 'c', weight: 25 }];
    assert.deepEqual(allocationOrder(variants, 'control').map((v) => v.name), ['b', 'c', 'control']);
    assert.deepEqual(allocationOrder(variants, 'c').map((v) => v.name), ['control', 'b', 'c']);
  });

  test('a key lands in the variant whose range holds bucketOf(experiment, key), and never moves', () => {
    const variants = [{ name: 'b', weight: 10 }, { name: 'c', weight: 40 }, { name: 'control', weight: 50 }];
    for (const key of keys(5000)) {
      const bucket = bucketOf('checkout-button', key);
      const expected = bucket < 1000 ? 'b' : bucket < 5000 ? 'c' : 'control';
      assert.equal(assignVariant('checkout-button', variants, key), expected, key);
      assert.equal(assignVariant('checkout-button', variants, key), expected, `${key} again`);
    }
  });

  test('two variants in allocation order agree with inCanary at the treatment weight, for 10,000 keys', () => {
    for (const weight of [0.01, 12.5, 50, 99.99]) {
      const spec = { name: 'exp', control: 'control', variants: [{ name: 'control', weight: 100 - weight }, { name: 'treatment', weight }] };
      const assign = variantAssigner(spec);
      let treated = 0;
      for (const key of keys(10_000)) {
        const expected = inCanary(bucketOf('exp', key), weight) ? 'treatment' : 'control';
        assert.equal(assign(key), expected, `${key} at ${weight}`);
        assert.equal(assignVariant('exp', allocationOrder(spec.variants, 'control'), key), expected);
        if (expected === 'treatment') treated++;
      }
      if (weight === 50) assert.ok(treated > 4800 && treated < 5200, `${treated} of 10,000 treated at 50 %`);
    }
  });

  test('the experiment name salts the assignment: another experiment shuffles users independently', () => {
    const variants = [{ name: 'a', weight: 50 }, { name: 'b', weight: 50 }];
    const same = keys(4000).filter((k) => assignVariant('one', variants, k) === assignVariant('two', variants, k)).length;
    assert.ok(same > 1800 && same < 2200, `${same} of 4000 agree between two experiments`);
  });

  test('assignVariant without variants is a RangeError', () => {
    assert.throws(() => assignVariant('x', [], 'k'), RangeError);
    assert.throws(() => variantAssigner({ name: 'x', control: 'c', variants: [] }), RangeError);
  });
});
