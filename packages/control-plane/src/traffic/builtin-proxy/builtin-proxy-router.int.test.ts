import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runTrafficRouterContract } from '../traffic-router.contract.js';
import { BuiltinProxyRouter } from './builtin-proxy-router.js';

/** A tiny upstream on 127.0.0.1:0 answering its version name. */
async function upstream(version: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => res.end(version));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

runTrafficRouterContract('BuiltinProxyRouter', async () => {
  const [v1, v2] = await Promise.all([upstream('v1'), upstream('v2')]);
  return {
    router: new BuiltinProxyRouter(),
    backends: { v1: [v1.url], v2: [v2.url] },
    cleanup: async () => {
      await Promise.all([v1.close(), v2.close()]);
    },
  };
});

async function get(address: string): Promise<string> {
  const colon = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    http
      .get({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)), agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve(`${res.headers['x-sluice-version']}:${body}`));
      })
      .on('error', reject);
  });
}

describe('BuiltinProxyRouter serving', () => {
  test('BuiltinProxyRouter moves real traffic with setSplit and back with reset', async () => {
    const [v1, v2] = await Promise.all([upstream('v1'), upstream('v2')]);
    const router = new BuiltinProxyRouter();
    try {
      const route = { service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 'sluice' }, backends: { v1: [v1.url], v2: [v2.url] } };
      await router.upsertRoute(route, { stable: 'v1', canary: 'v2', weight: 0, salt: 'r' });
      const address = (await router.observeSplit('shop')).address ?? '';
      assert.equal(await get(address), 'v1:v1');
      await router.setSplit('shop', { stable: 'v1', canary: 'v2', weight: 100, salt: 'r' });
      assert.equal(await get(address), 'v2:v2');
      await router.reset('shop');
      assert.equal(await get(address), 'v1:v1');
      const health = await router.health('shop');
      assert.deepEqual(Object.keys(health.versions), ['v1', 'v2']);
      assert.equal(health.versions.v1?.[0]?.url, v1.url);
      assert.equal(health.versions.v1?.[0]?.state, 'healthy');
    } finally {
      await router.close();
      await Promise.all([v1.close(), v2.close()]);
    }
  });
});

/** An upstream that holds every request until `release()`; `arrived` resolves at the first one. */
async function heldUpstream(): Promise<{ url: string; arrived: Promise<void>; release(): void; close(): Promise<void> }> {
  const held: http.ServerResponse[] = [];
  let arrive: () => void = () => undefined;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const server = http.createServer((_req, res) => {
    held.push(res);
    arrive();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrived,
    release: () => held.splice(0).forEach((res) => res.end('late')),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe('BuiltinProxyRouter upstreamUse', () => {
  test('counts a request in flight to an endpoint, also after the endpoint left the route, until it finishes', async () => {
    const slow = await heldUpstream();
    const router = new BuiltinProxyRouter();
    try {
      const route = { service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 'sluice' }, backends: { v1: [slow.url] } };
      await router.upsertRoute(route, { stable: 'v1', weight: 0, salt: 'r' });
      const address = (await router.observeSplit('shop')).address ?? '';
      const answer = get(address);
      await slow.arrived;
      assert.deepEqual(await router.upstreamUse('shop', slow.url), { routed: 'all', inflight: 1 });
      await router.upsertRoute({ ...route, backends: { v1: [] } }, { stable: 'v1', weight: 0, salt: 'r' });
      assert.deepEqual(await router.upstreamUse('shop', slow.url), { routed: 'none', inflight: 1 }, 'dropped, still finishing');
      slow.release();
      assert.equal(await answer, 'v1:late', 'the in-flight request completed');
      assert.deepEqual(await router.upstreamUse('shop', slow.url), { routed: 'none', inflight: 0 });
    } finally {
      await router.close();
      await slow.close();
    }
  });
});
