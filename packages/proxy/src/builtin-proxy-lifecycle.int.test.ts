import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { SluiceError } from '@sluice/domain';
import type { RouteSpec, TrafficSplit } from '@sluice/domain';
import { BuiltinProxy } from './builtin-proxy.js';
import type { ProxyObservation } from './observation.js';
import { deadEndpoint, request, splitAddress, startUpstream } from './testing/http-fixtures.js';
import type { TestUpstream } from './testing/http-fixtures.js';

const STABLE: TrafficSplit = { stable: 'v1', canary: 'v2', weight: 0, salt: 'r' };
const CANARY: TrafficSplit = { stable: 'v1', canary: 'v2', weight: 100, salt: 'r' };

function route(backends: Record<string, string[]>, listen = '127.0.0.1:0'): RouteSpec {
  return { service: 'shop', listen, stickiness: { cookie: 'sluice' }, backends };
}

function isSluiceError(code: string, pattern?: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof SluiceError, `expected a SluiceError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (pattern !== undefined) assert.match(error.message, pattern);
    return true;
  };
}

function address(proxy: BuiltinProxy): string {
  return proxy.observe('shop').address ?? '';
}

/** Resolves once `upstream` has received `count` requests (polls; the wait is a few ms). */
async function receivedAtLeast(upstream: TestUpstream, count: number): Promise<void> {
  for (let i = 0; i < 200 && upstream.received.length < count; i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(upstream.received.length >= count, `upstream received ${upstream.received.length} requests, expected ${count}`);
}

describe('BuiltinProxy lifecycle and failures', () => {
  const upstreams: TestUpstream[] = [];
  const proxies: BuiltinProxy[] = [];
  async function upstream(name: string): Promise<TestUpstream> {
    const u = await startUpstream(name);
    upstreams.push(u);
    return u;
  }
  function newProxy(observations?: ProxyObservation[]): BuiltinProxy {
    const proxy = new BuiltinProxy(observations === undefined ? {} : { observer: (o) => observations.push(o) });
    proxies.push(proxy);
    return proxy;
  }
  after(async () => {
    await Promise.all(proxies.map((p) => p.close()));
    await Promise.all(upstreams.map((u) => u.close()));
  });

  test('BuiltinProxy answers 502 with a JSON error when the upstream is down', async () => {
    const observations: ProxyObservation[] = [];
    const proxy = newProxy(observations);
    await proxy.upsert(route({ v1: [await deadEndpoint()], v2: [] }), STABLE);
    const res = await request(address(proxy));
    assert.equal(res.status, 502);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.equal(res.headers['x-sluice-version'], 'v1');
    const body = JSON.parse(res.body) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'ADAPTER_FAILED');
    assert.match(body.error.message, /shop version v1: upstream http:\/\/127\.0\.0\.1:\d+ failed before responding \(ECONNREFUSED\)/);
    assert.equal(observations.length, 1);
    assert.equal(observations[0]?.status, 502);
    assert.match(observations[0]?.error ?? '', /ECONNREFUSED/);
  });

  test('BuiltinProxy serves stable when the chosen canary has no endpoint', async () => {
    const proxy = newProxy();
    const v1 = await upstream('v1');
    await proxy.upsert(route({ v1: [v1.url], v2: [] }), CANARY);
    const res = await request(address(proxy));
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-sluice-version'], 'v1');
  });

  test('BuiltinProxy answers 503 with a JSON error when stable has no endpoint', async () => {
    const proxy = newProxy();
    await proxy.upsert(route({ v1: [] }), STABLE);
    const res = await request(address(proxy));
    assert.equal(res.status, 503);
    assert.deepEqual(JSON.parse(res.body), { error: { code: 'ADAPTER_FAILED', message: 'no ready instance of shop version v1' } });
    assert.equal(res.headers['x-sluice-version'], 'v1');
  });

  test('BuiltinProxy takes the endpoints of a version in turn', async () => {
    const proxy = newProxy();
    const [a, b] = [await upstream('v1-a'), await upstream('v1-b')];
    await proxy.upsert(route({ v1: [a.url, b.url] }), STABLE);
    const bodies = [];
    for (let i = 0; i < 4; i++) {
      bodies.push((await request(address(proxy))).body);
      await proxy.upsert(route({ v1: [a.url, b.url] }), STABLE); // the controller re-upserts every pass
    }
    assert.deepEqual(bodies, ['v1-a', 'v1-b', 'v1-a', 'v1-b']);
  });

  test('BuiltinProxy upsert of an existing route keeps its split and swaps its backends', async () => {
    const proxy = newProxy();
    const [v1, v2, v2b] = [await upstream('v1'), await upstream('v2'), await upstream('v2-new')];
    await proxy.upsert(route({ v1: [v1.url], v2: [v2.url] }), STABLE);
    proxy.setSplit('shop', CANARY);
    const before = proxy.observe('shop');
    await proxy.upsert(route({ v1: [v1.url], v2: [v2b.url] }), STABLE);
    assert.deepEqual(proxy.observe('shop'), before);
    assert.equal((await request(before.address ?? '')).body, 'v2-new');
  });

  test('BuiltinProxy setSplit of an identical split keeps the generation; a change increments it', async () => {
    const proxy = newProxy();
    const v1 = await upstream('v1');
    await proxy.upsert(route({ v1: [v1.url] }), STABLE);
    const g = proxy.observe('shop').generation;
    proxy.setSplit('shop', { ...STABLE });
    assert.equal(proxy.observe('shop').generation, g);
    proxy.setSplit('shop', { ...STABLE, weight: 5 });
    assert.equal(proxy.observe('shop').generation, g + 1);
    assert.equal(proxy.observe('shop').weight, 5);
  });

  test('BuiltinProxy keeps a split set while a moving route binds its new address', async () => {
    const proxy = newProxy();
    const v1 = await upstream('v1');
    await proxy.upsert(route({ v1: [v1.url] }), STABLE);
    const moving = proxy.upsert(route({ v1: [v1.url] }, 'localhost:0'), STABLE);
    await new Promise((resolve) => setImmediate(resolve));
    proxy.setSplit('shop', CANARY);
    await moving;
    assert.equal(proxy.observe('shop').weight, 100);
  });

  test('BuiltinProxy resends a body-less GET once when a reused upstream socket turns out closed', async () => {
    // The upstream drops every connection on its second request, as a keep-alive race would.
    const server = http.createServer((req, res) => {
      const socket = req.socket as typeof req.socket & { served?: number };
      socket.served = (socket.served ?? 0) + 1;
      if (socket.served > 1) socket.destroy();
      else req.on('end', () => res.end('fresh')).resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const proxy = newProxy();
    await proxy.upsert(route({ v1: [url] }), STABLE);
    try {
      for (let i = 0; i < 3; i++) assert.equal((await request(address(proxy))).body, 'fresh', `GET #${i}`);
      const post = await request(address(proxy), { method: 'POST', body: 'x' });
      assert.equal(post.status, 502, 'a request with a body is never resent');
    } finally {
      await proxy.remove('shop');
      server.closeAllConnections();
      server.close();
    }
  });

  test('BuiltinProxy moves a route to a new address, binding it before closing the old one', async () => {
    const proxy = newProxy();
    const v1 = await upstream('v1');
    await proxy.upsert(route({ v1: [v1.url] }), STABLE);
    const old = address(proxy);
    await proxy.upsert(route({ v1: [v1.url] }, '127.0.0.1:0'), STABLE);
    assert.equal(address(proxy), old, 'the same listen string keeps the same listener');
    await proxy.upsert(route({ v1: [v1.url] }, 'localhost:0'), STABLE);
    const moved = address(proxy);
    assert.notEqual(moved, old);
    assert.equal((await request(moved)).body, 'v1');
    await assert.rejects(request(old), /ECONNREFUSED/);
  });

  test('BuiltinProxy rejects a busy address with ADAPTER_FAILED naming it, and keeps serving the old one', async () => {
    const proxy = newProxy();
    const v1 = await upstream('v1');
    const busy = new URL(v1.url).host;
    await assert.rejects(proxy.upsert(route({ v1: [v1.url] }, busy), STABLE), isSluiceError('ADAPTER_FAILED', new RegExp(`${busy}.*EADDRINUSE`)));
    assert.throws(() => proxy.observe('shop'), isSluiceError('SERVICE_NOT_FOUND'));
    await proxy.upsert(route({ v1: [v1.url] }), STABLE);
    const old = address(proxy);
    await assert.rejects(proxy.upsert(route({ v1: [v1.url] }, busy), STABLE), isSluiceError('ADAPTER_FAILED'));
    assert.equal(address(proxy), old);
    assert.equal((await request(old)).body, 'v1');
  });

  test('BuiltinProxy rejects bad input with catalog errors instead of crashing', async () => {
    const proxy = newProxy();
    const v1 = await upstream('v1');
    assert.throws(() => proxy.setSplit('nope', STABLE), isSluiceError('SERVICE_NOT_FOUND', /"nope"/));
    assert.throws(() => proxy.observe('nope'), isSluiceError('SERVICE_NOT_FOUND'));
    await assert.rejects(proxy.upsert(route({ v1: ['ftp://x'] }), STABLE), isSluiceError('INVALID_SPEC', /ftp:\/\/x/));
    await assert.rejects(proxy.upsert(route({ v1: [v1.url] }, 'nowhere'), STABLE), isSluiceError('INVALID_SPEC', /host:port/));
    await proxy.upsert(route({ v1: [v1.url] }), STABLE);
    assert.throws(() => proxy.setSplit('shop', { ...STABLE, weight: 101 }), isSluiceError('INVALID_REQUEST', /weight/));
    assert.throws(() => proxy.setSplit('shop', { ...STABLE, weight: Number.NaN }), isSluiceError('INVALID_REQUEST', /weight/));
    assert.equal(proxy.observe('shop').weight, 0);
  });

  test('BuiltinProxy remove frees the listener and forgets the route', async () => {
    const proxy = newProxy();
    const v1 = await upstream('v1');
    await proxy.upsert(route({ v1: [v1.url] }), STABLE);
    const old = address(proxy);
    await proxy.remove('shop');
    await proxy.remove('shop');
    assert.throws(() => proxy.observe('shop'), isSluiceError('SERVICE_NOT_FOUND'));
    await assert.rejects(request(old), /ECONNREFUSED/);
  });

  test('BuiltinProxy close lets an in-flight slow request finish, then refuses connections', async () => {
    const proxy = newProxy();
    const v1 = await upstream('v1');
    await proxy.upsert(route({ v1: [v1.url] }), STABLE);
    const at = address(proxy);
    const slow = request(at, { path: '/slow?ms=300' });
    await receivedAtLeast(v1, 1);
    const closing = proxy.close();
    const res = await slow;
    assert.equal(res.status, 200);
    assert.equal(res.body, 'v1');
    await closing;
    await proxy.close();
    await assert.rejects(request(at), /ECONNREFUSED/);
    await assert.rejects(proxy.upsert(route({ v1: [v1.url] }), STABLE), isSluiceError('ADAPTER_FAILED', /closed/));
  });

  test('BuiltinProxy close with handover keeps an idle keep-alive connection for its next request, answered with Connection: close', async () => {
    const proxy = newProxy();
    const v1 = await upstream('v1');
    await proxy.upsert(route({ v1: [v1.url] }), STABLE);
    const at = address(proxy);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal((await request(at, { agent })).status, 200);
      const closing = proxy.close({ handover: true });
      await new Promise((resolve) => setImmediate(resolve));
      const [host, port] = splitAddress(at);
      const next = await new Promise<{ status: number; connection: string | undefined; reused: boolean }>((resolve, reject) => {
        const req = http.get({ host, port, path: '/', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, reused: req.reusedSocket }));
        });
        req.on('error', reject);
      });
      assert.deepEqual(next, { status: 200, connection: 'close', reused: true });
      await closing;
      await assert.rejects(request(at), /ECONNREFUSED/);
    } finally {
      agent.destroy();
    }
  });

  test('BuiltinProxy close cuts requests still running after drainTimeoutMs', async () => {
    const proxy = new BuiltinProxy({ drainTimeoutMs: 50 });
    proxies.push(proxy);
    const v1 = await upstream('v1');
    await proxy.upsert(route({ v1: [v1.url] }), STABLE);
    const hanging = request(address(proxy), { path: '/hang' });
    await receivedAtLeast(v1, 1);
    const started = performance.now();
    await proxy.close();
    assert.ok(performance.now() - started < 1000, 'close did not wait for the hanging request');
    await assert.rejects(hanging);
  });

  test('BuiltinProxy aborts the upstream request when the client goes away', { timeout: 5000 }, async () => {
    const observations: ProxyObservation[] = [];
    const proxy = newProxy(observations);
    const v1 = await upstream('v1');
    await proxy.upsert(route({ v1: [v1.url] }), STABLE);
    const [host, port] = splitAddress(address(proxy));
    const client = http.request({ host, port, path: '/hang', agent: false });
    client.on('error', () => undefined);
    client.end();
    await receivedAtLeast(v1, 1);
    const upstreamClosed = new Promise<void>((resolve) => v1.received[0]?.socket.once('close', () => resolve()));
    client.destroy();
    await upstreamClosed;
    for (let i = 0; i < 100 && observations.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(observations.length, 1);
    assert.equal(observations[0]?.status, 499);
    assert.equal(observations[0]?.error, undefined, 'a client leaving is not a proxy error');
  });
});
