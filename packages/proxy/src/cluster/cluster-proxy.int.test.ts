import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { RouteSpec, TrafficSplit } from '@sluice/domain';
import type { ProxyObservation } from '../observation.js';
import { ClusterProxy } from './cluster-proxy.js';

function upstream(name: string): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(name));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

/** Sends requests from `clients` keep-alive loops until `stop` resolves; counts outcomes. */
async function load(address: string, clients: number, stop: Promise<void>) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const outcome = { ok: 0, failed: 0, errors: new Map<string, number>() };
  let running = true;
  void stop.then(() => (running = false));
  const one = () =>
    new Promise<void>((resolve) => {
      const req = http.get(`http://${address}/`, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) outcome.ok++;
          else outcome.errors.set(`status ${res.statusCode}`, (outcome.errors.get(`status ${res.statusCode}`) ?? 0) + 1);
          resolve();
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        outcome.failed++;
        outcome.errors.set(error.code ?? error.message, (outcome.errors.get(error.code ?? error.message) ?? 0) + 1);
        resolve();
      });
    });
  await Promise.all(Array.from({ length: clients }, async () => { while (running) await one(); }));
  agent.destroy();
  return outcome;
}

describe('ClusterProxy', () => {
  let v1: Awaited<ReturnType<typeof upstream>>;
  let v2: Awaited<ReturnType<typeof upstream>>;
  let proxy: ClusterProxy;
  const observed: ProxyObservation[] = [];
  let address = '';

  before(async () => {
    [v1, v2] = [await upstream('v1'), await upstream('v2')];
    proxy = await ClusterProxy.start({ workers: 2, observer: (o) => observed.push(o) });
    const route: RouteSpec = { service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 'sluice-shop' }, backends: { v1: [v1.url], v2: [v2.url] } };
    const split: TrafficSplit = { stable: 'v1', canary: 'v2', weight: 0, salt: 'r' };
    await proxy.upsert(route, split);
    address = (await proxy.observe('shop')).address ?? '';
  });
  after(async () => {
    await proxy?.close();
    v1?.server.close();
    v2?.server.close();
  });

  test('ClusterProxy serves through its workers on one shared port and reports observations', async () => {
    assert.match(address, /^127\.0\.0\.1:\d+$/);
    const res = await fetch(`http://${address}/`);
    assert.equal(await res.text(), 'v1');
    await proxy.setSplit('shop', { stable: 'v1', canary: 'v2', weight: 100, salt: 'r' });
    assert.equal(await (await fetch(`http://${address}/`)).text(), 'v2');
    assert.equal((await proxy.observe('shop')).weight, 100);
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(observed.some((o) => o.version === 'v2' && o.status === 200), 'observations arrive from the workers');
  });

  test('ClusterProxy restarts every worker under load with no refused connection and no failed request', async () => {
    const before = proxy.pids;
    let stop = () => {};
    const stopped = new Promise<void>((r) => (stop = r));
    const running = load(address, 16, stopped);
    await new Promise((r) => setTimeout(r, 300));
    await proxy.restart();
    await new Promise((r) => setTimeout(r, 300));
    await proxy.restart();
    await new Promise((r) => setTimeout(r, 300));
    stop();
    const outcome = await running;
    assert.ok(outcome.ok > 200, `requests were served during the restarts (${outcome.ok})`);
    assert.deepEqual([...outcome.errors], [], `failures: ${JSON.stringify([...outcome.errors])}`);
    assert.equal(proxy.workerCount, 2);
    assert.equal(proxy.pids.filter((p) => before.includes(p)).length, 0, 'every worker was replaced');
  });

  test('ClusterProxy replaces a worker that crashes, with the route table loaded', async () => {
    const [victim] = proxy.pids;
    assert.ok(victim);
    process.kill(victim, 'SIGKILL');
    const deadline = Date.now() + 15_000;
    while ((proxy.pids.includes(victim) || proxy.workerCount < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(proxy.workerCount, 2);
    for (let i = 0; i < 20; i++) assert.equal(await (await fetch(`http://${address}/`)).text(), 'v2');
  });
});
