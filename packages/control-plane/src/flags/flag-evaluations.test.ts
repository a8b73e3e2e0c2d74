import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Rollout } from '@sluice/domain';
import { FlagEvaluationCounter } from './flag-evaluations.js';

const rollout = (keys: string[]) => ({ status: { flagBaselines: Object.fromEntries(keys.map((k) => [k, {}])) } }) as unknown as Rollout;

describe('FlagEvaluationCounter', () => {
  test('counts "on" evaluations per flag environment and hands each count out once', () => {
    const counter = new FlagEvaluationCounter();
    counter.record('production', 'a', 7);
    counter.record('production', 'a', 3);
    counter.record('staging', 'a', 100);
    counter.record('production', 'b', 5);
    counter.record('production', 'c', 0);
    assert.equal(counter.take(rollout(['a/production', 'c/production'])), 10);
    assert.equal(counter.take(rollout(['a/production'])), 0, 'taken already');
    assert.equal(counter.take(rollout(['a/staging', 'b/production'])), 105);
    assert.equal(counter.take(rollout([])), 0);
  });
});
