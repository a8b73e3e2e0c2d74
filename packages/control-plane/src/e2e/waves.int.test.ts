import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { getJson, sluice, startServer, tempDir, waitFor, writeSpec, type ServerProcess } from './testing/sluice-process.js';
import { sample } from './testing/traffic-sample.js';

const target = (name: string, labels: string) => `apiVersion: sluice.dev/v1
kind: Target
metadata: { name: ${name} }
spec:
  labels: ${labels}
  dataPlane: { builtin: { services: { shop: { listen: 127.0.0.1:0 } } } }
`;

/** v1 and v2 are upstreams of this test; v2 (the canary) turns bad when told to. */
const spec = (v1Port: number, v2Port: number) => `${target('eu-1', '{ region: eu, cluster: "1" }')}---
${target('eu-2', '{ region: eu, cluster: "2" }')}---
${target('us-1', '{ region: us }')}---
apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
    v1: { upstreams: ["http://127.0.0.1:${v1Port}"] }
    v2: { upstreams: ["http://127.0.0.1:${v2Port}"] }
  stable: v1
---
apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-v2 }
spec:
  service: shop
  target: v2
  strategy:
    waves:
      waves:
        - name: cluster-eu-1
          selector: { matchLabels: { region: eu, cluster: "1" } }
          steps: [ { setWeight: 50 }, { pause: { duration: 2s } }, { setWeight: 100 } ]
          bakeTime: 2s
        - name: region-eu
          selector: { matchLabels: { region: eu } }
          steps: [ { setWeight: 50 }, { pause: { duration: 5m } }, { setWeight: 100 } ]
        - name: everything-left
          selector: { matchLabels: {} }
          switch: true
`;

const TARGETS = ['eu-1', 'eu-2', 'us-1'] as const;
type TargetName = (typeof TARGETS)[number];

interface Answer {
  readonly version: string;
  readonly status: number;
}

describe('staged waves across three targets through the real server and three proxies', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess;
  const upstreams: Server[] = [];
  let v2Failing = false;
  /** The Host (as the client sent it, via X-Forwarded-Host) of every request the canary upstream received. */
  const canaryHosts: string[] = [];
  const answers = new Map<TargetName, Answer[]>(TARGETS.map((t) => [t, []]));
  const address = new Map<TargetName, string>();
  let sending = true;
  let traffic: Promise<void> = Promise.resolve();

  function upstream(onRequest: (req: IncomingMessage) => { status: number; body: string }): Promise<number> {
    const server = createServer((req, res) => {
      const { status, body } = onRequest(req);
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body);
    });
    upstreams.push(server);
    return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  }

  before(async () => {
    dir = await tempDir('sluice-waves-');
    const v1 = await upstream(() => ({ status: 200, body: 'v1\n' }));
    const v2 = await upstream((req) => {
      canaryHosts.push(String(req.headers['x-forwarded-host'] ?? req.headers.host));
      return v2Failing ? { status: 500, body: 'broken\n' } : { status: 200, body: 'v2\n' };
    });
    server = await startServer(`${dir.path}/data`);
    const file = await writeSpec(dir.path, 'waves.yaml', spec(v1, v2));
    const applied = await sluice(server.url, ['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.stderr);
  });

  after(async () => {
    sending = false;
    await traffic;
    await server?.stop();
    await Promise.all(upstreams.map((u) => new Promise((resolve) => u.close(resolve))));
    await dir?.remove();
  });

  async function send(name: TargetName): Promise<void> {
    try {
      const res = await fetch(`http://${address.get(name)}/`);
      await res.arrayBuffer();
      answers.get(name)?.push({ version: res.headers.get('x-sluice-version') ?? 'none', status: res.status });
    } catch {
      answers.get(name)?.push({ version: 'error', status: 0 });
    }
  }

  /** Steady traffic through all three targets' proxies, so the guardian has both versions to compare. */
  function sendTraffic(): void {
    traffic = (async () => {
      while (sending) {
        await Promise.all(TARGETS.flatMap((t) => [send(t), send(t), send(t)]));
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
  }

  const rollout = () => getJson(`${server.url}/api/v1/rollouts/shop-v2`);

  test('each target serves the service on its own proxy and port; wave 1 moves eu-1 alone', async () => {
    const targets = await waitFor('the three targets to listen', async () => {
      const items = (await getJson(`${server.url}/api/v1/targets`)).items as { name: TargetName; services: { shop?: { observed?: { address?: string } } } }[];
      return items.length === 3 && items.every((t) => t.services.shop?.observed?.address !== undefined) ? items : undefined;
    });
    for (const t of targets) address.set(t.name, t.services.shop?.observed?.address ?? '');
    assert.equal(new Set(address.values()).size, 3, 'three proxies on three ports');
    const listed = await sluice(server.url, ['get', 'targets']);
    assert.equal(listed.code, 0, listed.stderr);
    for (const name of TARGETS) assert.match(listed.stdout, new RegExp(`${name}\\s`));
    sendTraffic();
    const inWave2 = await waitFor('wave 2 to be at 50 % on eu-2', async () => {
      const r = await rollout();
      return r.status.wave === 1 && r.status.targets?.['eu-2']?.weight === 50 && r.status.targets?.['eu-2']?.stepIndex === 1 ? r : undefined;
    }, 40_000);
    assert.equal(inWave2.status.targets['eu-1'].phase, 'Done');
    assert.equal(inWave2.status.targets['us-1'].phase, 'Pending');
    assert.deepEqual([...(await sample(address.get('eu-1') ?? '', 60)).entries()], [['v2', 60]], 'eu-1 is fully on the canary');
    const eu2 = await sample(address.get('eu-2') ?? '', 200);
    assert.ok((eu2.get('v2') ?? 0) > 40 && (eu2.get('v1') ?? 0) > 40, `eu-2 splits about 50/50: ${[...eu2.entries()].join(' ')}`);
    assert.deepEqual([...(await sample(address.get('us-1') ?? '', 60)).entries()], [['v1', 60]], 'us-1 has not started');
  });

  test('the canary fails during wave 2: the rollout fails, eu-1 and eu-2 are back on stable, us-1 never reached the canary, wave 3 never started', async () => {
    const failedAt = Date.now();
    v2Failing = true;
    const failed = await waitFor('the rollout to fail and roll back', async () => {
      const r = await rollout();
      return r.status.phase === 'Failed' || r.status.phase === 'Aborted' ? r : undefined;
    }, 60_000);
    assert.equal(failed.status.phase, 'Failed', failed.status.message);
    sending = false;
    await traffic;
    for (const name of TARGETS) {
      assert.deepEqual([...(await sample(address.get(name) ?? '', 60)).entries()], [['v1', 60]], `${name} serves stable only`);
    }
    const usAddress = address.get('us-1') ?? '';
    assert.ok(canaryHosts.length > 0, 'the canary was reached through the other targets');
    assert.ok(canaryHosts.some((h) => h === address.get('eu-2')), 'eu-2 reached the canary in wave 2');
    assert.equal(canaryHosts.filter((h) => h === usAddress).length, 0, 'us-1 never sent a request to the canary');
    assert.ok((answers.get('us-1') ?? []).every((a) => a.version === 'v1'), 'every answer through us-1 came from v1');
    const events = (await getJson(`${server.url}/api/v1/rollouts/shop-v2/events`)).items as { type: string; to?: string; reason: string; data?: { kind?: string; target?: string } }[];
    const waves = events.filter((e) => e.type === 'StepStarted' && e.data?.kind === 'wave').map((e) => e.to);
    assert.deepEqual(waves, ['wave 1', 'wave 2'], 'wave 3 never started');
    assert.ok(events.some((e) => e.type === 'GuardBreached'), 'the guardian caught the failure');
    const rolledBack = events.filter((e) => e.type === 'RollbackProgressed' && e.to === 'traffic').map((e) => e.data?.target ?? 'service');
    assert.deepEqual(rolledBack, ['service', 'eu-1', 'eu-2'], 'every touched target, and only those, was returned to stable');
    const plan = failed.status.rollbackPlan.ops as { op: string; target?: string }[];
    assert.ok(plan.every((o) => o.target !== 'us-1'), 'the plan never touches us-1');
    const status = await sluice(server.url, ['status', 'shop-v2']);
    assert.match(status.stdout, /Targets: +wave 2 running; eu-1 wave 1 Done 100% · eu-2 wave 2 Progressing 50% · us-1 wave 3 Pending 0%/);
    assert.match(status.stdout, /wave 3\/3 \(everything-left\) on every target: switch/);
    const seconds = (Date.now() - failedAt) / 1000;
    assert.ok(seconds < 45, `rolled back ${seconds}s after the canary turned bad`);
  });
});
