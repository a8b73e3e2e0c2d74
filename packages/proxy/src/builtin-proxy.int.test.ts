import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { RouteSpec, TrafficSplit } from '@sluice/domain';
import { BuiltinProxy } from './builtin-proxy.js';
import type { ProxyObservation } from './observation.js';
import { request, startUpstream } from './testing/http-fixtures.js';
import type { TestResponse, TestUpstream } from './testing/http-fixtures.js';

const SALT = 'shop-rollout';

function split(weight: number, canary: string | null = 'v2'): TrafficSplit {
  return canary === null ? { stable: 'v1', weight, salt: SALT } : { stable: 'v1', canary, weight, salt: SALT };
}

/** The version a response says it came from; the header and the body must agree. */
function versionOf(res: TestResponse): string {
  assert.equal(res.status, 200, res.body);
  assert.equal(res.headers['x-sluice-version'], res.body, 'x-sluice-version matches the upstream that answered');
  return res.body;
}

/** Runs `count` requests with at most `concurrency` in flight, returning responses in order. */
async function many(count: number, concurrency: number, one: (i: number) => Promise<TestResponse>): Promise<TestResponse[]> {
  const out: TestResponse[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      out[i] = await one(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

describe('BuiltinProxy routing', () => {
  let v1: TestUpstream;
  let v2: TestUpstream;
  let proxy: BuiltinProxy;
  let address: string;
  let keyCounter = 0;
  const observations: ProxyObservation[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  before(async () => {
    [v1, v2] = await Promise.all([startUpstream('v1'), startUpstream('v2')]);
    // Deterministic minted keys keep the weighted-split assertion free of flakes.
    proxy = new BuiltinProxy({ observer: (o) => observations.push(o), randomKey: () => `minted-${keyCounter++}` });
    const route: RouteSpec = {
      service: 'shop',
      listen: '127.0.0.1:0',
      stickiness: { header: 'x-user-id', cookie: 'sluice_shop' },
      backends: { v1: [v1.url], v2: [v2.url] },
    };
    await proxy.upsert(route, split(0));
    address = proxy.observe('shop').address ?? '';
  });

  after(async () => {
    agent.destroy();
    await proxy.close();
    await Promise.all([v1.close(), v2.close()]);
  });

  test('BuiltinProxy reports the real bound address', () => {
    assert.match(address, /^127\.0\.0\.1:\d+$/);
    assert.notEqual(address, '127.0.0.1:0');
  });

  test('BuiltinProxy sends everyone to stable at weight 0 and to canary at weight 100', async () => {
    proxy.setSplit('shop', split(0));
    const atZero = await many(50, 10, () => request(address, { agent }));
    assert.deepEqual(new Set(atZero.map(versionOf)), new Set(['v1']));
    proxy.setSplit('shop', split(100));
    const atHundred = await many(50, 10, () => request(address, { agent }));
    assert.deepEqual(new Set(atHundred.map(versionOf)), new Set(['v2']));
    proxy.setSplit('shop', split(100, null));
    const noCanary = await many(20, 10, () => request(address, { agent }));
    assert.deepEqual(new Set(noCanary.map(versionOf)), new Set(['v1']));
  });

  test('BuiltinProxy puts about 20 % of 2,000 cookie-less requests on the canary', async () => {
    proxy.setSplit('shop', split(20));
    const n = 2000;
    const responses = await many(n, 32, () => request(address, { agent }));
    const share = responses.filter((r) => versionOf(r) === 'v2').length / n;
    const tolerance = 4.5 * Math.sqrt((0.2 * 0.8) / n);
    assert.ok(Math.abs(share - 0.2) <= tolerance, `canary share ${share}, expected 0.2 ± ${tolerance.toFixed(4)}`);
  });

  test('BuiltinProxy serves one header key from one version every time', async () => {
    proxy.setSplit('shop', split(50));
    const seen = new Map<string, Set<string>>();
    await many(200, 20, async (i) => {
      const key = `user-${i % 25}`;
      const res = await request(address, { agent, headers: { 'x-user-id': key } });
      assert.equal(res.headers['set-cookie'], undefined, 'a request carrying its key gets no new cookie');
      const versions = seen.get(key) ?? new Set<string>();
      versions.add(versionOf(res));
      seen.set(key, versions);
      return res;
    });
    for (const [key, versions] of seen) assert.equal(versions.size, 1, `${key} saw ${[...versions].join(', ')}`);
    const all = new Set([...seen.values()].flatMap((v) => [...v]));
    assert.deepEqual(all, new Set(['v1', 'v2']), '25 keys at 50 % land on both versions');
  });

  test('BuiltinProxy reports the sticky key of requests the canary served, and no key for stable', async () => {
    proxy.setSplit('shop', split(50));
    const from = observations.length;
    const keys = Array.from({ length: 40 }, (_, i) => `exposed-${i}`);
    const responses = await Promise.all(keys.map((k) => request(address, { agent, headers: { 'x-user-id': k } })));
    const onCanary = keys.filter((_, i) => versionOf(responses[i]!) === 'v2');
    await new Promise((r) => setTimeout(r, 50));
    const seen = observations.slice(from);
    assert.deepEqual(new Set(seen.filter((o) => o.version === 'v2').map((o) => o.key)), new Set(onCanary));
    assert.ok(onCanary.length > 0 && onCanary.length < keys.length, `${onCanary.length} of 40 on the canary`);
    assert.deepEqual(seen.filter((o) => o.version === 'v1' && o.key !== undefined), []);
  });

  test('BuiltinProxy sets a stickiness cookie on the first response and honours it afterwards', async () => {
    proxy.setSplit('shop', split(50));
    const first = await request(address, { agent });
    const setCookie = first.headers['set-cookie'];
    assert.ok(setCookie !== undefined && setCookie.length === 1, 'exactly one Set-Cookie');
    assert.match(setCookie[0]!, /^sluice_shop=minted-\d+; Path=\/; HttpOnly; SameSite=Lax$/);
    const cookie = setCookie[0]!.split(';')[0]!;
    const version = versionOf(first);
    for (let i = 0; i < 20; i++) {
      const next = await request(address, { agent, headers: { cookie: `theme=dark; ${cookie}; other=1` } });
      assert.equal(versionOf(next), version);
      assert.equal(next.headers['set-cookie'], undefined);
    }
  });

  test('BuiltinProxy prefers the stickiness header over the cookie', async () => {
    proxy.setSplit('shop', split(50));
    const keys = Array.from({ length: 40 }, (_, i) => `pref-${i}`);
    const byHeader = await Promise.all(keys.map((k) => request(address, { agent, headers: { 'x-user-id': k } })));
    const mixed = await Promise.all(
      keys.map((k, i) => request(address, { agent, headers: { 'x-user-id': k, cookie: `sluice_shop=${keys[(i + 1) % keys.length]!}` } })),
    );
    assert.deepEqual(mixed.map(versionOf), byHeader.map(versionOf));
  });

  test('BuiltinProxy never moves 200 sticky keys from canary back to stable as weight rises 1 → 20 → 50', async () => {
    const keys = Array.from({ length: 200 }, (_, i) => `mono-${i}`);
    const onCanary = new Set<string>();
    for (const weight of [1, 20, 50]) {
      proxy.setSplit('shop', split(weight));
      const responses = await Promise.all(keys.map((k) => request(address, { agent, headers: { 'x-user-id': k } })));
      const now = new Set(keys.filter((_, i) => versionOf(responses[i]!) === 'v2'));
      for (const key of onCanary) assert.ok(now.has(key), `${key} left the canary at ${weight} %`);
      for (const key of now) onCanary.add(key);
    }
    assert.ok(onCanary.size > 60 && onCanary.size < 140, `${onCanary.size} of 200 keys on the canary at 50 %`);
  });

  test('BuiltinProxy swaps splits atomically under load: 50 keep-alive clients, 20 flips, zero failures', async () => {
    const loadAgent = new http.Agent({ keepAlive: true, maxSockets: 50 });
    const before = proxy.observe('shop').generation;
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const client = async (c: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await request(address, { agent: loadAgent, headers: { 'x-user-id': `load-${c}-${i % 10}` } });
          if (res.status === 200 && res.headers['x-sluice-version'] === res.body && (res.body === 'v1' || res.body === 'v2')) ok++;
          else failures.push(`${res.status} ${res.body}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const clients = Array.from({ length: 50 }, (_, c) => client(c));
    for (let flip = 0; flip < 20; flip++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      proxy.setSplit('shop', split(flip % 2 === 0 ? 100 : 10));
    }
    stop = true;
    await Promise.all(clients);
    loadAgent.destroy();
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} failed requests`);
    // Enough to show the flips happened under load; a loaded 2-core machine manages far fewer than an idle one.
    assert.ok(ok > 100, `only ${ok} requests completed in ~1 s`);
    assert.equal(proxy.observe('shop').generation, before + 20);
  });

  test('BuiltinProxy reports one observation per request with version, status and duration', async () => {
    proxy.setSplit('shop', split(100));
    observations.length = 0;
    await request(address, { agent, path: '/slow?ms=30' });
    await request(address, { agent });
    assert.equal(observations.length, 2);
    const [slow, fast] = observations;
    assert.equal(slow?.service, 'shop');
    assert.equal(slow?.version, 'v2');
    assert.equal(slow?.status, 200);
    assert.equal(slow?.error, undefined);
    assert.ok((slow?.durationMs ?? 0) >= 25, `slow request took ${slow?.durationMs} ms`);
    assert.ok((fast?.durationMs ?? 0) < (slow?.durationMs ?? 0));
  });

  test('BuiltinProxy strips hop-by-hop headers both ways and adds X-Forwarded-*', async () => {
    proxy.setSplit('shop', split(0));
    const res = await request(address, {
      agent,
      path: '/headers',
      headers: { connection: 'keep-alive, x-hop', 'x-hop': '1', te: 'trailers', 'x-forwarded-for': '10.0.0.9', 'x-keep': 'yes' },
    });
    const seen = JSON.parse(res.body) as { headers: Record<string, string> };
    assert.equal(seen.headers['x-hop'], undefined, 'a header named by Connection is hop-by-hop');
    assert.equal(seen.headers.te, undefined);
    assert.equal(seen.headers['x-keep'], 'yes');
    assert.equal(seen.headers['x-forwarded-for'], '10.0.0.9, 127.0.0.1');
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(seen.headers['x-forwarded-host'], address);
    assert.equal(seen.headers.host, new URL(v1.url).host);
    assert.equal(res.headers['x-upstream-hop'], undefined, 'the upstream Connection-listed header is dropped');
    assert.equal(res.headers['x-sluice-version'], 'v1');
  });

  test('BuiltinProxy streams a POST body to the upstream and back', async () => {
    proxy.setSplit('shop', split(0));
    const chunks = Array.from({ length: 64 }, (_, i) => Buffer.alloc(16 * 1024, 97 + (i % 26)));
    const expected = Buffer.concat(chunks).toString();
    const chunked = await request(address, { agent, method: 'POST', path: '/echo', body: chunks });
    assert.equal(chunked.status, 200);
    assert.equal(chunked.body.length, expected.length);
    assert.equal(chunked.body, expected);
    const sized = await request(address, { agent, method: 'PUT', path: '/echo', body: 'héllo wörld', headers: { 'content-type': 'text/plain' } });
    assert.equal(sized.body, 'héllo wörld');
  });
});
