import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addKey, decodeSketch, emptySketch, encodeSketch, estimateDistinct, mergeSketch, SKETCH_REGISTERS } from './distinct-sketch.js';

function sketchOf(keys: Iterable<string>) {
  const s = emptySketch();
  for (const k of keys) addKey(s, k);
  return s;
}

function* users(from: number, to: number) {
  for (let i = from; i < to; i++) yield `user-${i}`;
}

describe('distinct sketch (HyperLogLog, 4,096 registers)', () => {
  test('an empty sketch estimates 0; repeated keys count once', () => {
    assert.equal(estimateDistinct(emptySketch()), 0);
    const s = sketchOf(['a', 'a', 'a', 'b']);
    assert.equal(estimateDistinct(s), 2);
  });

  test('estimates within 5 % (about 3 standard errors) from 10 to 300,000 keys', () => {
    for (const n of [10, 100, 1_000, 10_000, 300_000]) {
      const estimate = estimateDistinct(sketchOf(users(0, n)));
      assert.ok(Math.abs(estimate - n) <= Math.max(1, n * 0.05), `${n} keys estimated as ${estimate}`);
    }
  });

  test('merging two sketches counts their union, not their sum', () => {
    const a = sketchOf(users(0, 6_000));
    const b = sketchOf(users(4_000, 10_000));
    mergeSketch(a, b);
    const estimate = estimateDistinct(a);
    assert.ok(Math.abs(estimate - 10_000) <= 500, `union of 6,000 and 6,000 keys sharing 2,000: ${estimate}`);
  });

  test('encodes and decodes exactly; a small sketch encodes short', () => {
    for (const n of [0, 5, 50_000]) {
      const s = sketchOf(users(0, n));
      const text = encodeSketch(s);
      assert.deepEqual(decodeSketch(text), s, `${n} keys`);
      if (n === 5) assert.ok(text.length < 60, `5 keys encode as ${text.length} characters`);
    }
  });

  test('decode refuses damaged text', () => {
    const good = encodeSketch(sketchOf(users(0, 100)));
    for (const bad of ['', 'zz', good.slice(1), `${good}0`, good.replace('-', '-x'), '-4097.']) {
      assert.equal(decodeSketch(bad), undefined, JSON.stringify(bad.slice(0, 20)));
    }
    assert.equal(decodeSketch(`-${SKETCH_REGISTERS}.`)?.length, SKETCH_REGISTERS);
  });
});
