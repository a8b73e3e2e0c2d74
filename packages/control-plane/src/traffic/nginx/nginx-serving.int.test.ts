import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SluiceError } from '@sluice/domain';
import type { RouteSpec, TrafficSplit } from '@sluice/domain';
import type { ProxyObservation } from '@sluice/proxy';
import { nginxForTests } from './nginx-binary.js';
import { get, ownedRouter, versionServer, type VersionServer } from './nginx-test-fixtures.js';
import type { NginxRouter } from './nginx-router.js';

const binary = nginxForTests();
/** Text the test hook appends to every include; an invalid directive makes `nginx -t` refuse it. */
let injected = '';
const SPLIT: TrafficSplit = { stable: 'v1', canary: 'v2', weight: 20, salt: 'rollout-a' };

async function withShop(body: (router: NginxRouter, address: string, servers: Record<string, VersionServer>, seen: ProxyObservation[]) => Promise<void>, split = SPLIT): Promise<void> {
  if (binary === undefined) return;
  const [v1, v2] = await Promise.all([versionServer('v1'), versionServer('v2')]);
  const seen: ProxyObservation[] = [];
  const { router, dispose } = await ownedRouter(binary, { observer: (o) => seen.push(o), appendToInclude: () => injected });
  const route: RouteSpec = { service: 'shop', listen: '127.0.0.1:0', stickiness: { header: 'x-user-id', cookie: 'sluice-shop' }, backends: { v1: [v1.url], v2: [v2.url] } };
  try {
    await router.upsertRoute(route, split);
    await body(router, (await router.observeSplit('shop')).address ?? '', { v1, v2 }, seen);
  } finally {
    await dispose();
    await Promise.all([v1.close(), v2.close()]);
  }
}

/** The version each of `keys` gets, asked with limited concurrency on keep-alive connections. */
async function versionsOf(address: string, keys: readonly string[]): Promise<Map<string, string>> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const out = new Map<string, string>();
  try {
    for (let i = 0; i < keys.length; i += 64) {
      const batch = keys.slice(i, i + 64);
      const answers = await Promise.all(batch.map((key) => get(address, { headers: { 'x-user-id': key }, agent })));
      batch.forEach((key, j) => {
        const answer = answers[j];
        assert.equal(answer?.status, 200);
        assert.equal(answer?.body, answer?.version, 'the header names the version that answered');
        out.set(key, answer?.version ?? '');
      });
    }
  } finally {
    agent.destroy();
  }
  return out;
}

const KEYS = Array.from({ length: 2000 }, (_, i) => `user-${i}`);

describe('NginxRouter serving through real nginx', { skip: binary === undefined }, () => {
  test('a weighted split within tolerance over 2,000 keys, each key keeping its version while its bucket stays', () =>
    withShop(async (router, address) => {
      const at20 = await versionsOf(address, KEYS);
      const canary20 = [...at20.values()].filter((v) => v === 'v2').length;
      assert.ok(Math.abs(canary20 - 400) <= 60, `20 %: ${canary20} of 2000 on v2`);
      await router.setSplit('shop', { ...SPLIT, weight: 50 });
      const at50 = await versionsOf(address, KEYS);
      const canary50 = [...at50.values()].filter((v) => v === 'v2').length;
      assert.ok(Math.abs(canary50 - 1000) <= 80, `50 %: ${canary50} of 2000 on v2`);
      for (const [key, version] of at20) if (version === 'v2') assert.equal(at50.get(key), 'v2', `${key} moved back to stable at 50 %`);
      await router.setSplit('shop', { ...SPLIT, weight: 20 });
      assert.deepEqual(await versionsOf(address, KEYS), at20, 'back at 20 %, every key has its 20 % version again');
      await router.setSplit('shop', { ...SPLIT, weight: 0.5 });
      const small = [...(await versionsOf(address, KEYS)).values()].filter((v) => v === 'v2').length;
      assert.ok(small >= 1 && small <= 30, `0.5 %: ${small} of 2000 on v2`);
    }));

  test('a new user gets a cookie on the first response and keeps the version it names', () =>
    withShop(async (_router, address) => {
      const versions = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const first = await get(address);
        assert.match(first.setCookie ?? '', /^sluice-shop=[0-9a-f]{32}; Path=\/; HttpOnly; SameSite=Lax$/);
        const cookie = (first.setCookie ?? '').split(';')[0] ?? '';
        for (let j = 0; j < 5; j++) {
          const again = await get(address, { headers: { cookie: `other=1; ${cookie}` } });
          assert.equal(again.version, first.version, `${cookie} changed version`);
          assert.equal(again.setCookie, undefined, 'no new cookie once the user has one');
        }
        versions.add(first.version);
      }
      assert.deepEqual([...versions].sort(), ['v1', 'v2'], 'at 50 % twenty new users reach both versions');
    }, { ...SPLIT, weight: 50 }));

  test('a header route sends its matches to the canary at weight 0; a segment by source address too', () =>
    withShop(async (router, address) => {
      const rules: TrafficSplit['rules'] = [
        { name: 'beta', conditions: [{ kind: 'header', name: 'x-beta', match: { exact: 'yes' } }, { kind: 'method', methods: ['GET'] }], action: { kind: 'version', version: 'v2' } },
        { name: 'office', conditions: [{ kind: 'sourceCidr', cidrs: ['10.0.0.0/8'] }], action: { kind: 'version', version: 'v2' } },
      ];
      await router.setSplit('shop', { ...SPLIT, weight: 0, rules });
      assert.equal((await get(address, { headers: { 'x-beta': 'yes' } })).version, 'v2');
      assert.equal((await get(address, { headers: { 'x-beta': 'yes' }, method: 'DELETE' })).version, 'v1', 'the method condition holds too');
      assert.equal((await get(address, { headers: { 'x-beta': 'no' } })).version, 'v1');
      assert.equal((await get(address)).version, 'v1', '127.0.0.1 is not in 10.0.0.0/8');
      await router.setSplit('shop', { ...SPLIT, weight: 0, rules: [{ name: 'local', conditions: [{ kind: 'sourceCidr', cidrs: ['::ffff:127.0.0.0/104'] }], action: { kind: 'version', version: 'v2' } }] });
      assert.equal((await get(address)).version, 'v2', 'an IPv4-mapped range matches an IPv4 client');
    }));

  test('a mirror copies requests to its version and the client gets only the stable answer', () =>
    withShop(async (router, address, servers) => {
      await router.setSplit('shop', { ...SPLIT, weight: 0, mirror: { version: 'v2', percent: 100, maxBodyBytes: 1024 } });
      const answer = await get(address, { path: '/mirrored?x=1' });
      assert.equal(answer.body, 'v1');
      const deadline = Date.now() + 5000;
      while (!servers.v2?.paths.includes('/mirrored?x=1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.ok(servers.v2?.paths.includes('/mirrored?x=1'), `v2 saw ${JSON.stringify(servers.v2?.paths)}`);
      await router.setSplit('shop', { ...SPLIT, weight: 0 });
      await get(address, { path: '/not-mirrored' });
      await new Promise((r) => setTimeout(r, 200));
      assert.ok(!servers.v2?.paths.includes('/not-mirrored'), 'without a mirror v2 sees nothing');
    }));

  test('a configuration nginx refuses leaves the previous one serving; what nginx cannot express is refused before', () =>
    withShop(async (router, address) => {
      const before = await router.observeSplit('shop');
      const file = join(router.accessLog, '..', 'conf.d', 'shop.conf');
      const text = await readFile(file, 'utf8');
      injected = 'not_a_directive on;\n';
      try {
        await assert.rejects(router.setSplit('shop', { ...SPLIT, weight: 60 }), (e: unknown) => e instanceof SluiceError && e.code === 'ADAPTER_FAILED' && /nginx -t refused.*unknown directive "not_a_directive"/.test(e.message));
      } finally {
        injected = '';
      }
      const pcreRefuses: TrafficSplit = { ...SPLIT, rules: [{ name: 'u', conditions: [{ kind: 'header', name: 'x-a', match: { regex: '\\u0041' } }], action: { kind: 'version', version: 'v2' } }] };
      await assert.rejects(router.setSplit('shop', pcreRefuses), (e: unknown) => e instanceof SluiceError && e.code === 'UNSUPPORTED_CAPABILITY' && /nginx \(PCRE\) does not support/.test(e.message));
      const flag = { ...SPLIT, rules: [{ name: 'f', conditions: [{ kind: 'flag', flag: 'new-cart', environment: 'prod', state: { features: [] } }], action: { kind: 'version', version: 'v2' } }] } as unknown as TrafficSplit;
      await assert.rejects(router.setSplit('shop', flag), (e: unknown) => e instanceof SluiceError && e.code === 'UNSUPPORTED_CAPABILITY' && /nginx cannot evaluate feature flags/.test(e.message));
      assert.deepEqual(await router.observeSplit('shop'), before);
      assert.equal(await readFile(file, 'utf8'), text, 'the include file is the previous one');
      const answer = await get(address, { headers: { 'x-user-id': 'alice' } });
      assert.equal(answer.status, 200);
      assert.equal(answer.generation, String(before.generation), 'nginx still serves the previous generation');
      await router.setSplit('shop', { ...SPLIT, weight: 30 });
      assert.equal((await get(address)).generation, String(before.generation + 1), 'a good change after the refused ones is served');
    }));

  test('the JSON access log yields observations with version, route, status and the key of non-stable requests', () =>
    withShop(async (router, address, _servers, seen) => {
      await router.setSplit('shop', { ...SPLIT, weight: 0, rules: [{ name: 'beta', conditions: [{ kind: 'header', name: 'x-beta', match: { exact: 'yes' } }], action: { kind: 'version', version: 'v2' } }] });
      await get(address, { headers: { 'x-user-id': 'bob' } });
      await get(address, { headers: { 'x-user-id': 'carol', 'x-beta': 'yes' } });
      await router.upsertRoute({ service: 'shop', listen: '127.0.0.1:0', stickiness: { header: 'x-user-id', cookie: 'sluice-shop' }, backends: { v1: [], v2: [] } }, SPLIT);
      await get(address, { headers: { 'x-user-id': 'dave' } });
      // nginx writes an access-log line as it finalizes the request, which can be just after the client has the answer.
      for (let i = 0; i < 100 && seen.length < 3; i++) {
        await router.flushObservations();
        if (seen.length < 3) await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepEqual(
        seen.map(({ durationMs: _d, ...rest }) => rest),
        [
          { service: 'shop', version: 'v1', route: 'split', status: 200 },
          { service: 'shop', version: 'v2', route: 'beta', status: 200, key: 'carol' },
          { service: 'shop', version: 'v1', route: 'split', status: 503, cause: 'no-endpoint' },
        ],
      );
      assert.ok(seen.every((o) => Number.isInteger(o.durationMs) && o.durationMs >= 0));
    }));
});
