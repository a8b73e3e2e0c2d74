import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SluiceError } from '@sluice/domain';
import type { RouteSpec } from '@sluice/domain';
import { runTrafficRouterContract } from '../traffic-router.contract.js';
import { MemoryRouter } from './memory-router.js';

runTrafficRouterContract('MemoryRouter', async () => ({
  router: new MemoryRouter(),
  backends: { v1: ['http://127.0.0.1:1'], v2: ['http://127.0.0.1:2'] },
  cleanup: async () => undefined,
}));

const ROUTE: RouteSpec = { service: 'shop', listen: '127.0.0.1:8080', stickiness: { cookie: 'sluice' }, backends: { v1: [] } };

describe('MemoryRouter test hooks', () => {
  test('MemoryRouter records every setSplit call, failed ones included', async () => {
    const router = new MemoryRouter();
    await router.upsertRoute(ROUTE, { stable: 'v1', weight: 0, salt: 's' });
    await router.setSplit('shop', { stable: 'v1', canary: 'v2', weight: 5, salt: 's' });
    router.failNext();
    await assert.rejects(router.setSplit('shop', { stable: 'v1', canary: 'v2', weight: 20, salt: 's' }));
    assert.deepEqual(
      router.calls.map((c) => [c.service, c.split.weight, c.injectedFailure]),
      [
        ['shop', 5, false],
        ['shop', 20, true],
      ],
    );
    assert.equal((await router.observeSplit('shop')).weight, 5);
  });

  test('MemoryRouter failNext(n) fails exactly the next n calls with ADAPTER_FAILED', async () => {
    const router = new MemoryRouter();
    router.failNext(2);
    const isAdapterFailed = (e: unknown) => e instanceof SluiceError && e.code === 'ADAPTER_FAILED';
    await assert.rejects(router.upsertRoute(ROUTE, { stable: 'v1', weight: 0, salt: 's' }), isAdapterFailed);
    await assert.rejects(router.upsertRoute(ROUTE, { stable: 'v1', weight: 0, salt: 's' }), isAdapterFailed);
    await router.upsertRoute(ROUTE, { stable: 'v1', weight: 0, salt: 's' });
    assert.equal((await router.observeSplit('shop')).address, '127.0.0.1:8080');
    assert.equal(router.route('shop'), ROUTE);
  });

  test('MemoryRouter accepts routes with hosts and proxy settings and keeps the latest', async () => {
    const router = new MemoryRouter();
    const withHosts: RouteSpec = { ...ROUTE, hosts: ['shop.example.com'], proxy: { limits: { maxBodyBytes: 1024 }, healthCheck: {} } };
    await router.upsertRoute(withHosts, { stable: 'v1', weight: 0, salt: 's' });
    assert.deepEqual(router.route('shop'), withHosts);
    const changed: RouteSpec = { ...withHosts, hosts: ['*.example.com'], proxy: { outlier: { consecutiveFailures: 0 } } };
    await router.upsertRoute(changed, { stable: 'v1', weight: 0, salt: 's' });
    assert.deepEqual(router.route('shop'), changed);
    assert.equal((await router.observeSplit('shop')).generation, 1);
  });
});
