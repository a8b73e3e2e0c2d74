import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { evaluateFlag, type FlagState, type RouteSpec, type TrafficSplit } from '@sluice/domain';
import { BuiltinProxy } from './builtin-proxy.js';
import { request, startUpstream, type TestUpstream } from './testing/http-fixtures.js';

/** `checkout` is on for half the users (by userId); `pro` for users whose x-plan header is "pro". */
const STATE: FlagState = {
  features: [
    { name: 'checkout', enabled: true, strategies: [{ name: 'flexibleRollout', parameters: { rollout: '50', stickiness: 'default', groupId: 'checkout' } }] },
    { name: 'pro', enabled: true, strategies: [{ name: 'default', constraints: [{ contextName: 'x-plan', operator: 'IN', values: ['pro'] }] }] },
  ],
};

const SPLIT: TrafficSplit = {
  stable: 'v1',
  weight: 0,
  salt: 'shop',
  rules: [
    { name: 'pro', conditions: [{ kind: 'flag', flag: 'pro', environment: 'production', state: STATE }], action: { kind: 'version', version: 'v3' } },
    { name: 'checkout', conditions: [{ kind: 'flag', flag: 'checkout', environment: 'production', state: STATE }], action: { kind: 'version', version: 'v2' } },
  ],
};

const on = (key: string) => (evaluateFlag(STATE, 'checkout', { userId: key }).enabled ? 'v2' : 'v1');
const users = Array.from({ length: 60 }, (_, i) => `user-${i}`);

describe('BuiltinProxy flag conditions', () => {
  let ups: TestUpstream[] = [];
  let proxy: BuiltinProxy;
  let address = '';

  before(async () => {
    ups = await Promise.all(['v1', 'v2', 'v3'].map(startUpstream));
    proxy = new BuiltinProxy({});
    const route: RouteSpec = { service: 'shop', listen: '127.0.0.1:0', stickiness: { header: 'x-user-id', cookie: 's' }, backends: Object.fromEntries(ups.map((u) => [u.name, [u.url]])) };
    await proxy.upsert(route, SPLIT);
    address = proxy.observe('shop').address ?? '';
  });
  after(async () => {
    await proxy.close();
    await Promise.all(ups.map((u) => u.close()));
  });

  const versionOf = async (headers: Record<string, string>, body?: Buffer) =>
    (await request(address, { headers, ...(body === undefined ? {} : { method: 'POST', body }) })).headers['x-sluice-version'];

  test('the stickiness header is the userId: users go to v2 exactly when the evaluator says the flag is on', async () => {
    const want = users.map(on);
    assert.ok(want.includes('v1') && want.includes('v2'));
    assert.deepEqual(await Promise.all(users.map((u) => versionOf({ 'x-user-id': u }))), want);
  });

  test('the same on the node:http path (a body too large for the fast path)', async () => {
    const big = Buffer.alloc(70 * 1024, 'x');
    const some = users.slice(0, 16);
    assert.deepEqual(await Promise.all(some.map((u) => versionOf({ 'x-user-id': u }, big))), some.map(on));
  });

  test('the stickiness cookie is the userId when there is no header, else the newly minted key', async () => {
    assert.deepEqual(await Promise.all(users.slice(0, 20).map((u) => versionOf({ cookie: `s=${u}` }))), users.slice(0, 20).map(on));
    const minted = await Promise.all(Array.from({ length: 30 }, () => request(address, {})));
    const seen = minted.map((res) => {
      const key = /^s=([^;]+)/.exec(String(res.headers['set-cookie']?.[0] ?? ''))?.[1];
      assert.ok(key !== undefined, 'a new key is set as the stickiness cookie');
      assert.equal(res.headers['x-sluice-version'], on(key), `the flag is evaluated with the minted key ${key}`);
      return res.headers['x-sluice-version'];
    });
    assert.ok(seen.includes('v1') && seen.includes('v2'), seen.join());
  });

  test('context properties are the request headers', async () => {
    assert.equal(await versionOf({ 'x-user-id': 'user-1', 'x-plan': 'pro' }), 'v3');
    assert.equal(await versionOf({ 'x-user-id': 'user-1', 'x-plan': 'basic' }), on('user-1'));
  });
});
