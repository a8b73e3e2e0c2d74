import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RouteSpec, TrafficSplit } from '@sluice/domain';
import { BuiltinProxy } from './builtin-proxy.js';
import { deadEndpoint, request, startUpstream, type TestUpstream } from './testing/http-fixtures.js';

const mirrored = (percent: number, maxBodyBytes = 1024): TrafficSplit => ({ stable: 'v1', canary: 'v2', weight: 0, salt: 'r', mirror: { version: 'v2', percent, maxBodyBytes } });

async function until(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

describe('BuiltinProxy mirroring', () => {
  let v1: TestUpstream;
  let v2: TestUpstream;
  let proxy: BuiltinProxy;
  let address = '';
  const route = (v2Endpoints: string[]): RouteSpec => ({ service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 's' }, backends: { v1: [v1.url], v2: v2Endpoints } });

  before(async () => {
    [v1, v2] = await Promise.all([startUpstream('v1'), startUpstream('v2')]);
    proxy = new BuiltinProxy();
    await proxy.upsert(route([v2.url]), mirrored(100));
    address = proxy.observe('shop').address ?? '';
  });
  after(async () => {
    await proxy.close();
    await Promise.all([v1.close(), v2.close()]);
  });

  test('a mirrored request is answered by stable while a marked copy, body included, reaches the canary', async () => {
    const res = await request(address, { method: 'POST', path: '/echo', body: 'hello mirror', headers: { 'content-length': '12' } });
    assert.equal(res.headers['x-sluice-version'], 'v1');
    assert.equal(res.body, 'hello mirror');
    await until(() => v2.received.length > 0);
    const copy = v2.received.at(-1);
    assert.equal(copy?.headers['x-sluice-mirror'], '1');
    assert.equal(copy?.url, '/echo');
  });

  test('bodies above maxBodyBytes and 0 % are not mirrored', async () => {
    const before = v2.received.length;
    await request(address, { method: 'POST', path: '/echo', body: 'x'.repeat(2048) });
    proxy.setSplit('shop', mirrored(0));
    for (let i = 0; i < 10; i++) await request(address);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(v2.received.length, before);
  });

  test('a mirror target that refuses connections never affects the user', async () => {
    await proxy.upsert(route([await deadEndpoint()]), mirrored(100));
    proxy.setSplit('shop', mirrored(100));
    for (let i = 0; i < 20; i++) {
      const res = await request(address);
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-sluice-version'], 'v1');
    }
  });
});
