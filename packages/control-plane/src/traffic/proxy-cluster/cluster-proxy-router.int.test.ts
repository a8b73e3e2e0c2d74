import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ClusterProxy } from '@sluice/proxy';
import { runTrafficRouterContract } from '../traffic-router.contract.js';
import { ClusterProxyRouter } from './cluster-proxy-router.js';

function upstream(name: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => res.end(name));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
      }),
    ),
  );
}

runTrafficRouterContract('ClusterProxyRouter', async () => {
  const [v1, v2] = [await upstream('v1'), await upstream('v2')];
  const router = new ClusterProxyRouter(await ClusterProxy.start({ workers: 2 }));
  return { router, backends: { v1: [v1.url], v2: [v2.url] }, cleanup: async () => void (await Promise.all([v1.close(), v2.close()])) };
});

describe('ClusterProxyRouter upstreamUse', () => {
  test('sums in-flight requests over the workers and keeps counting them after the endpoint left the route', async () => {
    const held: http.ServerResponse[] = [];
    const server = http.createServer((_req, res) => held.push(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const router = new ClusterProxyRouter(await ClusterProxy.start({ workers: 2 }));
    try {
      const route = { service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 'sluice' }, backends: { v1: [url] } };
      await router.upsertRoute(route, { stable: 'v1', weight: 0, salt: 'r' });
      const address = (await router.observeSplit('shop')).address ?? '';
      // Separate connections, so the kernel may hand them to either worker: the sum is what counts.
      const answers = [0, 1, 2].map(() => fetch(`http://${address}/`, { headers: { connection: 'close' } }).then((r) => r.text()));
      await waitFor(() => held.length === 3);
      assert.deepEqual(await router.upstreamUse('shop', url), { routed: 'all', inflight: 3 });
      await router.upsertRoute({ ...route, backends: { v1: [] } }, { stable: 'v1', weight: 0, salt: 'r' });
      assert.deepEqual(await router.upstreamUse('shop', url), { routed: 'none', inflight: 3 });
      held.splice(0).forEach((res) => res.end('late'));
      assert.deepEqual(await Promise.all(answers), ['late', 'late', 'late']);
      await waitFor(async () => (await router.upstreamUse('shop', url)).inflight === 0);
    } finally {
      await router.close();
      await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
    }
  });
});

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
