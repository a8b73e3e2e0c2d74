import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RouteSpec, TrafficSplit } from '@sluice/domain';
import { silentLogger } from '../platform/logger.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { StoreRouteFeed } from './store-route-feed.js';

const route = (service: string): RouteSpec => ({ service, listen: '127.0.0.1:0', stickiness: { header: 'x-user-id', cookie: 'c' }, backends: { v1: ['http://127.0.0.1:9001'] } });
const split: TrafficSplit = { stable: 'v1', weight: 0, salt: 's' };

/** Waits (up to 5 s, for a loaded machine) until `ok()` holds. */
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
}

test('the store feed answers snapshots and changes from the store, wakes subscribers when another writer publishes, and stops polling with the last subscriber', async () => {
  const store = new MemoryStore();
  const feed = new StoreRouteFeed({ store, log: silentLogger, pollMs: 10 });
  await store.routes.put(route('shop'), split);
  assert.deepEqual((await feed.snapshot()).routes.map((r) => r.service), ['shop']);
  let wakes = 0;
  const unsubscribe = feed.subscribe(() => wakes++);
  await until(() => wakes >= 1);
  const before = wakes;
  assert.ok(before >= 1, 'the first poll wakes once');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(wakes, before, 'no new generation: no wake');
  await store.routes.put(route('cart'), split);
  await until(() => wakes > before);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(wakes, before + 1, 'a new generation wakes once');
  assert.deepEqual((await feed.changesSince(1, 10)).map((r) => r.service), ['cart']);
  await feed.record({ id: 'edge-1', generation: 2, services: {} }, 1000);
  assert.deepEqual((await feed.list(0)).map((r) => [r.id, r.receivedAt]), [['edge-1', 1000]]);
  unsubscribe();
  await store.routes.put(route('shop'), { ...split, weight: 0 });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(wakes, before + 1, 'no polling once nobody listens');
});
