import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, isSluiceError, SluiceError } from '@sluice/domain';
import { makeRevision, makeService, withStore, type OpenTestStore } from './testing/store-fixtures.js';

const T0 = Date.UTC(2026, 0, 1);

const conflictOn = (service: string, number: number) => (error: unknown) => {
  assert.ok(isSluiceError(error), String(error));
  assert.equal(error.code, ErrorCode.VERSION_CONFLICT);
  assert.deepEqual(error.details, { kind: 'Revision', name: service, number });
  assert.match(error.message, new RegExp(`Revision ${number} of service "${service}"`));
  return true;
};

export function registerRevisionTests(open: OpenTestStore): void {
  describe('revisions', () => {
    test('list of a service without revisions is empty; get of a missing revision is undefined', () =>
      withStore(open, async (store) => {
        assert.deepEqual(await store.revisions.list('shop'), []);
        assert.equal(await store.revisions.get('shop', 1), undefined);
        assert.equal(await store.revisions.get('shop', 1.5), undefined);
      }));

    test('append returns the revision; get and list return exactly what was appended, lowest number first, per service', () =>
      withStore(open, async (store) => {
        const first = makeRevision('shop', 1, 'v1', T0);
        const second = makeRevision('shop', 2, 'v2', T0 + 1000);
        const undone = makeRevision('shop', 3, 'v1', T0 + 2000, { outcome: 'undone-to', undoneTo: 1, actor: 'bob' });
        const other = makeRevision('shop-eu', 1, 'v2', T0);
        assert.deepEqual(await store.revisions.append(first), first);
        await store.revisions.append(undone);
        await store.revisions.append(other);
        await store.revisions.append(second);
        assert.deepEqual(await store.revisions.list('shop'), [first, second, undone]);
        assert.deepEqual(await store.revisions.list('shop-eu'), [other]);
        assert.deepEqual(await store.revisions.get('shop', 3), undone);
        assert.deepEqual(await store.revisions.get('shop-eu', 1), other);
        assert.equal(await store.revisions.get('shop', 4), undefined);
        assert.equal(await store.revisions.get('Shop', 1), undefined, 'service names are case-sensitive');
      }));

    test('numbers sort numerically, not as text', () =>
      withStore(open, async (store) => {
        for (const n of [10, 2, 1, 11]) await store.revisions.append(makeRevision('shop', n, `v${n}`, T0 + n));
        assert.deepEqual((await store.revisions.list('shop')).map((r) => r.number), [1, 2, 10, 11]);
      }));

    test('appending a number the service already has is a VERSION_CONFLICT and keeps the first', () =>
      withStore(open, async (store) => {
        const first = makeRevision('shop', 2, 'v2', T0);
        await store.revisions.append(first);
        await assert.rejects(store.revisions.append(makeRevision('shop', 2, 'v1', T0 + 5)), conflictOn('shop', 2));
        assert.deepEqual(await store.revisions.list('shop'), [first]);
      }));

    test('a revision number below 1 or not an integer is refused as a caller bug, writing nothing', () =>
      withStore(open, async (store) => {
        for (const number of [0, -1, 1.5, Number.NaN]) {
          await assert.rejects(
            store.revisions.append(makeRevision('shop', number, 'v1', T0)),
            (e: unknown) => e instanceof SluiceError && e.code === ErrorCode.INTERNAL && /revision number ≥ 1/.test(e.message),
          );
        }
        assert.deepEqual(await store.revisions.list('shop'), []);
      }));

    test('revision appends commit and roll back with their transaction, and a conflict undoes earlier writes', () =>
      withStore(open, async (store) => {
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.services.save(makeService('shop'), 0);
            await tx.revisions.append(makeRevision('shop', 1, 'v1', T0));
            assert.equal((await tx.revisions.list('shop')).length, 1, 'the transaction sees its own append');
            assert.equal((await tx.revisions.get('shop', 1))?.stable, 'v1');
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.deepEqual(await store.revisions.list('shop'), []);
        assert.equal(await store.services.get('shop'), undefined);
        const kept = makeRevision('shop', 1, 'v1', T0);
        await store.transaction(async (tx) => {
          await tx.services.save(makeService('shop'), 0);
          await tx.revisions.append(kept);
        });
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.revisions.append(makeRevision('shop', 2, 'v2', T0 + 1));
            await tx.revisions.append(makeRevision('shop', 1, 'v2', T0 + 1));
          }),
          conflictOn('shop', 1),
        );
        assert.deepEqual(await store.revisions.list('shop'), [kept]);
      }));

    test('returned revisions are copies: mutating them does not change the store', () =>
      withStore(open, async (store) => {
        const appended = await store.revisions.append(makeRevision('shop', 1, 'v1', T0));
        (appended.spec.versions as Record<string, unknown>)['v9'] = 'junk';
        const [listed] = await store.revisions.list('shop');
        (listed as { stable: string }).stable = 'v9';
        assert.deepEqual(await store.revisions.get('shop', 1), makeRevision('shop', 1, 'v1', T0));
      }));
  });
}
