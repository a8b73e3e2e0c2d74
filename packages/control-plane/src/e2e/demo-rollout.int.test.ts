import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getJson, sluice, startServer, tempDir, waitFor, writeSpec, demoServiceYaml, rolloutYaml, type ServerProcess } from './testing/sluice-process.js';
import { sample, versionsOf, withinBinomial } from './testing/traffic-sample.js';
import { dataPlanesUnderTest } from './testing/data-planes.js';

const ROLLOUT = rolloutYaml(['setWeight: 1', 'pause: {}', 'setWeight: 20', 'pause: {}', 'setWeight: 50', 'pause: {}', 'setWeight: 100']);

for (const plane of dataPlanesUnderTest()) describe(`demo rollout end to end on ${plane.kind} (CLI → API → controller → data plane → local processes)`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess;
  let proxy = '';

  before(async () => {
    dir = await tempDir('sluice-e2e-');
    server = await startServer(`${dir.path}/data`, { args: plane.args });
  });
  after(async () => {
    await server?.stop();
    await dir?.remove();
  });

  async function pausedAt(stepIndex: number, weight: number) {
    return waitFor(`paused at step ${stepIndex + 1} with weight ${weight}`, async () => {
      const r = await getJson(`${server.url}/api/v1/rollouts/shop-v2`);
      const s = await getJson(`${server.url}/api/v1/services/shop`);
      const served = s.traffic?.weight === weight && s.traffic?.canary === 'v2';
      return r.status.phase === 'Paused' && r.status.stepIndex === stepIndex && served ? r : undefined;
    });
  }

  test('apply through the CLI creates the service and rollout', async () => {
    const file = await writeSpec(dir.path, 'shop.yaml', demoServiceYaml() + ROLLOUT);
    const applied = await sluice(server.url, ['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /service\/shop created/);
    assert.match(applied.stdout, /rollout\/shop-v2 created/);
    const service = await waitFor('the proxy to listen', async () => (await getJson(`${server.url}/api/v1/services/shop`)).traffic?.address);
    proxy = service as string;
  });

  const users = Array.from({ length: 200 }, (_, i) => `user-${i}`);
  let canaryAt1: string[] = [];

  test('at 1 % the observed split matches within binomial tolerance', async () => {
    await pausedAt(1, 1);
    const n = 2000;
    const counts = await sample(proxy, n);
    const canary = counts.get('v2') ?? 0;
    assert.equal(canary + (counts.get('v1') ?? 0), n, `only v1 and v2 answer: ${JSON.stringify([...counts])}`);
    assert.ok(withinBinomial(canary, n, 0.01), `1 %: ${canary}/${n} on v2`);
    canaryAt1 = [...(await versionsOf(proxy, users))].filter(([, v]) => v === 'v2').map(([u]) => u);
  });

  test('sticky users never move from canary back to stable as the weight rises 1 → 20 → 50', async () => {
    let previous = new Set(canaryAt1);
    for (const [step, weight] of [[3, 20], [5, 50]] as const) {
      const promoted = await sluice(server.url, ['promote', 'shop-v2']);
      assert.equal(promoted.code, 0, promoted.stderr);
      await pausedAt(step, weight);
      const now = await versionsOf(proxy, users);
      for (const user of previous) assert.equal(now.get(user), 'v2', `${user} was on the canary and must stay there at ${weight} %`);
      const canary = [...now].filter(([, v]) => v === 'v2').map(([u]) => u);
      assert.ok(withinBinomial(canary.length, users.length, weight / 100), `${canary.length}/200 sticky users on v2 at ${weight} %`);
      const counts = await sample(proxy, 1000);
      assert.ok(withinBinomial(counts.get('v2') ?? 0, 1000, weight / 100), `${weight} %: ${counts.get('v2')}/1000 on v2`);
      previous = new Set(canary);
    }
  });

  test('status shows step, weight bar and phase', async () => {
    const status = await sluice(server.url, ['status', 'shop-v2']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /Step 6\/7/);
    assert.match(status.stdout, /50%/);
    assert.match(status.stdout, /Paused/);
  });

  test('abort returns 100 % of traffic to stable, sticky canary users included', async () => {
    const aborted = await sluice(server.url, ['abort', 'shop-v2', '--reason', 'e2e abort']);
    assert.equal(aborted.code, 0, aborted.stderr);
    await waitFor('Aborted', async () => ((await getJson(`${server.url}/api/v1/rollouts/shop-v2`)).status.phase === 'Aborted' ? true : undefined));
    const counts = await sample(proxy, 1000);
    assert.deepEqual([...counts], [['v1', 1000]]);
    const sticky = await versionsOf(proxy, users);
    assert.deepEqual(new Set(sticky.values()), new Set(['v1']));
  });

  test('history lists every decision with who and why', async () => {
    const history = await sluice(server.url, ['history', 'shop']);
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /e2e abort/);
    assert.match(history.stdout, /RolloutCreated/);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /sluice_proxy_requests_total\{[^}]*version="v2"[^}]*\} \d+/);
  });
});
