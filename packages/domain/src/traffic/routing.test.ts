import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bucketOf, inCanary } from './bucket.js';
import { ruleNeedsKey, ruleVersion, type RouteRule } from './routing.js';

const SPLIT = { stable: 'v1', salt: 'shop-v2' };
const splitRule = (weight: number, name = 'beta'): RouteRule => ({ name, conditions: [], action: { kind: 'split', canary: 'v2', weight } });
const keys = Array.from({ length: 5000 }, (_, i) => `user-${i}`);

describe('ruleVersion', () => {
  test('ruleVersion sends a version rule to its version, whatever the key', () => {
    const rule: RouteRule = { name: 'testers', conditions: [], action: { kind: 'version', version: 'v3' } };
    assert.equal(ruleVersion(rule, SPLIT, 'anyone'), 'v3');
    assert.equal(ruleNeedsKey(rule), false);
  });

  test('ruleVersion splits with bucketOf(salt + ":" + rule name, key)', () => {
    const rule = splitRule(37.5);
    for (const key of keys.slice(0, 500)) {
      const expected = inCanary(bucketOf('shop-v2:beta', key), 37.5) ? 'v2' : 'v1';
      assert.equal(ruleVersion(rule, SPLIT, key), expected, key);
    }
    assert.equal(ruleNeedsKey(rule), true);
    assert.equal(ruleNeedsKey(splitRule(0)), false);
    assert.equal(ruleNeedsKey(splitRule(100)), false);
    assert.equal(ruleVersion(splitRule(0), SPLIT, 'k'), 'v1');
    assert.equal(ruleVersion(splitRule(100), SPLIT, 'k'), 'v2');
  });

  test('a rule split with its own salt buckets by it, whatever the split salt', () => {
    const rule: RouteRule = { name: 'beta', conditions: [], action: { kind: 'split', canary: 'v2', weight: 37.5, salt: 'shop' } };
    for (const key of keys.slice(0, 500)) {
      const expected = inCanary(bucketOf('shop:beta', key), 37.5) ? 'v2' : 'v1';
      assert.equal(ruleVersion(rule, SPLIT, key), expected, key);
      assert.equal(ruleVersion(rule, { stable: 'v1', salt: 'other-rollout' }, key), expected, key);
    }
  });

  test('a rule split never moves a user back to stable as its weight rises (0.01 steps included)', () => {
    const weights = [0, 0.01, 0.02, 1, 5, 12.34, 50, 99.99, 100];
    let onCanary = new Set<string>();
    for (const weight of weights) {
      const now = new Set(keys.filter((k) => ruleVersion(splitRule(weight), SPLIT, k) === 'v2'));
      for (const key of onCanary) assert.ok(now.has(key), `${key} flipped back at ${weight}%`);
      onCanary = now;
    }
    assert.equal(onCanary.size, keys.length);
    const share = keys.filter((k) => ruleVersion(splitRule(20), SPLIT, k) === 'v2').length / keys.length;
    assert.ok(share > 0.17 && share < 0.23, `20% rule split gave ${share}`);
  });

  test('each rule buckets independently of the main split and of other rules', () => {
    const a = keys.filter((k) => ruleVersion(splitRule(10, 'a'), SPLIT, k) === 'v2');
    const b = new Set(keys.filter((k) => ruleVersion(splitRule(10, 'b'), SPLIT, k) === 'v2'));
    const main = new Set(keys.filter((k) => inCanary(bucketOf('shop-v2', k), 10)));
    const overlap = (set: Set<string>) => a.filter((k) => set.has(k)).length / a.length;
    assert.ok(overlap(b) < 0.2, `rules a and b share ${overlap(b)}`);
    assert.ok(overlap(main) < 0.2, `rule a and the main split share ${overlap(main)}`);
  });
});
