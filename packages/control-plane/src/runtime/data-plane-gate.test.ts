import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RouteSpec, TrafficSplit } from '@sluice/domain';
import { MemoryRouter } from '../traffic/in-memory/memory-router.js';
import { trafficGate } from './data-plane-gate.js';

const KEY = { service: 'shop', version: 'v1' };
const OLD = 'http://127.0.0.1:7001';
const NEW = 'http://127.0.0.1:7002';
const SPLIT: TrafficSplit = { stable: 'v1', weight: 0, salt: 's' };
const route = (endpoints: string[]): RouteSpec => ({ service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 'c' }, backends: { v1: endpoints } });

/** Whether `promise` settles within a few polls. */
async function settlesSoon(promise: Promise<unknown>): Promise<boolean> {
  const settled = await Promise.race([promise.then(() => true, () => true), new Promise((resolve) => setTimeout(resolve, 30, false))]);
  return settled === true;
}

describe('trafficGate', () => {
  test('awaitInTable resolves once the route lists the endpoint, not before', async () => {
    const router = new MemoryRouter();
    const gate = trafficGate(router, 2);
    await router.upsertRoute(route([OLD]), SPLIT);
    const waiting = gate.awaitInTable(KEY, NEW, new AbortController().signal);
    assert.equal(await settlesSoon(waiting), false, 'not in the table yet');
    await router.upsertRoute(route([OLD, NEW]), SPLIT);
    assert.equal(await settlesSoon(waiting), true);
    await waiting;
  });

  test('awaitInTable keeps waiting while the service has no route at all', async () => {
    const gate = trafficGate(new MemoryRouter(), 2);
    const controller = new AbortController();
    const waiting = gate.awaitInTable(KEY, NEW, controller.signal);
    assert.equal(await settlesSoon(waiting), false);
    controller.abort(new Error('gave up'));
    await assert.rejects(waiting, /gave up/);
  });

  test('awaitOutOfTable resolves once the route no longer lists the endpoint, or has no route', async () => {
    const router = new MemoryRouter();
    const gate = trafficGate(router, 2);
    await router.upsertRoute(route([OLD, NEW]), SPLIT);
    const waiting = gate.awaitOutOfTable(KEY, OLD, new AbortController().signal);
    assert.equal(await settlesSoon(waiting), false, 'still listed');
    await router.upsertRoute(route([NEW]), SPLIT);
    await waiting;
    await gate.awaitOutOfTable({ service: 'gone', version: 'v1' }, OLD, new AbortController().signal);
  });

  test('awaitDrained resolves once no request to the endpoint is in flight', async () => {
    const router = new MemoryRouter();
    const gate = trafficGate(router, 2);
    await router.upsertRoute(route([NEW]), SPLIT);
    router.setInflight(OLD, 2);
    const waiting = gate.awaitDrained(KEY, OLD, new AbortController().signal);
    assert.equal(await settlesSoon(waiting), false, 'two requests in flight');
    router.setInflight(OLD, 0);
    await waiting;
  });

  test('a failing data plane is asked again rather than taken as an answer', async () => {
    const router = new MemoryRouter();
    const gate = trafficGate(router, 2);
    await router.upsertRoute(route([OLD]), SPLIT);
    router.failNext(3);
    const waiting = gate.awaitOutOfTable(KEY, OLD, new AbortController().signal);
    assert.equal(await settlesSoon(waiting), false, 'failures are not "out of the table"');
    await router.upsertRoute(route([]), SPLIT);
    await waiting;
  });
});
