import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RouteSpec, TrafficSplit } from '@sluice/domain';
import { HaproxyRouter } from './haproxy-router.js';
import { get, many } from './testing/haproxy-client.js';
import { haproxyAvailable, startUpstream, stateDir, type Upstream } from './testing/haproxy-fixture.js';

/** Requests through a real HAProxy driven by HaproxyRouter: split, stickiness, rules. */
if (haproxyAvailable('HAProxy traffic')) {
  describe('HaproxyRouter traffic through real HAProxy', () => {
    let state: { dir: string; remove(): Promise<void> };
    let upstreams: Upstream[];
    let router: HaproxyRouter;
    let route: RouteSpec;
    let address: string;
    const base: TrafficSplit = { stable: 'v1', canary: 'v2', weight: 10, salt: 'traffic-test' };

    before(async () => {
      state = await stateDir();
      upstreams = await Promise.all([startUpstream('v1'), startUpstream('v2')]);
      router = new HaproxyRouter({ haproxy: { kind: 'owned', stateDir: state.dir, stopGraceMs: 1_000 } });
      route = { service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 'sluice-shop', header: 'x-user-id' }, backends: { v1: [upstreams[0]?.url ?? ''], v2: [upstreams[1]?.url ?? ''] } };
      await router.upsertRoute(route, base);
      address = (await router.observeSplit('shop')).address ?? '';
    });
    after(async () => {
      await router.close();
      await Promise.all(upstreams.map((u) => u.close()));
      await state.remove();
    });

    async function canaryShare(weight: number, count: number): Promise<number> {
      const before = await router.observeSplit('shop');
      await router.setSplit('shop', { ...base, weight });
      if (before.weight !== weight) assert.equal(router.lastChange, 'runtime', 'a weight change goes over the admin socket');
      const answers = await many(count, 20, (i) => get(address, '/', { 'x-user-id': `w${weight}-user-${i}` }));
      assert.ok(answers.every((a) => a.status === 200 && a.body === a.version), 'every answer comes from the version it names');
      return answers.filter((a) => a.version === 'v2').length;
    }

    test('a weighted split sends its share of 2,000 users to the canary (10 %, 50 %, 0.5 %, 0 %, 100 %)', async () => {
      await router.setSplit('shop', { ...base, weight: 1 });
      const ten = await canaryShare(10, 2_000);
      assert.ok(Math.abs(ten - 200) <= 60, `10 %: ${ten} of 2,000 on v2`);
      const half = await canaryShare(50, 2_000);
      assert.ok(Math.abs(half - 1_000) <= 100, `50 %: ${half} of 2,000 on v2`);
      const fine = await canaryShare(0.5, 2_000);
      assert.ok(fine >= 2 && fine <= 25, `0.5 %: ${fine} of 2,000 on v2`);
      console.log(`# weighted split over 2,000 users: 10 % → ${ten}, 50 % → ${half}, 0.5 % → ${fine} on v2`);
      assert.equal(await canaryShare(0, 500), 0);
      assert.equal(await canaryShare(100, 500), 500);
      assert.deepEqual((await router.observeSplit('shop')).weight, 100);
    });

    test('a new client gets a cookie and keeps its version while the weight rises', async () => {
      await router.setSplit('shop', { ...base, weight: 10 });
      const first = await many(300, 20, () => get(address));
      const cookies = first.map((a) => a.cookie);
      assert.ok(cookies.every((c) => c?.startsWith('sluice-shop=') === true), 'each new client is given the sticky cookie');
      assert.equal(new Set(cookies).size, 300, 'one key per client');
      const onCanary = first.filter((a) => a.version === 'v2').length;
      assert.ok(onCanary > 5 && onCanary < 70, `${onCanary} of 300 on v2 at 10 %`);
      for (const weight of [25, 50]) {
        await router.setSplit('shop', { ...base, weight });
        const again = await many(300, 20, (i) => get(address, '/', { cookie: cookies[i] ?? '' }));
        again.forEach((answer, i) => {
          if (first[i]?.version === 'v2') assert.equal(answer.version, 'v2', `client ${i} stays on the canary at ${weight} %`);
          assert.equal(answer.cookie, undefined, 'a client with its cookie gets no new one');
        });
        const repeat = await many(300, 20, (i) => get(address, '/', { cookie: cookies[i] ?? '' }));
        assert.deepEqual(repeat.map((a) => a.version), again.map((a) => a.version), `the same clients, the same versions at ${weight} %`);
      }
    });

    test('header, cookie, query, path, method and source rules route before the split', async () => {
      const rules: TrafficSplit = {
        ...base,
        weight: 0,
        rules: [
          { name: 'testers', conditions: [{ kind: 'anyOf', groups: [[{ kind: 'header', name: 'x-user-id', match: { in: ['u1', "o'brien u2"] } }], [{ kind: 'header', name: 'x-group', match: { regex: 'beta-\\d+' } }]] }], action: { kind: 'version', version: 'v2' } },
          { name: 'api-preview', conditions: [{ kind: 'cookie', name: 'beta', match: { exact: '1' } }, { kind: 'query', name: 'preview', match: { prefix: 'y' } }, { kind: 'pathPrefix', prefix: '/api/' }, { kind: 'method', methods: ['GET'] }], action: { kind: 'version', version: 'v2' } },
          { name: 'office', conditions: [{ kind: 'sourceCidr', cidrs: ['::ffff:127.0.0.0/104'] }, { kind: 'header', name: 'x-office', match: { exact: 'yes' } }], action: { kind: 'split', canary: 'v2', weight: 100 } },
        ],
      };
      await router.setSplit('shop', rules);
      assert.equal(router.lastChange, 'reload', 'new rules are a structural change');
      const version = async (path: string, headers: Record<string, string>) => (await get(address, path, headers)).version;
      assert.equal(await version('/', {}), 'v1');
      assert.equal(await version('/', { 'x-user-id': 'u1' }), 'v2');
      assert.equal(await version('/', { 'x-user-id': "o'brien u2" }), 'v2', 'a quoted value with a space and a quote');
      assert.equal(await version('/', { 'x-user-id': 'u3' }), 'v1');
      assert.equal(await version('/', { 'x-group': 'beta-42' }), 'v2');
      assert.equal(await version('/', { 'x-group': 'xbeta-42' }), 'v1', 'the regex is anchored');
      assert.equal(await version('/api/cart?preview=yes', { cookie: 'beta=1' }), 'v2');
      assert.equal(await version('/shop/cart?preview=yes', { cookie: 'beta=1' }), 'v1', 'path prefix must hold too');
      assert.equal(await version('/api/cart?preview=no', { cookie: 'beta=1' }), 'v1', 'query prefix must hold too');
      assert.equal(await version('/', { 'x-office': 'yes' }), 'v2', '127.0.0.1 is inside ::ffff:127.0.0.0/104');
      const observed = await router.observeSplit('shop');
      assert.deepEqual(observed.rules, rules.rules);
    });

    test('mirroring and flag conditions are refused naming HAProxy, and the split is kept', async () => {
      const before = await router.observeSplit('shop');
      await assert.rejects(router.setSplit('shop', { ...base, mirror: { version: 'v2', percent: 5, maxBodyBytes: 1024 } }), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'UNSUPPORTED_CAPABILITY');
        assert.match(error.message, /HAProxy.*mirror/);
        return true;
      });
      const flag = { ...base, rules: [{ name: 'f', conditions: [{ kind: 'flag', flag: 'new-cart', environment: 'prod', state: { features: [] } }], action: { kind: 'version', version: 'v2' } }] } as unknown as TrafficSplit;
      await assert.rejects(router.setSplit('shop', flag), /HAProxy data plane: cannot evaluate the feature flag condition "new-cart"/);
      assert.equal((await router.observeSplit('shop')).generation, before.generation);
    });

    test('a rule split buckets matching users with its own salt; other hosts get 421', async () => {
      const split: TrafficSplit = { ...base, weight: 0, rules: [{ name: 'half-beta', conditions: [{ kind: 'header', name: 'x-beta', match: { exact: '1' } }], action: { kind: 'split', canary: 'v2', weight: 30 } }] };
      await router.upsertRoute({ ...route, hosts: ['shop.example.com', '*.shop.example.com'] }, base);
      await router.setSplit('shop', split);
      const host = { host: 'shop.example.com' };
      const beta = await many(2_000, 20, (i) => get(address, '/', { ...host, 'x-beta': '1', 'x-user-id': `b${i}` }));
      const share = beta.filter((a) => a.version === 'v2').length;
      assert.ok(Math.abs(share - 600) <= 90, `30 % rule split: ${share} of 2,000 on v2`);
      console.log(`# 30 % rule split over 2,000 users: ${share} on v2`);
      const again = await many(2_000, 20, (i) => get(address, '/', { ...host, 'x-beta': '1', 'x-user-id': `b${i}` }));
      assert.deepEqual(again.map((a) => a.version), beta.map((a) => a.version), 'each user keeps the version the rule gave it');
      const plain = await many(200, 20, (i) => get(address, '/', { ...host, 'x-user-id': `b${i}` }));
      assert.ok(plain.every((a) => a.version === 'v1'), 'without the header the 0 % split serves v1');
      assert.equal((await get(address, '/', { host: 'api.shop.example.com:8080' })).status, 200, 'a wildcard host, port ignored');
      assert.equal((await get(address, '/', { host: 'other.example.com' })).status, 421);
    });
  });
}
