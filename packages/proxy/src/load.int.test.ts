/**
 * The proxy under sustained load while everything changes: the weight every second, one upstream
 * replaced every 3 s. Must show 0 failed requests and, per 1-second window, an observed canary
 * share within binomial tolerance of the configured weight. Runs SLUICE_LOAD_SECONDS (default 120).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { RouteSpec, TrafficSplit } from '@sluice/domain';
import { BuiltinProxy } from './builtin-proxy.js';

const SECONDS = Number(process.env.SLUICE_LOAD_SECONDS ?? 120);
const CLIENTS = 24;
const WEIGHTS = [1, 5, 20, 50, 80, 37.5, 10, 0.5, 65, 99];

interface Upstream { url: string; server: http.Server; closed?: Promise<void> }

function startUpstream(version: string): Promise<Upstream> {
  const server = http.createServer((req, res) => {
    req.resume();
    res.setHeader('x-upstream-version', version);
    res.end(version);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

/** Closes gracefully: it only finishes once the proxy has drained its pooled connections to it. */
function retire(upstream: Upstream): Promise<void> {
  upstream.closed ??= new Promise((resolve) => upstream.server.close(() => resolve()));
  return upstream.closed;
}

interface Window { weight: number; canary: number; total: number }

test(`BuiltinProxy serves ${SECONDS}s of load with weight changes every second and upstream churn: 0 failures, split per window in tolerance`, { timeout: (SECONDS + 60) * 1000 }, async () => {
  const pools: Record<string, Upstream[]> = { v1: [], v2: [] };
  for (const v of ['v1', 'v2']) for (let i = 0; i < 3; i++) pools[v]!.push(await startUpstream(v));
  const paths = { fast: 0, http: 0 };
  const proxy = new BuiltinProxy({ observer: (o) => void (o.fast === true ? paths.fast++ : paths.http++) });
  const route = (): RouteSpec => ({ service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 'sluice-shop' }, backends: { v1: pools.v1!.map((u) => u.url), v2: pools.v2!.map((u) => u.url) } });
  const split = (weight: number): TrafficSplit => ({ stable: 'v1', canary: 'v2', weight, salt: 'load' });
  await proxy.upsert(route(), split(WEIGHTS[0]!));
  const address = proxy.observe('shop').address ?? '';

  // Window k runs from second k to k+1 at WEIGHTS[k % n]; requests sent in its first 50 ms or
  // still open at its end are not counted, so each counted request saw one weight only.
  const windows: Window[] = [];
  const start = performance.now();
  let currentWindow = 0;
  let stableSince = start;
  const failures = new Map<string, number>();
  const retired: Promise<void>[] = [];
  let running = true;

  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const one = () =>
    new Promise<void>((resolve) => {
      const sentAt = performance.now();
      const windowAtSend = currentWindow;
      const req = http.get(`http://${address}/`, { agent }, (res) => {
        const version = res.headers['x-sluice-version'];
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) failures.set(`status ${res.statusCode}`, (failures.get(`status ${res.statusCode}`) ?? 0) + 1);
          const w = windows[windowAtSend];
          if (w && windowAtSend === currentWindow && sentAt - stableSince > 50) {
            w.total++;
            if (version === 'v2') w.canary++;
          }
          resolve();
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        failures.set(error.code ?? error.message, (failures.get(error.code ?? error.message) ?? 0) + 1);
        resolve();
      });
    });
  const clients = Array.from({ length: CLIENTS }, async () => { while (running) await one(); });

  windows.push({ weight: WEIGHTS[0]!, canary: 0, total: 0 });
  for (let second = 1; second < SECONDS; second++) {
    await new Promise((r) => setTimeout(r, start + second * 1000 - performance.now()));
    const weight = WEIGHTS[second % WEIGHTS.length]!;
    proxy.setSplit('shop', split(weight));
    windows.push({ weight, canary: 0, total: 0 });
    currentWindow = second;
    stableSince = performance.now();
    if (second % 3 === 0) {
      const version = second % 6 === 0 ? 'v1' : 'v2';
      const pool = pools[version]!;
      const fresh = await startUpstream(version);
      const [old] = pool.splice(0, 1, fresh);
      await proxy.upsert(route(), split(weight));
      if (old) retired.push(retire(old));
    }
  }
  await new Promise((r) => setTimeout(r, start + SECONDS * 1000 - performance.now()));
  running = false;
  await Promise.all(clients);
  agent.destroy();
  await Promise.all(retired); // every removed upstream was drained by the proxy, or this never resolves
  await proxy.close();
  await Promise.all([...pools.v1!, ...pools.v2!].map(retire));

  assert.deepEqual([...failures], [], 'no request failed');
  assert.ok(paths.fast >= 0.99 * (paths.fast + paths.http), `the load ran on the fast path: ${paths.fast} fast, ${paths.http} on node:http`);
  const served = windows.reduce((n, w) => n + w.total, 0);
  assert.ok(served > SECONDS * 200, `load was sustained: ${served} counted requests`);
  const outOfTolerance = windows.filter((w) => {
    if (w.total < 50) return false;
    const p = w.weight / 100;
    const sd = Math.sqrt((p * (1 - p)) / w.total);
    return Math.abs(w.canary / w.total - p) > 4.5 * sd + 1 / w.total;
  });
  assert.deepEqual(outOfTolerance, [], 'every window within 4.5 sigma of its weight');
});
