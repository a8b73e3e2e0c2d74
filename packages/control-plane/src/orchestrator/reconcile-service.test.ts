import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RouteProxySettings, Service } from '@sluice/domain';
import { harness, shopService } from './testing/fixtures.js';

const PROXY: RouteProxySettings = {
  limits: { maxBodyBytes: 1024, requestTimeoutMs: 0 },
  outlier: { consecutiveFailures: 0 },
  healthCheck: { path: '/healthz', intervalMs: 1000 },
};

function withSpec(extra: Partial<Service['spec']>): Service {
  const service = shopService();
  return { ...service, spec: { ...service.spec, ...extra } };
}

describe('reconcileService', () => {
  test('reconcileService upserts the route with the service hosts and proxy settings', async () => {
    const h = harness();
    await h.store.services.save(withSpec({ hosts: ['shop.example.com', '*.shop.example.com'], proxy: PROXY }), 0);
    await h.controller.reconcileOnce();
    const route = h.router.route('shop');
    assert.deepEqual(route?.hosts, ['shop.example.com', '*.shop.example.com']);
    assert.deepEqual(route?.proxy, PROXY);
    assert.equal((await h.router.observeSplit('shop')).stable, 'v1');
  });

  test('reconcileService leaves hosts and proxy out of the route of a service without them', async () => {
    const h = harness();
    await h.store.services.save(shopService(), 0);
    await h.controller.reconcileOnce();
    const route = h.router.route('shop');
    assert.ok(route);
    assert.deepEqual(Object.keys(route).sort(), ['backends', 'listen', 'service', 'stickiness']);
  });

  test('reconcileService carries a changed proxy setting to the route on the next pass', async () => {
    const h = harness();
    const saved = await h.store.services.save(withSpec({ proxy: PROXY }), 0);
    await h.controller.reconcileOnce();
    const next: RouteProxySettings = { limits: { maxBodyBytes: 2048 } };
    await h.store.services.save({ ...saved, spec: { ...saved.spec, proxy: next, hosts: ['a.example.com'] } }, saved.version);
    await h.controller.reconcileOnce();
    assert.deepEqual(h.router.route('shop')?.proxy, next);
    assert.deepEqual(h.router.route('shop')?.hosts, ['a.example.com']);
  });
});
