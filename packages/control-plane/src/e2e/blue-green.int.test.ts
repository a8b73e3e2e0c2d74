import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { getJson, sluice, startServer, tempDir, waitFor, writeSpec, type ServerProcess } from './testing/sluice-process.js';
import { sample } from './testing/traffic-sample.js';

/** v1 and v2 run as local processes; v3 is an upstream of this test that turns bad when told to. */
const service = (v3Port: number) => `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
    v1: { run: { command: "node demo/app.js", env: { VERSION: v1 }, readiness: { path: /healthz, interval: 100ms }, gracePeriod: 1s } }
    v2: { run: { command: "node demo/app.js", env: { VERSION: v2 }, readiness: { path: /healthz, interval: 100ms }, gracePeriod: 1s } }
    v3: { upstreams: ["http://127.0.0.1:${v3Port}"] }
  stable: v1
---
apiVersion: sluice.dev/v1
kind: AnalysisTemplate
metadata: { name: health }
spec:
  metrics:
    - name: error-rate
      interval: 1s
      count: 3
      provider: { builtin: {} }
      query: error-rate
      judge: { threshold: { successCondition: "result < 0.05" } }
`;

const BLUE_GREEN_V2 = `apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-v2 }
spec:
  service: shop
  target: v2
  strategy:
    blueGreen:
      previewRoute: { header: { name: x-preview, value: "1" } }
      prePromotionAnalysis: { templates: [health] }
      autoPromote: false
      postPromotionAnalysis: { templates: [health] }
      scaleDownDelay: 3s
`;

/** The guardian is off so that what switches back is the post-promotion analysis. */
const BLUE_GREEN_V3 = `apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-v3 }
spec:
  service: shop
  target: v3
  guard: { conditions: [] }
  strategy:
    blueGreen:
      previewRoute: { header: { name: x-preview, value: "1" } }
      postPromotionAnalysis: { templates: [health] }
`;

interface Served {
  readonly at: number;
  readonly version: string;
  readonly status: number;
}

describe('blue-green through the real server, proxy and traffic', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess;
  let upstream: Server;
  let proxy = '';
  let v3Failing = false;
  let sending = true;
  let traffic: Promise<void> = Promise.resolve();
  /** Every plain (non-preview) request the background traffic sent, in order of answer. */
  const served: Served[] = [];

  before(async () => {
    dir = await tempDir('sluice-blue-green-');
    upstream = createServer((_req, res) => {
      res.writeHead(v3Failing ? 500 : 200, { 'content-type': 'text/plain' });
      res.end(v3Failing ? 'broken\n' : 'v3\n');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    server = await startServer(`${dir.path}/data`);
  });
  after(async () => {
    sending = false;
    await traffic;
    await server?.stop();
    await new Promise((resolve) => upstream?.close(resolve));
    await dir?.remove();
  });

  async function send(headers: Record<string, string>, record: boolean): Promise<void> {
    try {
      const res = await fetch(`http://${proxy}/`, { headers });
      await res.arrayBuffer();
      if (record) served.push({ at: Date.now(), version: res.headers.get('x-sluice-version') ?? 'none', status: res.status });
    } catch {
      if (record) served.push({ at: Date.now(), version: 'error', status: 0 });
    }
  }

  /** Steady traffic: plain requests (recorded) and preview requests, so both windows have data. */
  function sendTraffic(): void {
    traffic = (async () => {
      while (sending) {
        await Promise.all([...Array.from({ length: 4 }, () => send({}, true)), ...Array.from({ length: 4 }, () => send({ 'x-preview': '1' }, false))]);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
  }

  const rolloutOf = (name: string) => getJson(`${server.url}/api/v1/rollouts/${name}`);
  const serviceOf = () => getJson(`${server.url}/api/v1/services/shop`);

  test('the preview header reaches green while everyone else stays on blue, and the pre-promotion analysis passes on it', async () => {
    const file = await writeSpec(dir.path, 'shop.yaml', `${service((upstream.address() as AddressInfo).port)}---\n${BLUE_GREEN_V2}`);
    const applied = await sluice(server.url, ['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.stderr);
    proxy = (await waitFor('the proxy to listen', async () => (await serviceOf()).traffic?.address)) as string;
    sendTraffic();
    const paused = await waitFor('the pause before the switch', async () => {
      const r = await rolloutOf('shop-v2');
      return r.status.phase === 'Paused' && r.status.stepIndex === 2 ? r : undefined;
    }, 40_000);
    assert.equal(paused.status.canaryWeight, 0);
    assert.deepEqual([...(await sample(proxy, 100)).entries()], [['v1', 100]]);
    assert.deepEqual([...(await sample(proxy, 100, () => ({ 'x-preview': '1' }))).entries()], [['v2', 100]]);
    const decisions = (await getJson(`${server.url}/api/v1/rollouts/shop-v2/decisions`)).decisions;
    const decided = decisions.filter((d: { type: string }) => d.type === 'AnalysisDecided').map((d: { to: string }) => d.to);
    assert.deepEqual(decided, ['passed']);
    const measured = decisions.filter((d: { type: string }) => d.type === 'AnalysisMeasured');
    const step = measured.filter((d: { data: { source: string } }) => d.data.source === 'step');
    // Every measurement passed, or (on a loaded machine) found a 1 s window without a preview request
    // yet: never a failure, and the decision above is "passed".
    const results: (readonly [string, string])[] = step.map((d: { data: { metric: string; result: string } }) => [d.data.metric, d.data.result] as const);
    assert.equal(results.length, 3, 'count: 3 measurements');
    assert.ok(results.every(([metric, result]) => metric === 'health/error-rate' && (result === 'pass' || result === 'no-data')), JSON.stringify(results));
    assert.ok(results.some(([, result]) => result === 'pass'), 'at least one measured the preview traffic');
    // Green's numbers are the preview's: at weight 0 the guardian's sequential test counted requests on v2.
    const seen = measured.filter((d: { data: { source: string; canary?: { n: number } } }) => d.data.source === 'guard' && (d.data.canary?.n ?? 0) > 0);
    assert.ok(seen.length > 0, 'the preview traffic is counted as green');
    const status = await sluice(server.url, ['status', 'shop-v2']);
    assert.match(status.stdout, /Blue-green: +blue v1 live; green v2 waiting for the switch, preview on header x-preview = 1/);
    assert.match(status.stdout, /switch to green: setWeight 100/);
  });

  test('promote switches 100 % to green; the post-promotion analysis passes; green is stable and blue warm, then idle', async () => {
    const promoted = await sluice(server.url, ['promote', 'shop-v2']);
    assert.equal(promoted.code, 0, promoted.stderr);
    await waitFor('everyone on v2', async () => ((await sample(proxy, 50)).get('v2') === 50 ? true : undefined), 20_000);
    const done = await waitFor('shop-v2 to finish', async () => {
      const r = await rolloutOf('shop-v2');
      return ['Succeeded', 'Failed'].includes(r.status.phase) ? r : undefined;
    }, 30_000);
    assert.equal(done.status.phase, 'Succeeded', done.status.message);
    const after = await serviceOf();
    assert.equal(after.status.stable, 'v2');
    assert.equal(typeof after.status.warmUntil?.v1, 'number', JSON.stringify(after.status));
    const status = await sluice(server.url, ['status', 'shop-v2']);
    assert.match(status.stdout, /Blue-green: +green v2 live and stable; blue v1 kept warm for 3s, then idle/);
    const idle = await waitFor('v1 to be idle', async () => {
      const s = await serviceOf();
      return s.status.idle?.v1 !== undefined && !s.workloads.some((w: { version: string }) => w.version === 'v1') ? s : undefined;
    }, 20_000);
    assert.ok(idle.status.idle.v1 >= after.status.warmUntil.v1, 'idle no earlier than its warm time');
    const history = await sluice(server.url, ['history', 'shop']);
    assert.match(history.stdout, /Version v1 is idle/);
  });

  test('green failing right after the switch: the post-promotion analysis fails and traffic is back on blue within seconds', async () => {
    const file = await writeSpec(dir.path, 'v3.yaml', BLUE_GREEN_V3);
    assert.equal((await sluice(server.url, ['apply', '-f', file])).code, 0);
    const switched = await waitFor('plain traffic on v3 (the switch)', async () => served.find((s) => s.version === 'v3' && s.at > Date.now() - 1000), 30_000);
    v3Failing = true;
    const failedFrom = Date.now();
    const backAt = await waitFor('plain traffic back on v2', async () => served.find((s) => s.at > failedFrom && s.version === 'v2')?.at, 20_000);
    const seconds = (backAt - failedFrom) / 1000;
    const sinceSwitch = (backAt - switched.at) / 1000;
    console.log(`blue-green: traffic back on blue ${seconds.toFixed(2)} s after green started failing (${sinceSwitch.toFixed(2)} s after the switch; analysis interval 1s)`);
    assert.ok(seconds < 10, `back on blue in ${seconds} s`);
    const failed = await waitFor('shop-v3 to finish', async () => {
      const r = await rolloutOf('shop-v3');
      return ['Succeeded', 'Failed'].includes(r.status.phase) ? r : undefined;
    }, 20_000);
    assert.equal(failed.status.phase, 'Failed');
    const decisions = (await getJson(`${server.url}/api/v1/rollouts/shop-v3/decisions`)).decisions;
    assert.equal(decisions.find((d: { type: string }) => d.type === 'AnalysisDecided')?.to, 'failed');
    assert.equal(decisions.some((d: { type: string }) => d.type === 'GuardBreached'), false, 'the guardian is off: the analysis did it');
    await waitFor('a second of traffic after the switch back', async () => (served.some((s) => s.at > backAt + 1500) ? true : undefined));
    const after = served.filter((s) => s.at > backAt + 500);
    assert.ok(after.length > 0 && after.every((s) => s.version === 'v2' && s.status === 200), `once back, every plain request is served by v2: ${JSON.stringify(after.filter((s) => s.version !== 'v2' || s.status !== 200).slice(0, 5))} (back at ${backAt})`);
    const order = served.filter((s) => s.at >= switched.at - 2000).map((s) => s.version).filter((v, i, all) => v !== all[i - 1]);
    assert.deepEqual(order.slice(0, 3), ['v2', 'v3', 'v2'], 'the traffic shows the switch and the switch back');
    assert.equal((await serviceOf()).status.stable, 'v2');
    const status = await sluice(server.url, ['status', 'shop-v3']);
    assert.match(status.stdout, /Blue-green: +blue v2 live; green v3 rolled back/);
  });
});
