import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ROLLING_APP, keepTrafficFlowing } from '../runtime/process/testing/rolling-harness.js';
import { getJson, sluice, startServer, tempDir, waitFor, writeSpec, type ServerProcess } from './testing/sluice-process.js';

interface Workload {
  readonly version: string;
  readonly readyEndpoints: readonly string[];
  readonly instances: readonly { readonly id: string; readonly pid?: number; readonly state: string }[];
  readonly update?: { readonly state: string };
}

/**
 * shop with one `run` version of the rolling-update fixture app, 3 replicas; `build` lands in VERSION.
 * ABRUPT=1: the app exits the moment it gets SIGTERM, like a program without a SIGTERM handler, so
 * nothing but the runtime's ordering (out of the table, drained, then SIGTERM) protects its requests.
 */
function serviceYaml(build: string): string {
  return `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
    v1:
      run:
        command: "${ROLLING_APP}"
        env: { VERSION: ${build}, ABRUPT: "1" }
        replicas: 3
        readiness: { path: /healthz, interval: 100ms }
        gracePeriod: 5s
  stable: v1
`;
}

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('rolling update end to end (CLI → API → controller → runtime ⇄ built-in proxy)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess;

  before(async () => {
    dir = await tempDir('sluice-rolling-');
    server = await startServer(`${dir.path}/data`);
  });
  after(async () => {
    await server?.stop();
    await dir?.remove();
  });

  async function workload(): Promise<Workload | undefined> {
    const service = await getJson(`${server.url}/api/v1/services/shop`);
    return (service.workloads as Workload[] | undefined)?.find((w) => w.version === 'v1');
  }

  test('a changed env replaces all 3 instances of an app that exits at once on SIGTERM, under keep-alive, new-connection, slow and POST traffic: 0 failed requests, 0 resets', async (t) => {
    const file = await writeSpec(dir.path, 'shop.yaml', serviceYaml('build-1'));
    const applied = await sluice(server.url, ['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.stderr);
    const proxy = (await waitFor('the proxy to listen', async () => (await getJson(`${server.url}/api/v1/services/shop`)).traffic?.address)) as string;
    const first = await waitFor('3 ready instances', async () => {
      const w = await workload();
      return w?.readyEndpoints.length === 3 ? w : undefined;
    });
    const oldPids = first.instances.map((i) => i.pid ?? 0);

    const traffic = keepTrafficFlowing(proxy, 6);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const changed = await writeSpec(dir.path, 'shop.yaml', serviceYaml('build-2'));
    const reapplied = await sluice(server.url, ['apply', '-f', changed]);
    assert.equal(reapplied.code, 0, reapplied.stderr);
    const started = Date.now();
    const done = await waitFor(
      'every instance replaced and the update over',
      async () => {
        const w = await workload();
        const replaced = w?.instances.length === 3 && w.readyEndpoints.length === 3 && w.instances.every((i) => !oldPids.includes(i.pid ?? 0));
        return replaced && w?.update === undefined ? w : undefined;
      },
      60_000,
    );
    const tookMs = Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const tally = await traffic.stop();
    t.diagnostic(`rolling update took ${tookMs}ms; requests ok ${tally.ok}, failed ${tally.failed}, resets ${tally.resets}; versions ${JSON.stringify([...tally.versions])}`);

    assert.equal(tally.failed, 0, `failed requests: ${tally.errors.slice(0, 5).join('; ')}`);
    assert.equal(tally.resets, 0);
    assert.ok(tally.ok >= 200, `${tally.ok} requests answered`);
    assert.ok((tally.versions.get('build-1') ?? 0) > 0 && (tally.versions.get('build-2') ?? 0) > 0, `both builds answered: ${JSON.stringify([...tally.versions])}`);
    assert.deepEqual(done.instances.map((i) => i.state), ['ready', 'ready', 'ready']);
    assert.ok(oldPids.every((pid) => !pidAlive(pid)), 'every old process is gone');

    const log = server.output();
    assert.match(log, /shop\/v1: rolling update to a new spec \([0-9a-f]{8}\): 3 replica\(s\), maxSurge 25%, maxUnavailable 25%/);
    assert.match(log, /shop\/v1: rolling update done: 3 instance\(s\) run the new spec \(maxSurge 1, maxUnavailable 0\)/);
    assert.equal((log.match(/is out of the data plane's table; draining/g) ?? []).length, 3, 'each old instance left the table before it drained');
    assert.equal((log.match(/ SIGTERM v1-\d inflight=0/g) ?? []).length, 3, 'each old instance got SIGTERM with nothing in flight');
    assert.doesNotMatch(log, /request after SIGTERM/);
    const answers = await Promise.all([0, 1, 2, 3, 4, 5].map(async () => (await fetch(`http://${proxy}/`)).headers.get('x-app-version')));
    assert.deepEqual(new Set(answers), new Set(['build-2']));
  });
});
