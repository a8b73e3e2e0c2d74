import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import type { RouteSpec, TrafficSplit } from '@sluice/domain';
import { BuiltinProxy } from './builtin-proxy.js';
import type { RouteOptions } from './builtin-proxy.js';
import { deadEndpoint, eventually, request, startCountingUpstream } from './testing/http-fixtures.js';
import type { CountingUpstream } from './testing/http-fixtures.js';
import { ManualTimers } from './testing/manual-timers.js';
import type { InstanceHealth } from './upstream-instance.js';

const STABLE: TrafficSplit = { stable: 'v1', weight: 0, salt: 's' };

/** An upstream answering its name, or 500 (and 503 on /healthz) while `failing` is set. */
interface Switchable extends CountingUpstream {
  failing: boolean;
  /** Requests other than health probes. */
  served: number;
  probes: number;
}

describe('BuiltinProxy instance health', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  async function switchable(name: string, failing = false): Promise<Switchable> {
    let self: Switchable | undefined;
    const upstream = await startCountingUpstream((req, res) => {
      req.resume();
      const me = self!;
      if (req.url === '/healthz') {
        me.probes++;
        res.statusCode = me.failing ? 503 : 200;
      } else {
        me.served++;
        res.statusCode = me.failing ? 500 : 200;
      }
      res.end(name);
    });
    closers.push(() => upstream.close());
    self = Object.assign(upstream, { failing, served: 0, probes: 0 });
    return self;
  }

  async function serve(backends: Record<string, string[]>, timers: ManualTimers, options: RouteOptions = {}, split = STABLE) {
    const proxy = new BuiltinProxy({ timers });
    closers.push(() => proxy.close());
    const route: RouteSpec = { service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 's' }, backends };
    await proxy.upsert(route, split, options);
    const address = proxy.observe('shop').address ?? '';
    const health = (version = 'v1'): readonly InstanceHealth[] => proxy.health('shop').versions[version] ?? [];
    const send = async (n: number): Promise<string[]> => {
      const out: string[] = [];
      for (let i = 0; i < n; i++) {
        const res = await request(address);
        out.push(`${res.status} ${res.body}`);
      }
      return out;
    };
    return { proxy, address, health, send };
  }

  test('BuiltinProxy ejects an instance after 5 failures in a row, brings it back after 30 s, and ejects it longer the next time', async () => {
    const timers = new ManualTimers();
    const [flaky, steady] = [await switchable('flaky', true), await switchable('steady')];
    const { health, send } = await serve({ v1: [flaky.url, steady.url] }, timers);
    const first = await send(10);
    assert.equal(first.filter((r) => r === '500 flaky').length, 5, 'the 500s reach the client as they are');
    assert.equal(health()[0]?.state, 'ejected');
    assert.equal(health()[0]?.ejectedUntil, timers.now() + 30_000);
    assert.deepEqual(new Set(await send(6)), new Set(['200 steady']), 'an ejected instance takes no traffic');
    flaky.failing = false;
    timers.advance(29_999);
    assert.deepEqual(new Set(await send(4)), new Set(['200 steady']));
    timers.advance(1);
    assert.equal(health()[0]?.state, 'healthy');
    assert.deepEqual(new Set(await send(4)), new Set(['200 flaky', '200 steady']), 'back in rotation');
    flaky.failing = true;
    await send(10);
    assert.equal(health()[0]?.state, 'ejected');
    assert.equal(health()[0]?.ejections, 2);
    assert.equal(health()[0]?.ejectedUntil, timers.now() + 60_000, 'the second ejection lasts twice as long');
  });

  test('BuiltinProxy ejects at most half a pool, and never a lone instance', async () => {
    const timers = new ManualTimers();
    const [a, b] = [await switchable('a', true), await switchable('b', true)];
    const pair = await serve({ v1: [a.url, b.url] }, timers);
    await pair.send(30);
    assert.deepEqual(pair.health().map((h) => h.state).sort(), ['ejected', 'healthy']);
    const lone = await switchable('lone', true);
    const single = await serve({ v1: [lone.url] }, timers);
    assert.deepEqual(new Set(await single.send(8)), new Set(['500 lone']));
    assert.equal(single.health()[0]?.state, 'healthy');
    assert.equal(single.health()[0]?.consecutiveFailures, 8);
  });

  test('BuiltinProxy counts refused connections toward ejection, and resends those requests meanwhile', async () => {
    const timers = new ManualTimers();
    const steady = await switchable('steady');
    const { health, send } = await serve({ v1: [await deadEndpoint(), steady.url] }, timers);
    assert.deepEqual(new Set(await send(12)), new Set(['200 steady']));
    assert.equal(health()[0]?.state, 'ejected');
    assert.equal(health()[0]?.consecutiveFailures, 5);
  });

  test('BuiltinProxy stops sending to an instance failing its health check and resumes once it passes again', async () => {
    const timers = new ManualTimers();
    const [sick, well] = [await switchable('sick', true), await switchable('well')];
    const check = { path: '/healthz', intervalMs: 1000, timeoutMs: 1000, healthyThreshold: 2, unhealthyThreshold: 2 };
    const { health, send } = await serve({ v1: [sick.url, well.url] }, timers, { healthCheck: check, outlier: { consecutiveFailures: 0 } });
    /** Runs one probe round and waits until both results are recorded. */
    const round = async (ms: number): Promise<void> => {
      timers.advance(ms);
      await eventually(() => health().every((h) => h.lastCheck?.at === timers.now()), () => JSON.stringify(health()));
    };
    await round(0);
    assert.equal(health()[0]?.state, 'healthy', 'one failed probe is not enough');
    assert.deepEqual(health()[0]?.lastCheck, { ok: false, at: timers.now(), detail: '503' });
    await round(1000);
    assert.equal(health()[0]?.state, 'unhealthy');
    const servedBefore = sick.served;
    assert.deepEqual(new Set(await send(6)), new Set(['200 well']), 'an unhealthy instance takes no traffic');
    assert.equal(sick.served, servedBefore);
    sick.failing = false;
    await round(1000);
    assert.equal(health()[0]?.state, 'unhealthy', 'one passing probe is not enough');
    await round(1000);
    assert.equal(health()[0]?.state, 'healthy');
    assert.deepEqual(new Set(await send(6)), new Set(['200 sick', '200 well']), 'back in rotation');
    assert.equal(sick.probes, 4);
  });

  test('BuiltinProxy answers 503 naming the reason when every instance is unhealthy, and moves a sick canary\'s users to stable', async () => {
    const timers = new ManualTimers();
    const [stable, canary] = [await switchable('stable'), await switchable('canary', true)];
    const check = { path: '/healthz', intervalMs: 1000, healthyThreshold: 1, unhealthyThreshold: 1 };
    const { health, address, proxy } = await serve({ v1: [stable.url], v2: [canary.url] }, timers, { healthCheck: check }, { stable: 'v1', canary: 'v2', weight: 100, salt: 's' });
    timers.advance(0);
    await eventually(() => health('v2')[0]?.state === 'unhealthy', () => JSON.stringify(proxy.health('shop')));
    const res = await request(address);
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-sluice-version'], 'v1', 'the canary is unhealthy: its users go to stable');
    stable.failing = true;
    timers.advance(1000);
    await eventually(() => health('v1')[0]?.state === 'unhealthy', () => JSON.stringify(proxy.health('shop')));
    const none = await request(address);
    assert.equal(none.status, 503);
    assert.deepEqual(JSON.parse(none.body), { error: { code: 'ADAPTER_FAILED', message: 'no healthy instance of shop version v1 (1 unhealthy of 1)' } });
  });

  test('BuiltinProxy drains an instance removed by an upsert: its request finishes, then its pooled connections close', async () => {
    const timers = new ManualTimers();
    const slow = await startCountingUpstream((req, res) => {
      req.resume();
      setTimeout(() => res.end(req.url === '/slow' ? 'slow-done' : 'old'), req.url === '/slow' ? 300 : 0);
    });
    closers.push(() => slow.close());
    const fresh = await switchable('fresh');
    const { proxy, address, send } = await serve({ v1: [slow.url] }, timers);
    assert.deepEqual(await send(1), ['200 old']);
    const inflight = request(address, { path: '/slow' });
    await eventually(() => slow.requests === 2, () => `${slow.requests} requests`);
    assert.equal(slow.open, 1, 'one pooled connection, busy');
    await proxy.upsert({ service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 's' }, backends: { v1: [fresh.url] } }, STABLE);
    assert.equal(proxy.health('shop').versions.v1?.[0]?.url, fresh.url);
    assert.deepEqual(await send(2), ['200 fresh', '200 fresh'], 'new requests go to the new instance at once');
    const res = await inflight;
    assert.equal(res.body, 'slow-done', 'the in-flight request finished on the removed instance');
    await eventually(() => slow.open === 0, () => `${slow.open} connections still open to the removed instance`, 2000);
    assert.equal(slow.connections, 1);
  });

  test('BuiltinProxy closes the idle pooled connections of a removed instance at once', async () => {
    const timers = new ManualTimers();
    const [old, next] = [await switchable('old'), await switchable('next')];
    const { proxy, send } = await serve({ v1: [old.url] }, timers);
    await send(3);
    assert.equal(old.open, 1, 'an idle pooled connection');
    await proxy.upsert({ service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 's' }, backends: { v1: [next.url] } }, STABLE);
    // The pool would keep an idle socket 4 s; drain closes it now.
    await eventually(() => old.open === 0, () => `${old.open} connections open`, 2000);
  });
});

