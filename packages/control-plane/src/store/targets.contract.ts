import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VersionConflictError, type Target } from '@sluice/domain';
import { makeSegment, withStore, type OpenTestStore } from './testing/store-fixtures.js';

function makeTarget(name: string, labels: Record<string, string> = { region: 'eu' }): Target {
  return { name, version: 0, spec: { labels, dataPlane: { kind: 'builtin', services: { shop: { listen: '127.0.0.1:0' } } } } };
}

export function registerTargetTests(open: OpenTestStore): void {
  describe('targets', () => {
    test('get of a missing target is undefined; save returns version 1 and get returns exactly what was saved', () =>
      withStore(open, async (store) => {
        assert.equal(await store.targets.get('eu-1'), undefined);
        const target = makeTarget('eu-1', { region: 'eu', cluster: '1' });
        assert.deepEqual(await store.targets.save(target, 0), { ...target, version: 1 });
        assert.deepEqual(await store.targets.get('eu-1'), { ...target, version: 1 });
      }));

    test('list is sorted by name, apart from segments of the same name', () =>
      withStore(open, async (store) => {
        for (const name of ['us-1', 'eu-2', 'eu-1']) await store.targets.save(makeTarget(name), 0);
        await store.segments.save(makeSegment('eu-1'), 0);
        assert.deepEqual((await store.targets.list()).map((t) => t.name), ['eu-1', 'eu-2', 'us-1']);
        assert.deepEqual((await store.segments.list()).map((s) => s.name), ['eu-1']);
      }));

    test('a stale save conflicts and writes nothing; writes roll back with their transaction', () =>
      withStore(open, async (store) => {
        const v1 = await store.targets.save(makeTarget('eu-1'), 0);
        const v2 = await store.targets.save({ ...v1, spec: { ...v1.spec, labels: { region: 'us' } } }, 1);
        await assert.rejects(store.targets.save(v1, 1), (e) => e instanceof VersionConflictError);
        assert.deepEqual(await store.targets.get('eu-1'), v2);
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.targets.save(makeTarget('us-1'), 0);
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal(await store.targets.get('us-1'), undefined);
      }));
  });
}
