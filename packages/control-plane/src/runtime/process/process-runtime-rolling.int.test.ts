import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { waitUntil } from '../runtime.contract.js';
import { NO_DATA_PLANE } from '../runtime.js';
import type { WorkloadStatus } from '../runtime.js';
import { isGroupAlive } from './process-group.js';
import { appSpec, keepTrafficFlowing, RollingHarness } from './testing/rolling-harness.js';

const KEY = { service: 'shop', version: 'v1' };

/** GET through the proxy; resolves with the answering version and status. */
function get(address: string, path: string): Promise<{ status: number; version: string }> {
  return new Promise((resolve, reject) => {
    const colon = address.lastIndexOf(':');
    http
      .get({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)), path, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, version: String(res.headers['x-app-version']) }));
      })
      .on('error', reject);
  });
}

/** True when every instance in service runs `version` (by id generation) and nothing else is listed. */
function allReplaced(status: WorkloadStatus | undefined, replicas: number, oldIds: readonly string[]): boolean {
  if (status === undefined) return false;
  return status.instances.length === replicas && status.readyEndpoints.length === replicas && status.instances.every((i) => !oldIds.includes(i.id));
}

describe('ProcessRuntime rolling update: the order of events for one instance', () => {
  test('new one ready → in table → old one out of table → drained → SIGTERM → SIGKILL after the grace period', async () => {
    const h = await new RollingHarness(KEY).start({ routeLagMs: 100 });
    try {
      // The app ignores SIGTERM, so the runtime has to SIGKILL it after gracePeriod (400 ms).
      const env = { VERSION: 'a', IGNORE_SIGTERM: '1' };
      await h.runtime.ensure(appSpec(KEY, 1, env, { gracePeriodMs: 400 }));
      await h.runtime.waitReady(KEY, 1, 8000);
      const old = h.runtime.status(KEY)?.instances[0];
      assert.equal(old?.id, 'v1-0');
      await waitUntil('the route lists the first instance', () => h.proxy.upstreamUse('shop', old?.endpoint ?? '').routed === 'all');
      // A slow request in flight to the old instance: it must finish before SIGTERM.
      const slowStart = Date.now();
      const slow = get(h.address, '/slow?delay=700');
      await waitUntil('the slow request is in flight', () => h.proxy.upstreamUse('shop', old?.endpoint ?? '').inflight === 1);

      await h.runtime.ensure(appSpec(KEY, 1, { ...env, VERSION: 'b' }, { gracePeriodMs: 400 }));
      await waitUntil('the old instance is gone', () => allReplaced(h.runtime.status(KEY), 1, ['v1-0']));
      assert.deepEqual(await slow, { status: 200, version: 'a' }, 'the in-flight request was answered by the old instance');

      const order = ['ready-set v1-0,v1-0.1', 'in-table v1-0.1', 'ready-set v1-0.1', 'out-of-table v1-0', 'drained v1-0', 'SIGTERM v1-0', 'SIGKILL shop/v1#0'];
      const positions = order.map((what) => h.indexOf(what));
      assert.ok(positions.every((p, i) => p >= 0 && (i === 0 || p > (positions[i - 1] ?? -1))), `expected ${order.join(' → ')}, got:\n${h.happened.map((x) => x.what).join('\n')}`);
      const drainedAt = h.at('drained v1-0') ?? 0;
      const termAt = h.at('SIGTERM v1-0') ?? 0;
      const killAt = h.at('SIGKILL shop/v1#0') ?? 0;
      assert.ok(drainedAt - slowStart >= 690, `drained ${drainedAt - slowStart}ms after the 700 ms request started`);
      assert.ok(killAt - termAt >= 380, `SIGKILL ${killAt - termAt}ms after SIGTERM (grace 400 ms)`);
      assert.equal(isGroupAlive(old?.pid ?? 0), false);
      assert.equal(h.indexOf('late-request v1-0'), -1, 'no request reached the old instance after its SIGTERM');
      assert.ok(h.lines.some((l) => l.includes('shop/v1#0 (v1-0) is out of the data plane\'s table; draining')));
      assert.ok(h.lines.some((l) => l.includes('shop/v1: rolling update done: 1 instance(s) run the new spec')));
    } finally {
      await h.close();
    }
  });
});

describe('ProcessRuntime rolling update: draining protects an app that exits at once on SIGTERM', () => {
  /** Changes the spec while a 700 ms request is in flight to the only instance; resolves with that request's answer. */
  async function replaceDuringSlowRequest(h: RollingHarness): Promise<{ status: number; version: string }> {
    await h.runtime.ensure(appSpec(KEY, 1, { VERSION: 'a', ABRUPT: '1' }));
    await h.runtime.waitReady(KEY, 1, 8000);
    const old = h.runtime.status(KEY)?.instances[0]?.endpoint ?? '';
    await waitUntil('the route lists the instance', () => h.proxy.upstreamUse('shop', old).routed === 'all');
    const slow = get(h.address, '/slow?delay=700');
    await waitUntil('the slow request is in flight', () => h.proxy.upstreamUse('shop', old).inflight === 1);
    await h.runtime.ensure(appSpec(KEY, 1, { VERSION: 'b', ABRUPT: '1' }));
    await waitUntil('the old instance is gone', () => allReplaced(h.runtime.status(KEY), 1, ['v1-0']));
    return slow;
  }

  test('with the data plane asked, the in-flight request is answered', async () => {
    const h = await new RollingHarness(KEY).start({ routeLagMs: 50 });
    try {
      assert.deepEqual(await replaceDuringSlowRequest(h), { status: 200, version: 'a' });
    } finally {
      await h.close();
    }
  });

  test('control: with nothing to ask (NO_DATA_PLANE), the same request is cut and the proxy answers 502', async () => {
    const h = await new RollingHarness(KEY).start({ routeLagMs: 50, dataPlane: NO_DATA_PLANE });
    try {
      const answer = await replaceDuringSlowRequest(h);
      assert.equal(answer.status, 502);
    } finally {
      await h.close();
    }
  });
});

interface Bounds {
  replicas: number;
  maxSurge: number;
  maxUnavailable: number;
}

/** Replaces every instance under traffic while sampling the status every 2 ms; returns what was seen. */
async function rollUnderTraffic(bounds: Bounds) {
  const h = await new RollingHarness(KEY).start();
  const { replicas, maxSurge, maxUnavailable } = bounds;
  const rollingUpdate = { maxSurge, maxUnavailable, progressDeadlineMs: 30_000 };
  try {
    await h.runtime.ensure(appSpec(KEY, replicas, { VERSION: 'a' }, { rollingUpdate }));
    await h.runtime.waitReady(KEY, replicas, 10_000);
    await waitUntil('the route lists every instance', () => h.runtime.status(KEY)?.readyEndpoints.every((e) => h.proxy.upstreamUse('shop', e).routed === 'all') === true);
    const oldIds = h.runtime.status(KEY)?.instances.map((i) => i.id) ?? [];
    const traffic = keepTrafficFlowing(h.address);
    const seen = { maxRunning: 0, minReady: replicas, maxStarting: 0, maxLeaving: 0 };
    const sampler = setInterval(() => {
      const status = h.runtime.status(KEY);
      if (status === undefined) return;
      const running = status.instances.filter((i) => i.state !== 'stopped' && i.state !== 'crashed');
      seen.maxRunning = Math.max(seen.maxRunning, running.length);
      seen.minReady = Math.min(seen.minReady, status.readyEndpoints.length);
      seen.maxStarting = Math.max(seen.maxStarting, running.filter((i) => i.state === 'starting').length);
      seen.maxLeaving = Math.max(seen.maxLeaving, running.filter((i) => i.state === 'stopping').length);
    }, 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await h.runtime.ensure(appSpec(KEY, replicas, { VERSION: 'b' }, { rollingUpdate }));
    await waitUntil('every instance is replaced', () => allReplaced(h.runtime.status(KEY), replicas, oldIds), 30_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    clearInterval(sampler);
    const tally = await traffic.stop();
    const late = h.happened.filter((x) => x.what.startsWith('late-request')).length;
    return { seen, tally, late, h };
  } finally {
    await h.close();
  }
}

describe('ProcessRuntime rolling update: batches', () => {
  for (const bounds of [
    { replicas: 3, maxSurge: 1, maxUnavailable: 0 },
    { replicas: 4, maxSurge: 2, maxUnavailable: 1 },
  ]) {
    test(`${bounds.replicas} replicas, maxSurge ${bounds.maxSurge}, maxUnavailable ${bounds.maxUnavailable}: bounds held and reached, no failed request`, async (t) => {
      const { seen, tally, late, h } = await rollUnderTraffic(bounds);
      t.diagnostic(`seen ${JSON.stringify(seen)}; traffic ok ${tally.ok}, failed ${tally.failed}, resets ${tally.resets}; versions ${JSON.stringify([...tally.versions])}`);
      assert.ok(seen.maxRunning <= bounds.replicas + bounds.maxSurge, `${seen.maxRunning} processes at once`);
      assert.equal(seen.maxRunning, bounds.replicas + bounds.maxSurge, 'the surge is used');
      assert.ok(seen.minReady >= bounds.replicas - bounds.maxUnavailable, `${seen.minReady} ready at the lowest`);
      assert.ok(seen.maxStarting <= bounds.maxSurge + bounds.maxUnavailable, `${seen.maxStarting} starting at once`);
      assert.equal(tally.failed, 0, tally.errors.slice(0, 5).join('; '));
      assert.ok(tally.ok > 50, `${tally.ok} requests answered`);
      assert.ok((tally.versions.get('a') ?? 0) > 0 && (tally.versions.get('b') ?? 0) > 0, 'both versions answered');
      assert.equal(late, 0, 'no request reached an instance after its SIGTERM');
      assert.equal(h.lines.filter((l) => l.includes('rolling update done')).length, 1);
    });
  }
});

describe('ProcessRuntime rolling update: rollback', () => {
  test('new instances that never pass readiness are rolled back after progressDeadline, in batches, and the spec is not retried', async () => {
    const h = await new RollingHarness(KEY).start();
    const rollingUpdate = { maxSurge: 1, maxUnavailable: 1, progressDeadlineMs: 2000 };
    try {
      await h.runtime.ensure(appSpec(KEY, 3, { VERSION: 'a' }, { rollingUpdate }));
      await h.runtime.waitReady(KEY, 3, 10_000);
      const first = new Set(h.runtime.status(KEY)?.instances.map((i) => i.id));
      let minReady = 3;
      let maxRunning = 0;
      const sampler = setInterval(() => {
        const status = h.runtime.status(KEY);
        minReady = Math.min(minReady, status?.readyEndpoints.length ?? 0);
        maxRunning = Math.max(maxRunning, status?.instances.filter((i) => i.state !== 'stopped' && i.state !== 'crashed').length ?? 0);
      }, 2);
      const failing = appSpec(KEY, 3, { VERSION: 'b', FAIL_READY: '1' }, { rollingUpdate });
      const t0 = Date.now();
      await h.runtime.ensure(failing);
      await waitUntil('the update is rolled back', () => h.runtime.status(KEY)?.update?.state === 'rolled-back', 15_000);
      await waitUntil('three ready instances of the previous spec', () => h.runtime.status(KEY)?.readyEndpoints.length === 3 && h.runtime.status(KEY)?.instances.length === 3);
      clearInterval(sampler);
      const failure = h.lines.find((l) => l.includes('rolling update failed'));
      assert.match(failure ?? '', /shop\/v1: rolling update failed: no progress for 2s \(progressDeadline\): v1-\d\.1 is starting \(last probe HTTP 503/);
      assert.ok((h.at('rollback') ?? 0) - t0 >= 1900, 'not before the deadline');
      assert.ok(h.lines.some((l) => l.includes('shop/v1: rolled back to the previous spec')));
      const status = h.runtime.status(KEY);
      assert.match(status?.update?.reason ?? '', /no progress for 2s/);
      const versions = await Promise.all([0, 1, 2, 3, 4, 5].map(() => get(h.address, '/')));
      assert.deepEqual(new Set(versions.map((v) => `${v.status} ${v.version}`)), new Set(['200 a']), 'only the previous spec answers');
      // maxUnavailable 1 took one old instance away: it was started again (a new id, the old spec).
      const restarted = status?.instances.filter((i) => !first.has(i.id)) ?? [];
      assert.equal(restarted.length, 1, `restarted: ${restarted.map((i) => i.id).join(',')}`);
      assert.ok(minReady >= 2, `${minReady} ready at the lowest`);
      assert.ok(maxRunning <= 4, `${maxRunning} processes at once`);

      // The controller ensures the same spec every pass: it is not rolled out again.
      const ids = status?.instances.map((i) => i.id).sort();
      await h.runtime.ensure(failing);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(h.runtime.status(KEY)?.instances.map((i) => i.id).sort(), ids);
      assert.equal(h.lines.filter((l) => l.includes('keeps the previous spec: the new one was rolled back')).length, 1);

      // A different spec rolls forward again.
      await h.runtime.ensure(appSpec(KEY, 3, { VERSION: 'c' }, { rollingUpdate }));
      await waitUntil('every instance runs c', () => allReplaced(h.runtime.status(KEY), 3, ids ?? []), 15_000);
      await waitUntil('the update is over (the last new instance confirmed in the table)', () => h.runtime.status(KEY)?.update === undefined);
      assert.equal((await get(h.address, '/')).version, 'c');
    } finally {
      await h.close();
    }
  });

  test('a new spec whose instances crash-loop is rolled back at the third exit, without waiting for the deadline', async () => {
    const h = await new RollingHarness(KEY).start();
    const rollingUpdate = { maxSurge: 1, maxUnavailable: 0, progressDeadlineMs: 600_000 };
    try {
      await h.runtime.ensure(appSpec(KEY, 2, { VERSION: 'a' }, { rollingUpdate }));
      await h.runtime.waitReady(KEY, 2, 10_000);
      const before = h.runtime.status(KEY)?.instances.map((i) => `${i.id} ${i.pid}`);
      await h.runtime.ensure(appSpec(KEY, 2, { VERSION: 'b', CRASH: '1' }, { rollingUpdate }));
      await waitUntil('rolled back', () => h.runtime.status(KEY)?.update?.state === 'rolled-back', 10_000);
      assert.match(h.runtime.status(KEY)?.update?.reason ?? '', /new instance v1-0\.1 exited 3 times \(last code 3\).*crashing on purpose/);
      await waitUntil('the crashing instance is gone', () => h.runtime.status(KEY)?.instances.length === 2);
      assert.deepEqual(h.runtime.status(KEY)?.instances.map((i) => `${i.id} ${i.pid}`), before, 'the old instances never stopped');
      assert.equal(h.runtime.status(KEY)?.readyEndpoints.length, 2);
    } finally {
      await h.close();
    }
  });
});
