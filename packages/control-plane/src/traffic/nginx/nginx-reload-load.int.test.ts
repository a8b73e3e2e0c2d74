import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { RouteSpec, TrafficSplit } from '@sluice/domain';
import { nginxForTests } from './nginx-binary.js';
import { get, ownedRouter, versionServer } from './nginx-test-fixtures.js';

const binary = nginxForTests();

interface LoadResult {
  ok: number;
  failures: string[];
  /** Requests resent after a keep-alive connection closed by an exiting old worker before any answer byte. */
  resent: number;
}

/** One GET; on a reused keep-alive connection closed before any byte of an answer, sends it again once (as browsers do). */
function request(address: string, agent: http.Agent | false, key: string, result: LoadResult, retry = true): Promise<void> {
  const colon = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const req = http.get({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)), path: '/', agent, headers: { 'x-user-id': key } }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) result.ok++;
        else result.failures.push(`status ${res.statusCode}`);
        resolve();
      });
      res.on('error', (error) => {
        result.failures.push(`response: ${error.message}`);
        resolve();
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (retry && req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
        result.resent++;
        void request(address, agent, key, result, false).then(resolve);
        return;
      }
      result.failures.push(`${req.reusedSocket ? 'reused' : 'new'} connection: ${error.code ?? error.message}`);
      resolve();
    });
  });
}

/** `clients` loops sending requests until `stop()`: the first half on keep-alive connections, the rest on a new connection each. */
function load(address: string, clients: number): { stop(): Promise<LoadResult> } {
  const result: LoadResult = { ok: 0, failures: [], resent: 0 };
  let running = true;
  const loops = Array.from({ length: clients }, async (_, c) => {
    const agent = c % 2 === 0 ? new http.Agent({ keepAlive: true, maxSockets: 1 }) : false;
    for (let i = 0; running; i++) await request(address, agent, `client-${c}-${i % 50}`, result);
    if (agent !== false) agent.destroy();
  });
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

test('NginxRouter: 100 verified reloads under load fail no request', { skip: binary === undefined, timeout: 180_000 }, async () => {
  if (binary === undefined) return;
  const [v1, v2] = await Promise.all([versionServer('v1'), versionServer('v2')]);
  const { router, dispose } = await ownedRouter(binary);
  try {
    const route: RouteSpec = { service: 'shop', listen: '127.0.0.1:0', stickiness: { header: 'x-user-id', cookie: 'sluice' }, backends: { v1: [v1.url], v2: [v2.url] } };
    const base: TrafficSplit = { stable: 'v1', canary: 'v2', weight: 1, salt: 'reloads' };
    await router.upsertRoute(route, base);
    const address = (await router.observeSplit('shop')).address ?? '';
    const traffic = load(address, 8);
    const durations: number[] = [];
    const first = (await router.observeSplit('shop')).generation;
    for (let i = 1; i <= 100; i++) {
      const started = performance.now();
      await router.setSplit('shop', { ...base, weight: i === 100 ? 100 : (i * 37) % 100 + 0.25 });
      durations.push(performance.now() - started);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const result = await traffic.stop();
    const observed = await router.observeSplit('shop');
    assert.equal(observed.generation, first + 100, 'every setSplit was a new, verified generation');
    const final = await get(address, { headers: { 'x-user-id': 'anyone' } });
    assert.deepEqual([final.status, final.version, final.generation], [200, 'v2', String(observed.generation)], 'the final split (100 % v2) serves');
    assert.deepEqual(result.failures, [], `${result.failures.length} failed of ${result.ok + result.failures.length}`);
    assert.ok(result.ok > 1000, `only ${result.ok} requests went through during the reloads`);
    const sorted = [...durations].sort((a, b) => a - b);
    console.log(
      `nginx reloads: 100 verified, median ${percentile(sorted, 0.5).toFixed(0)} ms, p95 ${percentile(sorted, 0.95).toFixed(0)} ms, max ${(sorted.at(-1) ?? 0).toFixed(0)} ms; ` +
        `${result.ok} requests ok, ${result.failures.length} failed, ${result.resent} resent after an idle keep-alive close`,
    );
  } finally {
    await dispose();
    await Promise.all([v1.close(), v2.close()]);
  }
});
