import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, isSluiceError, type RouteSpec, type TrafficSplit } from '@sluice/domain';
import { withStore, type OpenTestStore } from './testing/store-fixtures.js';

const T0 = Date.UTC(2026, 0, 1);

function route(service: string): RouteSpec {
  return { service, listen: '127.0.0.1:0', stickiness: { header: 'x-user-id', cookie: 'sluice-shop' }, backends: { v1: ['http://127.0.0.1:9001'] } };
}
const split = (weight: number): TrafficSplit => ({ stable: 'v1', canary: 'v2', weight, salt: 'shop-v2' });
const fenced = (e: unknown) => isSluiceError(e) && e.code === ErrorCode.FENCED;

export function registerCoordinationTests(open: OpenTestStore): void {
  describe('leases', () => {
    test('the first holder gets token 1 and renews it; another cannot take it before it expires, and gets token 2 after', () =>
      withStore(open, async (store) => {
        assert.equal(await store.leases.get('controller'), undefined);
        assert.deepEqual(await store.leases.acquire('controller', 'a', T0, 3000), { name: 'controller', holder: 'a', token: 1, expiresAt: T0 + 3000 });
        assert.equal(await store.leases.acquire('controller', 'b', T0 + 2999, 3000), undefined);
        assert.deepEqual(await store.leases.acquire('controller', 'a', T0 + 1000, 3000), { name: 'controller', holder: 'a', token: 1, expiresAt: T0 + 4000 });
        assert.equal(await store.leases.acquire('controller', 'b', T0 + 3999, 3000), undefined);
        assert.deepEqual(await store.leases.acquire('controller', 'b', T0 + 4000, 3000), { name: 'controller', holder: 'b', token: 2, expiresAt: T0 + 7000 });
        assert.deepEqual(await store.leases.get('controller'), { name: 'controller', holder: 'b', token: 2, expiresAt: T0 + 7000 });
        // The old holder coming back after its lease expired starts a new term.
        assert.equal(await store.leases.acquire('controller', 'a', T0 + 5000, 3000), undefined);
        assert.equal((await store.leases.acquire('controller', 'a', T0 + 7000, 3000))?.token, 3);
      }));

    test('release lets another take the lease at once; releasing a lease one does not hold changes nothing', () =>
      withStore(open, async (store) => {
        await store.leases.acquire('controller', 'a', T0, 3000);
        await store.leases.release('controller', 'b');
        assert.equal(await store.leases.acquire('controller', 'b', T0 + 1, 3000), undefined);
        await store.leases.release('controller', 'a');
        assert.equal((await store.leases.acquire('controller', 'b', T0 + 2, 3000))?.token, 2);
      }));

    test('a write fenced by a stale token is refused with FENCED and nothing of its transaction is kept', () =>
      withStore(open, async (store) => {
        const a = await store.leases.acquire('controller', 'a', T0, 3000);
        assert.ok(a);
        await store.transaction(async (tx) => {
          await tx.leases.check('controller', a.token);
          await tx.routes.put(route('shop'), split(10));
        });
        await store.leases.acquire('controller', 'b', T0 + 5000, 3000);
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.routes.put(route('cart'), split(0));
            await tx.leases.check('controller', a.token);
          }),
          fenced,
        );
        assert.equal(await store.routes.get('cart'), undefined);
        await assert.rejects(store.leases.check('controller', a.token), fenced);
        await assert.rejects(store.leases.check('nobody', 1), fenced);
      }));

    test('bad arguments are refused before anything is written', () =>
      withStore(open, async (store) => {
        await assert.rejects(store.leases.acquire('', 'a', T0, 3000), (e) => isSluiceError(e) && e.code === ErrorCode.INVALID_REQUEST);
        await assert.rejects(store.leases.acquire('controller', 'a', T0, 0), (e) => isSluiceError(e) && e.code === ErrorCode.INVALID_REQUEST);
        assert.equal(await store.leases.get('controller'), undefined);
      }));
  });

  describe('published routes', () => {
    test('each write takes the next generation; live lists live routes by service; changes are ordered and include tombstones', () =>
      withStore(open, async (store) => {
        assert.deepEqual(await store.routes.live(), { generation: 0, routes: [] });
        const shop = await store.routes.put(route('shop'), split(0));
        const cart = await store.routes.put(route('cart'), split(0));
        const shop2 = await store.routes.put(route('shop'), split(20));
        assert.deepEqual([shop.generation, cart.generation, shop2.generation], [1, 2, 3]);
        assert.deepEqual(shop2, { service: 'shop', generation: 3, route: route('shop'), split: split(20) });
        const live = await store.routes.live();
        assert.equal(live.generation, 3);
        assert.deepEqual(live.routes.map((r) => [r.service, r.generation]), [['cart', 2], ['shop', 3]]);
        const removed = await store.routes.remove('cart');
        assert.deepEqual(removed, { service: 'cart', generation: 4, removed: true });
        assert.equal(await store.routes.remove('cart'), undefined, 'a second removal writes nothing');
        assert.equal(await store.routes.get('cart'), undefined);
        assert.deepEqual((await store.routes.changesSince(1, 100)).map((r) => [r.service, r.generation, r.removed === true]), [['shop', 3, false], ['cart', 4, true]]);
        assert.deepEqual((await store.routes.changesSince(0, 1)).map((r) => r.generation), [3]);
        assert.deepEqual(await store.routes.changesSince(4, 100), []);
        assert.deepEqual((await store.routes.live()).routes.map((r) => r.service), ['shop']);
        assert.equal((await store.routes.put(route('cart'), split(0))).generation, 5, 'a route comes back after its tombstone');
      }));

    test('a rolled-back write leaves no generation behind', () =>
      withStore(open, async (store) => {
        await store.routes.put(route('shop'), split(0));
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.routes.put(route('shop'), split(50));
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.deepEqual(await store.routes.get('shop'), { service: 'shop', generation: 1, route: route('shop'), split: split(0) });
        assert.equal((await store.routes.put(route('shop'), split(5))).generation, 2);
      }));
  });

  describe('data plane reports', () => {
    test('the latest report of each data plane replaces the one before; list filters by arrival', () =>
      withStore(open, async (store) => {
        const served = { shop: { ...split(10), generation: 3, address: '127.0.0.1:8080' } };
        await store.dataPlaneReports.record({ id: 'edge-b', generation: 3, services: served }, T0);
        await store.dataPlaneReports.record({ id: 'edge-a', generation: 2, services: {} }, T0 + 10);
        await store.dataPlaneReports.record({ id: 'edge-a', generation: 3, services: served }, T0 + 20);
        assert.deepEqual(await store.dataPlaneReports.list(0), [
          { id: 'edge-a', generation: 3, services: served, receivedAt: T0 + 20 },
          { id: 'edge-b', generation: 3, services: served, receivedAt: T0 },
        ]);
        assert.deepEqual((await store.dataPlaneReports.list(T0 + 1)).map((r) => r.id), ['edge-a']);
      }));
  });
}
