import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  changeWeight,
  completeStep,
  enterPause,
  ErrorCode,
  finishAbort,
  finishPromotion,
  requestAbort,
  requestPromote,
  startRollout,
  VersionConflictError,
  type Rollout,
} from '@sluice/domain';
import type { Store } from './store.js';
import { makeRollout, makeService, withStore, type OpenTestStore } from './testing/store-fixtures.js';

const T0 = Date.UTC(2026, 0, 1);

/** Saves a brand-new rollout and walks it through `steps` (each a domain change), saving each. */
async function saveThrough(store: Store, rollout: Rollout, ...steps: ((r: Rollout) => Rollout)[]): Promise<Rollout> {
  let saved = await store.rollouts.save(rollout, 0);
  for (const step of steps) saved = await store.rollouts.save(step(saved), saved.version);
  return saved;
}

function assertConflict(error: unknown, kind: string, name: string, expected: number, actual: number | null): true {
  assert.ok(error instanceof VersionConflictError, `expected VersionConflictError, got ${String(error)}`);
  assert.equal(error.code, ErrorCode.VERSION_CONFLICT);
  assert.deepEqual(error.details, { kind, name, expected, actual });
  return true;
}

export function registerServiceTests(open: OpenTestStore): void {
  describe('services', () => {
    test('get of a missing service is undefined; list of an empty store is empty', () =>
      withStore(open, async (store) => {
        assert.equal(await store.services.get('nope'), undefined);
        assert.deepEqual(await store.services.list(), []);
      }));

    test('save returns version 1 and get returns exactly what was saved', () =>
      withStore(open, async (store) => {
        const service = makeService('checkout');
        const saved = await store.services.save(service, 0);
        assert.deepEqual(saved, { ...service, version: 1 });
        assert.deepEqual(await store.services.get('checkout'), { ...service, version: 1 });
      }));

    test('hosts and proxy settings round-trip exactly, key order included (apply compares specs as JSON)', () =>
      withStore(open, async (store) => {
        const base = makeService('checkout');
        const spec = {
          ...base.spec,
          hosts: ['checkout.example.com', '*.checkout.example.com'],
          proxy: {
            limits: { maxHeaderBytes: 16_384, maxBodyBytes: 10 * 1024 ** 3, connectTimeoutMs: 5000, requestTimeoutMs: 0 },
            outlier: { consecutiveFailures: 0, maxEjectedPercent: 50 },
            healthCheck: {},
          },
        };
        await store.services.save({ ...base, spec }, 0);
        const read = await store.services.get('checkout');
        assert.deepEqual(read?.spec, spec);
        assert.equal(JSON.stringify(read?.spec), JSON.stringify(spec));
        assert.equal(JSON.stringify((await store.services.list())[0]?.spec), JSON.stringify(spec));
      }));

    test('list is sorted by name (code point order)', () =>
      withStore(open, async (store) => {
        for (const name of ['payments', 'checkout', 'Zeta', 'api', 'api-v2']) {
          await store.services.save(makeService(name), 0);
        }
        const names = (await store.services.list()).map((s) => s.name);
        assert.deepEqual(names, ['Zeta', 'api', 'api-v2', 'checkout', 'payments']);
      }));

    test('each save increments the version and replaces the body', () =>
      withStore(open, async (store) => {
        const v1 = await store.services.save(makeService('checkout'), 0);
        const v2 = await store.services.save({ ...v1, status: { stable: 'v2', revision: 2 } }, 1);
        const v3 = await store.services.save({ ...v2, spec: { ...v2.spec, listen: '0.0.0.0:9090' } }, 2);
        assert.deepEqual([v1.version, v2.version, v3.version], [1, 2, 3]);
        assert.deepEqual(await store.services.get('checkout'), v3);
        assert.equal((await store.services.list()).length, 1);
      }));

    test('a stale expectedVersion throws VersionConflictError and writes nothing', () =>
      withStore(open, async (store) => {
        const v1 = await store.services.save(makeService('checkout'), 0);
        const v2 = await store.services.save({ ...v1, status: { stable: 'v2', revision: 2 } }, 1);
        const stale = { ...v1, status: { stable: 'v3', revision: 9 } };
        await assert.rejects(store.services.save(stale, 1), (e) => assertConflict(e, 'Service', 'checkout', 1, 2));
        await assert.rejects(store.services.save(stale, 5), (e) => assertConflict(e, 'Service', 'checkout', 5, 2));
        assert.deepEqual(await store.services.get('checkout'), v2);
      }));

    test('creating a service that exists (expectedVersion 0) conflicts', () =>
      withStore(open, async (store) => {
        const first = await store.services.save(makeService('checkout', 'v1'), 0);
        const again = makeService('checkout', 'v2');
        await assert.rejects(store.services.save(again, 0), (e) => assertConflict(e, 'Service', 'checkout', 0, 1));
        assert.deepEqual(await store.services.get('checkout'), first);
      }));

    test('updating a service that does not exist conflicts and creates nothing', () =>
      withStore(open, async (store) => {
        const ghost = makeService('ghost');
        await assert.rejects(store.services.save(ghost, 3), (e) => assertConflict(e, 'Service', 'ghost', 3, null));
        assert.equal(await store.services.get('ghost'), undefined);
      }));

    test('returned objects are copies: mutating them does not change the store', () =>
      withStore(open, async (store) => {
        const saved = await store.services.save(makeService('checkout'), 0);
        (saved.status as { stable: string }).stable = 'mutated';
        const read = await store.services.get('checkout');
        assert.equal(read?.status.stable, 'v1');
        (read?.spec.versions as Record<string, unknown>)['v9'] = 'junk';
        assert.deepEqual(await store.services.get('checkout'), { ...makeService('checkout'), version: 1 });
      }));
  });
}

export function registerRolloutTests(open: OpenTestStore): void {
  describe('rollouts', () => {
    test('save and get round-trip a rollout through its life, optional fields included', () =>
      withStore(open, async (store) => {
        const created = makeRollout('checkout-v2', 'checkout', T0);
        assert.deepEqual(await store.rollouts.save(created, 0), { ...created, version: 1 });
        const started = startRollout({ ...created, version: 1 }, T0 + 1).rollout;
        const weighted = changeWeight(started, 20, T0 + 2).rollout;
        const paused = enterPause(weighted, 30_000, T0 + 3).rollout;
        assert.equal(paused.status.pauseUntil, T0 + 30_003);
        const savedPaused = await saveThrough(store, { ...paused, name: 'checkout-paused', version: 0 });
        assert.deepEqual(await store.rollouts.get('checkout-paused'), savedPaused);
        assert.equal((await store.rollouts.get('checkout-paused'))?.status.pauseUntil, T0 + 30_003);

        const resumed = completeStep(savedPaused, T0 + 40_000, 'pause elapsed').rollout;
        const saved = await store.rollouts.save(resumed, 1);
        const read = await store.rollouts.get('checkout-paused');
        assert.deepEqual(read, saved);
        assert.equal(read?.version, 2);
        assert.equal('pauseUntil' in (read?.status ?? {}), false, 'cleared optional field must be absent');
        assert.equal('pausedAt' in (read?.status ?? {}), false);
        assert.equal(await store.rollouts.get('missing'), undefined);
      }));

    test('list is ordered by creation time, then name', () =>
      withStore(open, async (store) => {
        await store.rollouts.save(makeRollout('b-late', 'checkout', T0 + 2000), 0);
        await store.rollouts.save(makeRollout('z-early', 'checkout', T0), 0);
        await store.rollouts.save(makeRollout('b-mid', 'payments', T0 + 1000), 0);
        await store.rollouts.save(makeRollout('a-mid', 'checkout', T0 + 1000), 0);
        const names = (await store.rollouts.list()).map((r) => r.name);
        assert.deepEqual(names, ['z-early', 'a-mid', 'b-mid', 'b-late']);
      }));

    test('list filters by service and by activeOnly (terminal phases excluded)', () =>
      withStore(open, async (store) => {
        const start = (r: Rollout) => startRollout(r, T0 + 5).rollout;
        const promote = (r: Rollout) => requestPromote(r, true, T0 + 6).rollout;
        const succeed = (r: Rollout) => finishPromotion(r, T0 + 7).rollout;
        const abort = (r: Rollout) => requestAbort(r, 'user', 'bad latency', T0 + 6).rollout;
        const fail = (r: Rollout) => requestAbort(r, 'failure', 'probe failed', T0 + 6).rollout;
        const rolledBack = (r: Rollout) => finishAbort(r, T0 + 8).rollout;
        await saveThrough(store, makeRollout('c-pending', 'checkout', T0 + 1));
        await saveThrough(store, makeRollout('c-running', 'checkout', T0 + 2), start);
        await saveThrough(store, makeRollout('c-done', 'checkout', T0 + 3), start, promote, succeed);
        await saveThrough(store, makeRollout('c-aborting', 'checkout', T0 + 4), start, abort);
        await saveThrough(store, makeRollout('c-aborted', 'checkout', T0 + 5), start, abort, rolledBack);
        await saveThrough(store, makeRollout('p-failed', 'payments', T0 + 6), start, fail, rolledBack);
        await saveThrough(store, makeRollout('p-running', 'payments', T0 + 7), start);

        const names = async (filter?: Parameters<Store['rollouts']['list']>[0]) =>
          (await store.rollouts.list(filter)).map((r) => r.name);
        assert.deepEqual(await names({ service: 'payments' }), ['p-failed', 'p-running']);
        assert.deepEqual(await names({ activeOnly: true }), ['c-pending', 'c-running', 'c-aborting', 'p-running']);
        assert.deepEqual(await names({ service: 'checkout', activeOnly: true }), ['c-pending', 'c-running', 'c-aborting']);
        assert.deepEqual(await names({ service: 'checkout', activeOnly: false }), [
          'c-pending', 'c-running', 'c-done', 'c-aborting', 'c-aborted',
        ]);
        assert.deepEqual(await names({ service: 'nobody' }), []);
        assert.equal((await store.rollouts.get('c-done'))?.status.phase, 'Succeeded');
        assert.equal((await store.rollouts.get('p-failed'))?.status.phase, 'Failed');
      }));

    test('a stale or create-when-exists save conflicts and writes nothing', () =>
      withStore(open, async (store) => {
        const v1 = await store.rollouts.save(makeRollout('r1', 'checkout', T0), 0);
        const v2 = await store.rollouts.save(startRollout(v1, T0 + 1).rollout, 1);
        const stale = requestAbort(v1, 'user', 'stale', T0 + 2).rollout;
        await assert.rejects(store.rollouts.save(stale, 1), (e) => assertConflict(e, 'Rollout', 'r1', 1, 2));
        await assert.rejects(store.rollouts.save(makeRollout('r1', 'other', T0), 0), (e) =>
          assertConflict(e, 'Rollout', 'r1', 0, 2),
        );
        assert.deepEqual(await store.rollouts.get('r1'), v2);
        assert.deepEqual(await store.rollouts.list({ service: 'other' }), []);
        assert.deepEqual(await store.rollouts.list({ activeOnly: true }), [v2]);
      }));
  });
}
