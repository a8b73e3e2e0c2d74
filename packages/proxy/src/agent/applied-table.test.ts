import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ObservedSplit, PublishedRoute, RouteSpec, TrafficSplit, UpstreamUse } from '@sluice/domain';
import { AppliedTable, type TableProxy } from './applied-table.js';

/** Records what the table asks of the proxy; `refuse` makes upserts of a service fail. */
class FakeProxy implements TableProxy {
  readonly calls: string[] = [];
  readonly routes = new Map<string, { route: RouteSpec; split: TrafficSplit }>();
  readonly inflight = new Map<string, number>();
  readonly refuse = new Set<string>();

  async upsert(route: RouteSpec, initial: TrafficSplit): Promise<void> {
    this.calls.push(`upsert ${route.service} ${route.listen}`);
    if (this.refuse.has(route.service)) throw new Error(`address ${route.listen} in use`);
    const existing = this.routes.get(route.service);
    this.routes.set(route.service, { route, split: existing?.split ?? initial });
  }

  setSplit(service: string, split: TrafficSplit): void {
    this.calls.push(`split ${service} ${split.weight}`);
    const entry = this.routes.get(service);
    if (entry === undefined) throw new Error(`no route ${service}`);
    this.routes.set(service, { ...entry, split });
  }

  async remove(service: string): Promise<void> {
    this.calls.push(`remove ${service}`);
    this.routes.delete(service);
  }

  observe(service: string): ObservedSplit {
    const entry = this.routes.get(service);
    if (entry === undefined) throw new Error(`no route ${service}`);
    return { ...entry.split, generation: 99, address: entry.route.listen };
  }

  upstreamUse(_service: string, endpoint: string): UpstreamUse {
    return { routed: 'all', inflight: this.inflight.get(endpoint) ?? 0 };
  }
}

const route = (service: string, port: number, backends: Record<string, string[]> = { v1: ['http://127.0.0.1:1'], v2: ['http://127.0.0.1:2'] }): RouteSpec => ({
  service,
  listen: `127.0.0.1:${port}`,
  stickiness: { header: 'x-user', cookie: 'sluice' },
  backends,
});
const split = (weight: number): TrafficSplit => ({ stable: 'v1', canary: 'v2', weight, salt: 's' });
const entry = (service: string, generation: number, weight: number, port = 8000): PublishedRoute => ({ service, generation, route: route(service, port), split: split(weight) });
const tombstone = (service: string, generation: number): PublishedRoute => ({ service, generation, removed: true });

describe('AppliedTable', () => {
  test('a snapshot serves exactly its routes: new ones upserted with their split, missing ones removed', async () => {
    const proxy = new FakeProxy();
    const table = new AppliedTable(proxy);
    await table.applySnapshot(5, [entry('a', 3, 10), entry('b', 5, 20, 8001)]);
    assert.deepEqual([...proxy.routes.keys()].sort(), ['a', 'b']);
    await table.applySnapshot(9, [entry('b', 9, 30, 8001)]);
    assert.deepEqual([...proxy.routes.keys()], ['b']);
    assert.equal(proxy.routes.get('b')?.split.weight, 30);
    assert.equal(table.generation, 9);
    assert.deepEqual(table.entries().map((e) => e.service), ['b']);
  });

  test('a change updates an existing route and its split (upsert keeps the old split, so setSplit follows)', async () => {
    const proxy = new FakeProxy();
    const table = new AppliedTable(proxy);
    await table.applySnapshot(1, [entry('a', 1, 0)]);
    assert.equal(await table.applyChange(entry('a', 2, 50)), true);
    assert.equal(proxy.routes.get('a')?.split.weight, 50);
    assert.deepEqual(proxy.calls.slice(-2), ['upsert a 127.0.0.1:8000', 'split a 50']);
    assert.equal(table.generation, 2);
  });

  test('a tombstone removes the route; replayed or older changes are skipped', async () => {
    const proxy = new FakeProxy();
    const table = new AppliedTable(proxy);
    await table.applySnapshot(4, [entry('a', 4, 10)]);
    assert.equal(await table.applyChange(entry('a', 3, 90)), false);
    assert.equal(await table.applyChange(entry('a', 4, 90)), false);
    assert.equal(proxy.routes.get('a')?.split.weight, 10);
    assert.equal(await table.applyChange(tombstone('a', 6)), true);
    assert.equal(proxy.routes.has('a'), false);
    assert.equal(table.generation, 6);
    assert.deepEqual(table.report('dp').services, {});
  });

  test('--listen overrides the published address of that service only', async () => {
    const proxy = new FakeProxy();
    const table = new AppliedTable(proxy, { listen: new Map([['a', '127.0.0.1:9999']]) });
    await table.applySnapshot(2, [entry('a', 1, 0), entry('b', 2, 0, 8001)]);
    assert.equal(proxy.routes.get('a')?.route.listen, '127.0.0.1:9999');
    assert.equal(proxy.routes.get('b')?.route.listen, '127.0.0.1:8001');
    // The saved table keeps what was published, not the override.
    assert.equal(table.entries()[0]?.route?.listen, '127.0.0.1:8000');
  });

  test('a refused entry leaves the service as it was, reports it at its older generation, and is retried', async () => {
    const proxy = new FakeProxy();
    const failures: string[] = [];
    const table = new AppliedTable(proxy, { onFailure: (e, error) => failures.push(`${e.service}@${e.generation}: ${error}`) });
    await table.applySnapshot(1, [entry('a', 1, 10)]);
    proxy.refuse.add('a');
    await table.applyChange({ ...entry('a', 2, 40), route: route('a', 8100) });
    assert.equal(table.generation, 2);
    assert.deepEqual(failures, ['a@2: address 127.0.0.1:8100 in use']);
    const before = table.report('dp');
    assert.equal(before.generation, 2);
    assert.equal(before.services['a']?.generation, 1);
    assert.equal(before.services['a']?.weight, 10);
    assert.equal(await table.retryFailed(), 0);
    proxy.refuse.delete('a');
    assert.equal(await table.retryFailed(), 1);
    assert.equal(table.report('dp').services['a']?.generation, 2);
    assert.equal(table.report('dp').services['a']?.address, '127.0.0.1:8100');
    assert.equal(table.failures.length, 0);
  });

  test('the report gives each service its entry generation and in-flight counts, dropped endpoints included while busy', async () => {
    const proxy = new FakeProxy();
    const table = new AppliedTable(proxy);
    await table.applySnapshot(1, [entry('a', 1, 10)]);
    await table.applyChange({ ...entry('a', 2, 10), route: route('a', 8000, { v1: ['http://127.0.0.1:3'], v2: ['http://127.0.0.1:2'] }) });
    proxy.inflight.set('http://127.0.0.1:1', 2);
    proxy.inflight.set('http://127.0.0.1:3', 1);
    const report = table.report('dp-1');
    assert.equal(report.id, 'dp-1');
    assert.equal(report.services['a']?.generation, 2);
    assert.deepEqual(report.inFlight, { a: { 'http://127.0.0.1:1': 2, 'http://127.0.0.1:3': 1 } });
    proxy.inflight.clear();
    assert.equal(table.report('dp-1').inFlight, undefined);
    // Once idle, the dropped endpoint is forgotten: busy again later it is not asked about.
    proxy.inflight.set('http://127.0.0.1:1', 5);
    assert.equal(table.report('dp-1').inFlight, undefined);
  });

  test('an entry with neither route nor removed is reported as a failure, not applied', async () => {
    const proxy = new FakeProxy();
    const failures: string[] = [];
    const table = new AppliedTable(proxy, { onFailure: (e) => failures.push(e.service) });
    await table.applyChange({ service: 'x', generation: 3 });
    assert.deepEqual(failures, ['x']);
    assert.equal(proxy.routes.size, 0);
    assert.equal(table.generation, 3);
  });
});

describe('AppliedTable, saved and concurrent', () => {
  test('a refused entry is what the table keeps for its service, so a restart tries it again', async () => {
    const proxy = new FakeProxy();
    const table = new AppliedTable(proxy);
    await table.applySnapshot(1, [entry('a', 1, 10)]);
    proxy.refuse.add('a');
    await table.applyChange(entry('a', 2, 40));
    assert.deepEqual(table.entries().map((e) => e.generation), [2]);
    const restarted = new AppliedTable(new FakeProxy());
    await restarted.applySnapshot(table.generation, table.entries());
    assert.equal(restarted.report('dp').services['a']?.weight, 40);
  });

  test('a retry never lands between the steps of a newer change of the same service', async () => {
    const proxy = new FakeProxy();
    const table = new AppliedTable(proxy);
    proxy.refuse.add('a');
    await table.applyChange(entry('a', 1, 10));
    proxy.refuse.delete('a');
    const change = table.applyChange(entry('a', 2, 70));
    const retry = table.retryFailed();
    await Promise.all([change, retry]);
    assert.equal(proxy.routes.get('a')?.split.weight, 70);
    assert.equal(table.report('dp').services['a']?.generation, 2);
  });
});
