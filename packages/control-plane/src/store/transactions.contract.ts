import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SluiceError, startRollout, VersionConflictError, type Service } from '@sluice/domain';
import type { StoreTransaction } from './store.js';
import { makeEvent, makeRollout, makeService, withStore, type OpenTestStore } from './testing/store-fixtures.js';

const T0 = Date.UTC(2026, 0, 1);

export function registerTransactionTests(open: OpenTestStore): void {
  describe('transactions', () => {
    test('a committed transaction keeps every write and returns the result of work', () =>
      withStore(open, async (store) => {
        const result = await store.transaction(async (tx) => {
          await tx.services.save(makeService('checkout'), 0);
          await tx.rollouts.save(makeRollout('checkout-v2', 'checkout', T0), 0);
          const [event] = await tx.events.append([makeEvent('checkout', 'checkout-v2', T0)]);
          return event?.seq;
        });
        assert.equal(typeof result, 'number');
        assert.equal((await store.services.get('checkout'))?.version, 1);
        assert.equal((await store.rollouts.get('checkout-v2'))?.version, 1);
        assert.deepEqual((await store.events.list()).map((e) => e.seq), [result]);
      }));

    test('a throw after two saves and an append leaves nothing and rethrows the same error', () =>
      withStore(open, async (store) => {
        const boom = new Error('boom after writes');
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.services.save(makeService('checkout'), 0);
            await tx.rollouts.save(makeRollout('checkout-v2', 'checkout', T0), 0);
            await tx.events.append([makeEvent('checkout', 'checkout-v2', T0)]);
            throw boom;
          }),
          (error) => error === boom,
        );
        assert.equal(await store.services.get('checkout'), undefined);
        assert.equal(await store.rollouts.get('checkout-v2'), undefined);
        assert.deepEqual(await store.services.list(), []);
        assert.deepEqual(await store.rollouts.list(), []);
        assert.deepEqual(await store.events.list(), []);
      }));

    test('a version conflict inside a transaction undoes its earlier writes', () =>
      withStore(open, async (store) => {
        const existing = await store.services.save(makeService('payments'), 0);
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.rollouts.save(makeRollout('payments-v2', 'payments', T0), 0);
            await tx.services.save(existing, 0);
          }),
          VersionConflictError,
        );
        assert.equal(await store.rollouts.get('payments-v2'), undefined);
        assert.deepEqual(await store.services.get('payments'), existing);
      }));

    test('reads inside a transaction see its own writes; others see them only after commit', () =>
      withStore(open, async (store) => {
        await store.transaction(async (tx) => {
          const saved = await tx.services.save(makeService('checkout'), 0);
          assert.deepEqual(await tx.services.get('checkout'), saved);
          assert.deepEqual(await tx.services.list(), [saved]);
          const rollout = await tx.rollouts.save(makeRollout('checkout-v2', 'checkout', T0), 0);
          const started = await tx.rollouts.save(startRollout(rollout, T0 + 1).rollout, 1);
          assert.deepEqual(await tx.rollouts.list({ activeOnly: true }), [started]);
          const appended = await tx.events.append([makeEvent('checkout', 'checkout-v2', T0)]);
          assert.deepEqual(await tx.events.list(), appended);
        });
        assert.equal((await store.rollouts.get('checkout-v2'))?.version, 2);
      }));

    test('two concurrent transactions saving one record at the same version: exactly one wins', () =>
      withStore(open, async (store) => {
        const v1 = await store.services.save(makeService('checkout'), 0);
        const write = (stable: string) =>
          store.transaction(async (tx) => {
            const current = await tx.services.get('checkout');
            assert.equal(current?.version === 1 || current?.version === 2, true);
            await tx.events.append([makeEvent('checkout', 'checkout-v2', T0, { to: stable })]);
            return tx.services.save({ ...v1, status: { stable, revision: 2 } }, 1);
          });
        const results = await Promise.allSettled([write('left'), write('right')]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected');
        assert.equal(won.length, 1);
        assert.equal(lost.length, 1);
        assert.ok(lost[0]?.reason instanceof VersionConflictError, String(lost[0]?.reason));
        const stored = await store.services.get('checkout');
        assert.deepEqual(stored, won[0]?.value);
        assert.equal(stored?.version, 2);
        assert.deepEqual((await store.events.list()).map((e) => e.to), [stored?.status.stable]);
      }));

    test('two concurrent creates of one name: exactly one wins', () =>
      withStore(open, async (store) => {
        const create = (stable: string) => store.services.save(makeService('checkout', stable), 0);
        const results = await Promise.allSettled([create('v1'), create('v2')]);
        assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
        const lost = results.find((r) => r.status === 'rejected');
        assert.ok(lost?.reason instanceof VersionConflictError);
        assert.equal((await store.services.get('checkout'))?.version, 1);
      }));

    test('concurrent read-modify-write loops that retry on conflict lose no update', () =>
      withStore(open, async (store) => {
        await store.services.save(makeService('counter'), 0);
        const bump = async () => {
          for (;;) {
            try {
              return await store.transaction(async (tx) => {
                const current = (await tx.services.get('counter')) as Service;
                const status = { ...current.status, revision: current.status.revision + 1 };
                return await tx.services.save({ ...current, status }, current.version);
              });
            } catch (error) {
              if (!(error instanceof VersionConflictError)) throw error;
            }
          }
        };
        await Promise.all(Array.from({ length: 6 }, bump));
        const final = await store.services.get('counter');
        assert.equal(final?.version, 7);
        assert.equal(final?.status.revision, 7);
      }));

    test('using the store instead of tx inside a transaction fails fast instead of deadlocking', () =>
      withStore(open, async (store) => {
        await assert.rejects(
          store.transaction(async () => {
            await store.services.save(makeService('inner'), 0);
          }),
          (error) => error instanceof SluiceError && /inside one of its transactions/.test(error.message),
        );
        await assert.rejects(store.transaction(() => store.transaction(async () => 1)), SluiceError);
        assert.equal(await store.services.get('inner'), undefined);
      }));

    test('a tx kept after its transaction ended cannot be used', () =>
      withStore(open, async (store) => {
        let kept: StoreTransaction | undefined;
        await store.transaction(async (tx) => {
          kept = tx;
        });
        assert.ok(kept);
        await assert.rejects(kept.services.save(makeService('late'), 0), /already finished/);
        await assert.rejects(kept.events.list(), /already finished/);
        assert.equal(await store.services.get('late'), undefined);
      }));

    test('close() is idempotent and later calls fail with a SluiceError', async () => {
      const { store, cleanup } = await open();
      try {
        await store.services.save(makeService('checkout'), 0);
        await store.close();
        await store.close();
        // Passed as promises: the calls must reject, not throw synchronously.
        await assert.rejects(store.services.get('checkout'), SluiceError);
        await assert.rejects(store.events.list(), SluiceError);
        await assert.rejects(store.services.save(makeService('late'), 0), SluiceError);
        await assert.rejects(store.transaction(async () => 1), /closed/);
      } finally {
        await cleanup();
      }
    });
  });
}
