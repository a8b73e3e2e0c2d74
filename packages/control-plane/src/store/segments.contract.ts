import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, VersionConflictError } from '@sluice/domain';
import { makeSegment, makeService, withStore, type OpenTestStore } from './testing/store-fixtures.js';

export function registerSegmentTests(open: OpenTestStore): void {
  describe('segments', () => {
    test('get of a missing segment is undefined; list of an empty store is empty', () =>
      withStore(open, async (store) => {
        assert.equal(await store.segments.get('nope'), undefined);
        assert.deepEqual(await store.segments.list(), []);
      }));

    test('save returns version 1 and get returns exactly what was saved', () =>
      withStore(open, async (store) => {
        const segment = makeSegment('internal-testers');
        assert.deepEqual(await store.segments.save(segment, 0), { ...segment, version: 1 });
        assert.deepEqual(await store.segments.get('internal-testers'), { ...segment, version: 1 });
      }));

    test('list is sorted by name in code point order, apart from services', () =>
      withStore(open, async (store) => {
        for (const name of ['testers', 'Beta', 'eu', 'eu-mobile']) await store.segments.save(makeSegment(name), 0);
        await store.services.save(makeService('eu'), 0);
        assert.deepEqual((await store.segments.list()).map((s) => s.name), ['Beta', 'eu', 'eu-mobile', 'testers']);
        assert.deepEqual((await store.services.list()).map((s) => s.name), ['eu']);
      }));

    test('each save increments the version; a stale or create-when-exists save conflicts and writes nothing', () =>
      withStore(open, async (store) => {
        const v1 = await store.segments.save(makeSegment('testers'), 0);
        const narrower = { ...v1, spec: { match: [{ kind: 'method' as const, methods: ['GET'] }] } };
        const v2 = await store.segments.save(narrower, 1);
        assert.equal(v2.version, 2);
        assert.deepEqual(await store.segments.get('testers'), v2);
        const conflict = (expected: number, actual: number | null) => (error: unknown) => {
          assert.ok(error instanceof VersionConflictError, String(error));
          assert.equal(error.code, ErrorCode.VERSION_CONFLICT);
          assert.deepEqual(error.details, { kind: 'Segment', name: 'testers', expected, actual });
          return true;
        };
        await assert.rejects(store.segments.save(v1, 1), conflict(1, 2));
        await assert.rejects(store.segments.save(makeSegment('testers'), 0), conflict(0, 2));
        await assert.rejects(store.segments.save(makeSegment('ghost'), 4), (e) => e instanceof VersionConflictError);
        assert.equal(await store.segments.get('ghost'), undefined);
        assert.deepEqual(await store.segments.get('testers'), v2);
      }));

    test('segment writes commit and roll back with their transaction', () =>
      withStore(open, async (store) => {
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.segments.save(makeSegment('testers'), 0);
            assert.equal((await tx.segments.get('testers'))?.version, 1, 'the transaction sees its own write');
            await tx.services.save(makeService('shop'), 0);
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.deepEqual(await store.segments.list(), []);
        assert.equal(await store.services.get('shop'), undefined);
        await store.transaction(async (tx) => {
          await tx.segments.save(makeSegment('testers'), 0);
          await tx.services.save(makeService('shop'), 0);
        });
        assert.equal((await store.segments.get('testers'))?.version, 1);
        assert.equal((await store.services.get('shop'))?.version, 1);
      }));

    test('returned segments are copies: mutating them does not change the store', () =>
      withStore(open, async (store) => {
        const saved = await store.segments.save(makeSegment('testers'), 0);
        (saved.spec.match as unknown[]).length = 0;
        const read = await store.segments.get('testers');
        (read?.spec.match as unknown[]).push('junk');
        assert.deepEqual(await store.segments.get('testers'), { ...makeSegment('testers'), version: 1 });
      }));
  });
}
