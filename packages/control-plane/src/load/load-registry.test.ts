import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRollout, patchRollout, Phase, requestAbort, startRollout, type LoadStep } from '@sluice/domain';
import type { LoadRun, LoadRunState, LoadStats } from './load-generator.js';
import { activeLoadKey, LoadRegistry, loadKey } from './load-registry.js';

/** A generator that only records whether it was stopped. */
function fakeRun(): LoadRun & { stopped: number } {
  let state: LoadRunState = 'running';
  let resolve: (s: LoadStats) => void = () => {};
  const done = new Promise<LoadStats>((r) => (resolve = r));
  const run = {
    stopped: 0,
    get state() {
      return state;
    },
    reason: 'fake',
    stats: () => ({}) as LoadStats,
    stop() {
      run.stopped += 1;
      state = 'stopped';
      resolve({} as LoadStats);
    },
    done,
  };
  return run;
}

const LOAD: LoadStep = { kind: 'load', rps: 1, durationMs: 1000, requests: [{ method: 'GET', path: '/', headers: {}, weight: 1 }], timeoutMs: 100, maxInFlight: 1 };

describe('LoadRegistry', () => {
  test('start keeps one generator per key and returns it on later calls', () => {
    const registry = new LoadRegistry();
    const first = fakeRun();
    assert.equal(registry.start('a', () => first), first);
    assert.equal(registry.start('a', () => assert.fail('started twice')), first);
    assert.equal(registry.get('a'), first);
    assert.deepEqual(registry.keys(), ['a']);
  });

  test('stopExcept stops and forgets every generator whose key is not active', () => {
    const registry = new LoadRegistry();
    const keep = fakeRun();
    const drop = fakeRun();
    registry.start('keep', () => keep);
    registry.start('drop', () => drop);
    assert.deepEqual(registry.stopExcept(['keep', undefined]), ['drop']);
    assert.equal(drop.stopped, 1);
    assert.equal(keep.stopped, 0);
    assert.deepEqual(registry.keys(), ['keep']);
  });

  test('is bounded, and stopAll stops everything and refuses new starts', async () => {
    const registry = new LoadRegistry({ maxRuns: 2 });
    const runs = [fakeRun(), fakeRun()];
    for (const [i, run] of runs.entries()) registry.start(`k${i}`, () => run);
    assert.equal(registry.canStart(), false);
    assert.equal(registry.start('k9', () => assert.fail('over the limit')), undefined);
    await registry.stopAll();
    assert.deepEqual(runs.map((r) => r.stopped), [1, 1]);
    assert.equal(registry.size, 0);
    assert.equal(registry.start('k0', () => assert.fail('after stopAll')), undefined);
  });

  test('activeLoadKey names the generator the current step owns, and none once the rollout stops progressing', () => {
    const created = createRollout('shop-v2', { service: 'shop', target: 'v2', strategy: { kind: 'canary', steps: [LOAD, LOAD] } }, 'v1', 0);
    const started = startRollout(created, 1).rollout;
    assert.equal(activeLoadKey(started), undefined);
    const loading = patchRollout(started, { stepState: { stepIndex: 0, startedAt: 5, load: { startedAt: 7 } } }, 7, []).rollout;
    assert.equal(activeLoadKey(loading), loadKey('shop-v2', 0, 7));
    assert.equal(activeLoadKey(loading), 'shop-v2#0#7');
    const moved = patchRollout(loading, { stepIndex: 1 }, 8, []).rollout;
    assert.equal(activeLoadKey(moved), undefined);
    const aborted = requestAbort(loading, 'failure', 'x', 9).rollout;
    assert.equal(aborted.status.phase, Phase.Aborting);
    assert.equal(activeLoadKey(aborted), undefined);
  });
});
