// Sub-percent rollouts: flexibleRollout `rollout` and gradualRollout* `percentage` with two
// decimals. Integer rollouts stay exactly Unleash's buckets; raising a rollout only adds users.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { murmur3 } from '../traffic/murmur3.js';
import { evaluateFlag } from './evaluate.js';
import type { FlagState } from './model.js';
import { normalizedHash, rolloutBucketHit } from './strategies.js';

const ids = (count: number): string[] => Array.from({ length: count }, (_, i) => `user-${i}`);
const hashOf = (id: string, groupId = 'g'): number => murmur3(`${groupId}:${id}`, 0);

test('integer rollouts are exactly Unleash: bucket murmur3 % 100 + 1 <= p', () => {
  for (const id of ids(5000)) {
    const h = hashOf(id);
    for (const p of [0, 1, 5, 10, 33, 50, 99, 100]) {
      assert.equal(rolloutBucketHit(h, p), p > 0 && normalizedHash(id, 'g', 100) <= p, `${id} at ${p}`);
    }
  }
});

test('raising the rollout only adds users (0 to 100 in 0.01 steps, sampled ids)', () => {
  for (const id of ids(400)) {
    const h = hashOf(id);
    let was = false;
    for (let step = 0; step <= 10000; step++) {
      const p = step / 100;
      const is = rolloutBucketHit(h, p);
      assert.ok(is || !was, `${id} leaves the rollout at ${p}`);
      was = is;
    }
    assert.equal(was, true, `${id} is not in at 100`);
  }
});

test('0.5 % takes about 0.5 % of 200,000 users; 12.25 % about 12.25 %', () => {
  const all = ids(200_000).map((id) => hashOf(id, 'sub-percent'));
  const share = (p: number): number => all.filter((h) => rolloutBucketHit(h, p)).length / all.length;
  assert.ok(Math.abs(share(0.5) - 0.005) < 0.0008, `0.5 %: ${share(0.5)}`);
  assert.ok(Math.abs(share(0.01) - 0.0001) < 0.0001, `0.01 %: ${share(0.01)}`);
  assert.ok(Math.abs(share(12.25) - 0.1225) < 0.003, `12.25 %: ${share(12.25)}`);
});

test('the strategies read decimal rollouts from their parameters', () => {
  const state: FlagState = {
    features: [
      { name: 'flex', enabled: true, strategies: [{ name: 'flexibleRollout', parameters: { rollout: '0.5', stickiness: 'userId', groupId: 'g' } }] },
      { name: 'grad', enabled: true, strategies: [{ name: 'gradualRolloutUserId', parameters: { percentage: '0.5', groupId: 'g' } }] },
      { name: 'sess', enabled: true, strategies: [{ name: 'gradualRolloutSessionId', parameters: { percentage: 0.5, groupId: 'g' } }] },
    ],
  };
  let count = 0;
  for (const id of ids(20_000)) {
    const expected = rolloutBucketHit(hashOf(id), 0.5);
    if (expected) count++;
    assert.equal(evaluateFlag(state, 'flex', { userId: id }).enabled, expected);
    assert.equal(evaluateFlag(state, 'grad', { userId: id }).enabled, expected);
    assert.equal(evaluateFlag(state, 'sess', { sessionId: id }).enabled, expected);
  }
  assert.ok(count > 50 && count < 150, `${count} of 20,000 in at 0.5 %`);
});

test('gradualRolloutRandom takes decimals too, and is unchanged at integers', () => {
  const state = (percentage: string): FlagState => ({
    features: [{ name: 'r', enabled: true, strategies: [{ name: 'gradualRolloutRandom', parameters: { percentage } }] }],
  });
  const on = (percentage: string, r: number): boolean => evaluateFlag(state(percentage), 'r', {}, { random: () => r }).enabled;
  assert.equal(on('0.5', 0.004), true);
  assert.equal(on('0.5', 0.006), false);
  for (let i = 0; i < 1000; i++) {
    const r = i / 1000;
    for (const p of [1, 10, 50, 99]) assert.equal(on(String(p), r), Math.floor(r * 100) + 1 <= p, `${r} at ${p}`);
  }
});
