import assert from 'node:assert/strict';
import { test } from 'node:test';
import { changeWeight, ErrorCode, EventType, isSluiceError } from '@sluice/domain';
import { MemoryStore } from '../store/memory/memory-store.js';
import type { Store } from '../store/store.js';
import { CommitBatcher } from './commit-batcher.js';
import { seed, shopRollout, T0 } from './testing/fixtures.js';

/** A store counting its transactions. */
function counting(store: Store): { store: Store; transactions: () => number } {
  let n = 0;
  const wrapped = Object.create(store) as Store;
  wrapped.transaction = (work) => {
    n++;
    return store.transaction(work);
  };
  return { store: wrapped, transactions: () => n };
}

async function twoRollouts(store: Store) {
  await seed(store);
  const other = shopRollout();
  await store.rollouts.save({ ...other, name: 'shop-v2b' }, 0);
  const a = await store.rollouts.get('shop-v2');
  const b = await store.rollouts.get('shop-v2b');
  assert.ok(a && b);
  return { a, b };
}

test('commits asked for in the same turn are written in one transaction, each with its events', async () => {
  const inner = new MemoryStore();
  const { a, b } = await twoRollouts(inner);
  const { store, transactions } = counting(inner);
  const batcher = new CommitBatcher(store);
  const stamp = { actor: 'controller', at: T0 };
  const [savedA, savedB] = await Promise.all([
    batcher.commit({ rollout: changeWeight(a, 10, T0), base: a }, stamp),
    batcher.commit({ rollout: changeWeight(b, 20, T0), base: b }, stamp),
  ]);
  assert.equal(transactions(), 1);
  assert.equal(savedA.status.canaryWeight, 10);
  assert.equal(savedB.status.canaryWeight, 20);
  assert.equal((await inner.rollouts.get('shop-v2b'))?.status.canaryWeight, 20);
  const weights = (await inner.events.list({ types: [EventType.WeightChanged] })).map((e) => `${e.subject.name}:${e.to}`);
  assert.deepEqual(weights, ['shop-v2:10', 'shop-v2b:20']);
});

test('a conflict in a group fails only its own commit; the others are written', async () => {
  const inner = new MemoryStore();
  const { a, b } = await twoRollouts(inner);
  await inner.rollouts.save(changeWeight(b, 5, T0).rollout, b.version); // someone else wrote b first
  const batcher = new CommitBatcher(inner);
  const stamp = { actor: 'controller', at: T0 };
  const results = await Promise.allSettled([
    batcher.commit({ rollout: changeWeight(a, 10, T0), base: a }, stamp),
    batcher.commit({ rollout: changeWeight(b, 20, T0), base: b }, stamp),
  ]);
  assert.equal(results[0]?.status, 'fulfilled');
  assert.equal(results[1]?.status, 'rejected');
  const reason = results[1]?.status === 'rejected' ? results[1].reason : undefined;
  assert.ok(isSluiceError(reason) && reason.code === ErrorCode.VERSION_CONFLICT);
  assert.equal((await inner.rollouts.get('shop-v2'))?.status.canaryWeight, 10);
  assert.equal((await inner.rollouts.get('shop-v2b'))?.status.canaryWeight, 5);
  const weights = (await inner.events.list({ types: [EventType.WeightChanged] })).map((e) => `${e.subject.name}:${e.to}`);
  assert.deepEqual(weights, ['shop-v2:10'], 'the conflicted commit wrote no event');
});
