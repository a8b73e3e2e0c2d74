import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bucketOf, inCanary } from '@sluice/domain';
import { pickVersion } from './pick-version.js';

const keys = Array.from({ length: 2000 }, (_, i) => `k${i}`);

test('pickVersion serves stable without a canary or at weight 0, and canary at 100', () => {
  for (const key of keys.slice(0, 200)) {
    assert.equal(pickVersion({ stable: 'a', weight: 50, salt: 's' }, key), 'a');
    assert.equal(pickVersion({ stable: 'a', canary: 'b', weight: 0, salt: 's' }, key), 'a');
    assert.equal(pickVersion({ stable: 'a', canary: 'b', weight: 100, salt: 's' }, key), 'b');
  }
});

test('pickVersion follows the domain bucket rule in between', () => {
  for (const weight of [0.01, 7.5, 33, 99.99]) {
    for (const key of keys) {
      const expected = inCanary(bucketOf('salt', key), weight) ? 'b' : 'a';
      assert.equal(pickVersion({ stable: 'a', canary: 'b', weight, salt: 'salt' }, key), expected, `${key} at ${weight}`);
    }
  }
});
