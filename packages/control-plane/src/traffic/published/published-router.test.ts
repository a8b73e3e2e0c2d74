import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSluiceError, type DataPlaneReport, type PublishedRoute, type RouteSpec, type StoredDataPlaneReport, type TrafficSplit } from '@sluice/domain';
import { runTrafficRouterContract } from '../traffic-router.contract.js';
import { PublishedRouter, type RouteTablePort } from './published-router.js';

/** The store's published routes and reports, in a map (the real port is the store; see ha/). */
class FakePort implements RouteTablePort {
  readonly entries = new Map<string, PublishedRoute>();
  readonly stored = new Map<string, StoredDataPlaneReport>();
  generation = 0;
  async put(route: RouteSpec, split: TrafficSplit): Promise<PublishedRoute> {
    const entry = { service: route.service, generation: ++this.generation, route, split };
    this.entries.set(route.service, structuredClone(entry));
    return entry;
  }
  async remove(service: string): Promise<PublishedRoute | undefined> {
    if (this.entries.get(service)?.removed !== false && !this.entries.get(service)?.route) return undefined;
    const entry = { service, generation: ++this.generation, removed: true };
    this.entries.set(service, entry);
    return entry;
  }
  async get(service: string): Promise<PublishedRoute | undefined> {
    const entry = this.entries.get(service);
    return entry?.removed === true ? undefined : structuredClone(entry);
  }
  async reports(since: number): Promise<readonly StoredDataPlaneReport[]> {
    return [...this.stored.values()].filter((r) => r.receivedAt >= since);
  }
  report(report: DataPlaneReport, at: number): void {
    this.stored.set(report.id, { ...report, receivedAt: at });
  }
  /** A data plane that serves everything published so far. */
  catchUp(id: string, at: number): void {
    const services = Object.fromEntries([...this.entries.values()].flatMap((e) => (e.split === undefined ? [] : [[e.service, { ...e.split, generation: e.generation }]])));
    this.report({ id, generation: this.generation, services }, at);
  }
}

const ROUTE: RouteSpec = { service: 'shop', listen: '127.0.0.1:8080', stickiness: { cookie: 'sluice' }, backends: { v1: ['http://127.0.0.1:9001'], v2: ['http://127.0.0.1:9002'] } };
const SPLIT: TrafficSplit = { stable: 'v1', canary: 'v2', weight: 10, salt: 'shop-v2' };

runTrafficRouterContract('PublishedRouter (no data plane connected)', async () => ({
  router: new PublishedRouter({ port: new FakePort(), now: () => Date.now() }),
  backends: { v1: ['http://127.0.0.1:1'], v2: ['http://127.0.0.1:2'] },
  cleanup: async () => undefined,
}));

runTrafficRouterContract('PublishedRouter (a data plane that keeps up)', async () => {
  const port = new FakePort();
  const timer = setInterval(() => port.catchUp('edge-1', Date.now()), 5);
  return { router: new PublishedRouter({ port, now: () => Date.now(), pollMs: 5 }), backends: { v1: ['http://127.0.0.1:1'], v2: ['http://127.0.0.1:2'] }, cleanup: async () => clearInterval(timer) };
});

describe('PublishedRouter convergence', () => {
  test('a change resolves only once every live data plane serves it; a data plane silent for longer than liveWithinMs is not waited for', async () => {
    const port = new FakePort();
    let now = 1_000_000;
    const router = new PublishedRouter({ port, now: () => now, pollMs: 1, liveWithinMs: 10_000 });
    await router.upsertRoute(ROUTE, SPLIT);
    port.catchUp('edge-1', now);
    port.catchUp('edge-2', now);
    port.catchUp('gone', now - 10_001);
    let done = false;
    const change = router.setSplit('shop', { ...SPLIT, weight: 50 }).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(done, false, 'waits for both live data planes');
    port.catchUp('edge-1', now);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(done, false, 'edge-2 still serves the old generation');
    assert.equal((await router.observeSplit('shop')).weight, 10, 'observeSplit answers with the laggard');
    port.catchUp('edge-2', now);
    await change;
    assert.equal((await router.observeSplit('shop')).weight, 50);
  });

  test('a data plane that does not apply a change in time fails it with ADAPTER_FAILED naming it; retrying writes no new generation', async () => {
    const port = new FakePort();
    // Each reading of the clock is 10 ms later: the 50 ms wait runs out after a few polls.
    let now = 1_000_000;
    const router = new PublishedRouter({ port, now: () => (now += 10), pollMs: 1, convergeTimeoutMs: 50, liveWithinMs: 1_000_000 });
    await router.upsertRoute(ROUTE, SPLIT);
    port.catchUp('edge-stuck', now);
    const change = router.setSplit('shop', { ...SPLIT, weight: 20 });
    await assert.rejects(change, (e) => isSluiceError(e) && e.code === 'ADAPTER_FAILED' && /edge-stuck/.test(e.message));
    const generation = port.generation;
    now += 1;
    port.catchUp('edge-stuck', now);
    await router.setSplit('shop', { ...SPLIT, weight: 20 });
    assert.equal(port.generation, generation);
  });

  test('upstreamUse sums the in-flight requests every live data plane reports for the endpoint', async () => {
    const port = new FakePort();
    const router = new PublishedRouter({ port, now: () => 5000 });
    await router.upsertRoute(ROUTE, SPLIT);
    port.report({ id: 'a', generation: 1, services: {}, inFlight: { shop: { 'http://127.0.0.1:9002': 2 } } }, 5000);
    port.report({ id: 'b', generation: 1, services: {}, inFlight: { shop: { 'http://127.0.0.1:9002': 3 } } }, 5000);
    assert.deepEqual(await router.upstreamUse('shop', 'http://127.0.0.1:9002'), { routed: 'all', inflight: 5 });
    assert.deepEqual(await router.upstreamUse('shop', 'http://127.0.0.1:9999'), { routed: 'none', inflight: 0 });
  });
});
