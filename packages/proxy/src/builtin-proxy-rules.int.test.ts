import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RouteRule, RouteSpec, TrafficSplit } from '@sluice/domain';
import { BuiltinProxy } from './builtin-proxy.js';
import type { ProxyObservation } from './observation.js';
import { request, startUpstream, type TestUpstream } from './testing/http-fixtures.js';

const TESTERS: RouteRule = {
  name: 'testers',
  conditions: [{ kind: 'anyOf', groups: [[{ kind: 'header', name: 'x-user-id', match: { in: ['alice', 'bob'] } }], [{ kind: 'cookie', name: 'beta', match: { exact: '1' } }]] }],
  action: { kind: 'version', version: 'v2' },
};
const MOBILE_API: RouteRule = {
  name: 'mobile-api',
  conditions: [
    { kind: 'pathPrefix', prefix: '/api/' },
    { kind: 'method', methods: ['GET'] },
    { kind: 'header', name: 'user-agent', match: { regex: '.*Mobile.*' } },
    { kind: 'query', name: 'preview', match: { exact: '1' } },
    { kind: 'sourceCidr', cidrs: ['127.0.0.0/8'] },
  ],
  action: { kind: 'version', version: 'v3' },
};
const HALF_OF_EU: RouteRule = { name: 'eu-half', conditions: [{ kind: 'header', name: 'x-region', match: { exact: 'eu' } }], action: { kind: 'split', canary: 'v2', weight: 50 } };

function split(rules: readonly RouteRule[]): TrafficSplit {
  return { stable: 'v1', canary: 'v2', weight: 0, salt: 'r', rules };
}

describe('BuiltinProxy routing rules', () => {
  let ups: TestUpstream[] = [];
  let proxy: BuiltinProxy;
  let address = '';
  const observations: ProxyObservation[] = [];

  before(async () => {
    ups = await Promise.all(['v1', 'v2', 'v3'].map(startUpstream));
    proxy = new BuiltinProxy({ observer: (o) => observations.push(o) });
    const route: RouteSpec = { service: 'shop', listen: '127.0.0.1:0', stickiness: { header: 'x-user-id', cookie: 's' }, backends: Object.fromEntries(ups.map((u) => [u.name, [u.url]])) };
    await proxy.upsert(route, split([TESTERS, MOBILE_API, HALF_OF_EU]));
    address = proxy.observe('shop').address ?? '';
  });
  after(async () => {
    await proxy.close();
    await Promise.all(ups.map((u) => u.close()));
  });

  const versionOf = async (headers: Record<string, string>, path = '/') => (await request(address, { headers, path })).headers['x-sluice-version'];

  test('a rule sends matching users to its version before the 0 % split, and names itself in observations', async () => {
    assert.equal(await versionOf({ 'x-user-id': 'alice' }), 'v2');
    assert.equal(await versionOf({ 'x-user-id': 'carol' }), 'v1');
    assert.equal(await versionOf({ cookie: 'a=1; beta=1' }), 'v2');
    assert.equal(await versionOf({ cookie: 'beta=0' }), 'v1');
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(observations.some((o) => o.route === 'testers' && o.version === 'v2'));
    assert.ok(observations.some((o) => o.route === 'split' && o.version === 'v1'));
  });

  test('every condition of a rule must hold: path prefix, method, regex header, query, source CIDR', async () => {
    const mobile = { 'user-agent': 'Foo Mobile Safari' };
    assert.equal(await versionOf(mobile, '/api/cart?preview=1'), 'v3');
    assert.equal(await versionOf(mobile, '/api/cart?preview=0'), 'v1');
    assert.equal(await versionOf(mobile, '/web/cart?preview=1'), 'v1');
    assert.equal(await versionOf({ 'user-agent': 'Desktop' }, '/api/cart?preview=1'), 'v1');
    assert.equal((await request(address, { method: 'POST', headers: mobile, path: '/api/cart?preview=1', body: 'x' })).headers['x-sluice-version'], 'v1');
  });

  test('a rule with its own split buckets sticky users, and a setSplit without rules stops applying them', async () => {
    const users = Array.from({ length: 200 }, (_, i) => `eu-${i}`);
    const first = await Promise.all(users.map((u) => versionOf({ 'x-user-id': u, 'x-region': 'eu' })));
    const canary = first.filter((v) => v === 'v2').length;
    assert.ok(canary > 60 && canary < 140, `about half of EU users on v2 (${canary}/200)`);
    const again = await Promise.all(users.map((u) => versionOf({ 'x-user-id': u, 'x-region': 'eu' })));
    assert.deepEqual(again, first, 'sticky');
    proxy.setSplit('shop', split([]));
    assert.equal(await versionOf({ 'x-user-id': 'alice' }), 'v1');
  });
});
