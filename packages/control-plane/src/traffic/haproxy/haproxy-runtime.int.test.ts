import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RouteSpec, TrafficSplit } from '@sluice/domain';
import type { ProxyObservation } from '@sluice/proxy';
import { cliCommand, parseShowProc } from './haproxy-cli.js';
import type { OwnedHaproxy } from './haproxy-process.js';
import { HaproxyRouter } from './haproxy-router.js';
import { get, Load, many } from './testing/haproxy-client.js';
import { haproxyAvailable, startUpstream, stateDir, type Upstream } from './testing/haproxy-fixture.js';

/** Runtime changes over the admin socket, seamless reloads under load, drain, and the request log. */
if (haproxyAvailable('HAProxy runtime')) {
  describe('HaproxyRouter runtime changes and reloads through real HAProxy', () => {
    let state: { dir: string; remove(): Promise<void> };
    let upstreams: Upstream[];
    let router: HaproxyRouter;
    let route: RouteSpec;
    let address: string;
    const observations: ProxyObservation[] = [];
    const base: TrafficSplit = { stable: 'v1', canary: 'v2', weight: 0, salt: 'runtime-test' };

    before(async () => {
      state = await stateDir();
      upstreams = await Promise.all([startUpstream('v1'), startUpstream('v1'), startUpstream('v2'), startUpstream('v2')]);
      router = new HaproxyRouter({ haproxy: { kind: 'owned', stateDir: state.dir, stopGraceMs: 1_000 }, record: (o) => observations.push(o) });
      const url = (i: number) => upstreams[i]?.url ?? '';
      route = { service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 's', header: 'x-user-id' }, backends: { v1: [url(0), url(1)], v2: [url(2)] } };
      await router.upsertRoute(route, base);
      address = (await router.observeSplit('shop')).address ?? '';
    });
    after(async () => {
      await router.close();
      await Promise.all(upstreams.map((u) => u.close()));
      await state.remove();
    });

    const control = () => router.control as OwnedHaproxy;
    const processes = async () => parseShowProc(await cliCommand(control().masterSocket, 'show proc'));

    test('a weight change goes over the admin socket: same master, same worker, no reload, uptime continues', async () => {
      const before = await processes();
      const info = await router.control.info();
      await new Promise((r) => setTimeout(r, 1_100));
      for (const weight of [1, 5, 20, 50, 100]) {
        await router.setSplit('shop', { ...base, weight });
        assert.equal(router.lastChange, 'runtime');
      }
      const answers = await many(50, 10, (i) => get(address, '/', { 'x-user-id': `r${i}` }));
      assert.ok(answers.every((a) => a.version === 'v2'), 'at 100 % every answer comes from v2');
      const afterInfo = await router.control.info();
      const after = await processes();
      assert.equal(after.master, before.master);
      assert.deepEqual(after.workers, before.workers, 'the same worker serves');
      assert.equal(after.reloads, before.reloads, 'no reload');
      assert.equal(afterInfo.pid, info.pid);
      assert.ok(afterInfo.uptimeSec >= info.uptimeSec + 1, `uptime ${info.uptimeSec} → ${afterInfo.uptimeSec}`);
      assert.equal((await router.observeSplit('shop')).weight, 100);
      await router.setSplit('shop', base);
    });

    test('structural changes reload seamlessly: 0 failed requests under keep-alive and new-connection load', async () => {
      const load = new Load(address, 8, 4);
      await new Promise((r) => setTimeout(r, 300));
      const workers = new Set<number>();
      const url = (i: number) => upstreams[i]?.url ?? '';
      const started = Date.now();
      for (let i = 0; i < 10; i += 1) {
        const rules = i % 2 === 0 ? [{ name: `beta-${i}`, conditions: [{ kind: 'header' as const, name: 'x-beta', match: { exact: '1' } }], action: { kind: 'version' as const, version: 'v2' } }] : [];
        const backends = { v1: i % 3 === 0 ? [url(0)] : [url(0), url(1)], v2: i % 2 === 0 ? [url(2), url(3)] : [url(2)] };
        await router.upsertRoute({ ...route, backends }, base);
        await router.setSplit('shop', { ...base, rules, weight: 10 });
        assert.equal(router.lastChange, 'reload');
        workers.add((await router.control.info()).pid);
      }
      const elapsed = Date.now() - started;
      await new Promise((r) => setTimeout(r, 300));
      await load.stop();
      await router.upsertRoute(route, base);
      await router.setSplit('shop', base);
      assert.ok(workers.size >= 10, `${workers.size} distinct workers over the reloads`);
      assert.ok(load.ok > 200, `${load.ok} requests answered`);
      assert.deepEqual(load.failed.slice(0, 5), [], `${load.failed.length} failed of ${load.ok + load.failed.length} across 20 reloads in ${elapsed} ms`);
      console.log(`# seamless reloads: 20 reloads in ${elapsed} ms, ${load.ok} requests answered, ${load.failed.length} failed`);
    });

    test('a drained endpoint takes no new requests and lets its in-flight request finish', async () => {
      const [a, b] = [upstreams[0], upstreams[1]];
      assert.ok(a !== undefined && b !== undefined);
      const [aStart, bStart] = [a.hits(), b.hits()];
      const slow = [get(address, '/?delay=1500'), get(address, '/?delay=1500')];
      const deadline = Date.now() + 3_000;
      while ((a.hits() === aStart || b.hits() === bStart) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual([a.hits() - aStart, b.hits() - bStart], [1, 1], 'round robin sent one slow request to each v1 endpoint');
      await router.setEndpointState('shop', a.url, 'drain');
      const use = await router.upstreamUse('shop', a.url);
      assert.deepEqual(use, { routed: 'none', inflight: 1 });
      assert.equal((await router.upstreamUse('shop', b.url)).routed, 'all');
      const hitsBefore = a.hits();
      const fast = await many(40, 8, (i) => get(address, '/', { 'x-user-id': `d${i}` }));
      assert.ok(fast.every((x) => x.status === 200));
      assert.equal(a.hits(), hitsBefore, 'no new request reaches the drained endpoint');
      const finished = await Promise.all(slow);
      assert.deepEqual(finished.map((x) => x.status), [200, 200], 'in-flight requests finish');
      assert.deepEqual(await router.upstreamUse('shop', a.url), { routed: 'none', inflight: 0 });
      await router.setEndpointState('shop', a.url, 'ready');
      assert.deepEqual(await router.upstreamUse('shop', a.url), { routed: 'all', inflight: 0 });
    });

    test('the request log yields per-version observations matching the requests sent', async () => {
      await router.setSplit('shop', { ...base, rules: [{ name: 'to-v2', conditions: [{ kind: 'header', name: 'x-v2', match: { exact: '1' } }], action: { kind: 'version', version: 'v2' } }] });
      observations.length = 0;
      await many(30, 5, (i) => get(address, '/?delay=5', { 'x-user-id': `m${i}` }));
      await many(20, 5, (i) => get(address, '/?status=503', { 'x-user-id': `n${i}`, 'x-v2': '1' }));
      await many(10, 5, (i) => get(address, '/?status=404', { 'x-user-id': `o${i}`, 'x-v2': '1' }));
      const deadline = Date.now() + 3_000;
      while (observations.length < 60 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const count = (version: string, status: number) => observations.filter((o) => o.service === 'shop' && o.version === version && o.status === status).length;
      assert.equal(observations.length, 60);
      assert.equal(count('v1', 200), 30);
      assert.equal(count('v2', 503), 20);
      assert.equal(count('v2', 404), 10);
      assert.ok(observations.filter((o) => o.version === 'v2').every((o) => o.route === 'to-v2' && o.key?.startsWith('n') !== o.key?.startsWith('o')));
      assert.ok(observations.filter((o) => o.version === 'v1').every((o) => o.route === 'split' && o.key === undefined && o.durationMs >= 4));
    });
  });
}
