import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { enterPause, ErrorCode, isSluiceError, ManualClock, Phase, startRollout, type Rollout } from '@sluice/domain';
import { DEMO_STEPS, shopRollout, shopService, T0 } from '../orchestrator/testing/fixtures.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import type { Store } from '../store/store.js';
import { abortRollout, promoteRollout } from './rollout-commands.js';

/** A store where `beforeCommit` runs once, right after the command's first read: the controller winning a race. */
function racingStore(inner: MemoryStore, beforeCommit: () => Promise<void>): Store {
  let raced = false;
  const rollouts = {
    ...inner.rollouts,
    get: async (name: string) => {
      const r = await inner.rollouts.get(name);
      if (!raced) {
        raced = true;
        await beforeCommit();
      }
      return r;
    },
    list: inner.rollouts.list.bind(inner.rollouts),
    save: inner.rollouts.save.bind(inner.rollouts),
  };
  return { kind: 'racing', services: inner.services, segments: inner.segments, events: inner.events, rollouts, transaction: inner.transaction.bind(inner), close: async () => {} };
}

async function pausedAt(store: MemoryStore, stepIndex: number, durationMs: number | undefined): Promise<Rollout> {
  const current = (await store.rollouts.get('shop-v2')) ?? (await store.rollouts.save(shopRollout(DEMO_STEPS), 0));
  const started = current.status.phase === Phase.Pending ? startRollout(current, T0).rollout : current;
  const moved = { ...started, status: { ...started.status, phase: Phase.Progressing, stepIndex } };
  return store.rollouts.save(enterPause(moved, durationMs, T0).rollout, current.version);
}

describe('rollout commands', () => {
  test('promote that loses a race to the controller does not end a later pause', async () => {
    const inner = new MemoryStore();
    await inner.services.save(shopService(), 0);
    await pausedAt(inner, 1, 30_000);
    const store = racingStore(inner, async () => void (await pausedAt(inner, 3, undefined)));
    await assert.rejects(
      promoteRollout({ store, clock: new ManualClock(T0), actor: 'alice' }, 'shop-v2', false),
      (e: unknown) => isSluiceError(e) && e.code === ErrorCode.CONFLICT && /moved from step 2 to step 4/.test(e.message),
    );
    const after = await inner.rollouts.get('shop-v2');
    assert.equal(after?.status.promoteRequested, undefined, 'the manual pause at step 4 is untouched');
  });

  test('promote retried after an unrelated write on the same step still applies', async () => {
    const inner = new MemoryStore();
    await inner.services.save(shopService(), 0);
    const paused = await pausedAt(inner, 1, 30_000);
    const store = racingStore(inner, async () => void (await inner.rollouts.save({ ...paused, status: { ...paused.status, message: 'touched' } }, paused.version)));
    const result = await promoteRollout({ store, clock: new ManualClock(T0), actor: 'alice' }, 'shop-v2', false);
    assert.equal(result.status.promoteRequested, true);
  });

  test('abort of an unknown rollout is ROLLOUT_NOT_FOUND', async () => {
    await assert.rejects(
      abortRollout({ store: new MemoryStore(), clock: new ManualClock(T0), actor: 'a' }, 'nope', undefined),
      (e: unknown) => isSluiceError(e) && e.code === ErrorCode.ROLLOUT_NOT_FOUND,
    );
  });
});
