import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getJson, sluice, startServer, tempDir, waitFor, writeSpec, demoServiceYaml, rolloutYaml, type ServerProcess } from './testing/sluice-process.js';
import { sample } from './testing/traffic-sample.js';

const ROLLOUT = rolloutYaml(['setWeight: 10', 'pause: { duration: 3s }', 'setWeight: 30', 'pause: { duration: 1s }', 'setWeight: 60', 'setWeight: 100']);

/** The rollout's transitions in an uncrashed run: each must appear exactly once, in this order. */
const EXPECTED = [
  'RolloutCreated v1→v2',
  'PhaseChanged Pending→Progressing',
  'WeightChanged 0→10',
  'StepCompleted 1→2',
  'PhaseChanged Progressing→Paused',
  'StepCompleted 2→3',
  'PhaseChanged Paused→Progressing',
  'WeightChanged 10→30',
  'StepCompleted 3→4',
  'PhaseChanged Progressing→Paused',
  'StepCompleted 4→5',
  'PhaseChanged Paused→Progressing',
  'WeightChanged 30→60',
  'StepCompleted 5→6',
  'WeightChanged 60→100',
  'StepCompleted 6→7',
  'PhaseChanged Progressing→Promoting',
  'PhaseChanged Promoting→Succeeded',
];

const pidAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('crash: kill -9 of the server mid-rollout', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess | undefined;
  const data = () => `${dir.path}/data`;

  before(async () => {
    dir = await tempDir('sluice-crash-');
  });
  after(async () => {
    await server?.stop();
    await dir?.remove();
  });

  async function demoPids(url: string): Promise<number[]> {
    const s = await getJson(`${url}/api/v1/services/shop`);
    return s.workloads.flatMap((w: { instances: { pid?: number }[] }) => w.instances.map((i) => i.pid ?? 0)).filter(Boolean);
  }

  test('the rollout finishes after kills during a timed pause and during a weight change, each transition once', async () => {
    server = await startServer(data());
    const file = await writeSpec(dir.path, 'shop.yaml', demoServiceYaml() + ROLLOUT);
    assert.equal((await sluice(server.url, ['apply', '-f', file])).code, 0);

    // 1. Kill during the timed pause.
    await waitFor('the 3 s pause', async () => {
      const r = await getJson(`${server!.url}/api/v1/rollouts/shop-v2`);
      return r.status.phase === 'Paused' && r.status.pauseUntil ? r : undefined;
    });
    const orphans = await demoPids(server.url);
    assert.ok(orphans.length >= 2, 'demo processes are running');
    await server.kill9();

    // 2. Restart with a failpoint: the server SIGKILLs itself right after committing the weight
    //    change 10 → 30, before the data plane has been verified and the step completed.
    server = await startServer(data(), { env: { SLUICE_FAILPOINTS: 'kill-after-event=WeightChanged:30' } });
    await waitFor('orphaned demo processes from the killed server to be cleaned up', async () => (orphans.every((p) => !pidAlive(p)) ? true : undefined));
    await server.exited;
    assert.match(server.output(), /failpoint kill-after-event=WeightChanged:30: SIGKILL/);

    // 3. Restart and let it finish.
    server = await startServer(data());
    const done = await waitFor('Succeeded', async () => {
      const r = await getJson(`${server!.url}/api/v1/rollouts/shop-v2`);
      return r.status.phase === 'Succeeded' ? r : undefined;
    }, 30_000);
    assert.equal(done.status.canaryWeight, 100);

    const { items } = await getJson(`${server.url}/api/v1/rollouts/shop-v2/events`);
    const log = items.map((e: { type: string; from?: string; to?: string }) => `${e.type} ${e.from ?? ''}→${e.to ?? ''}`);
    assert.deepEqual(log, EXPECTED);
    const seqs = items.map((e: { seq: number }) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((a: number, b: number) => a - b));

    const service = await getJson(`${server.url}/api/v1/services/shop`);
    assert.equal(service.status.stable, 'v2');
    const counts = await waitFor('v2 to serve everyone', async () => {
      const c = await sample(service.traffic.address, 200);
      return c.get('v2') === 200 ? c : undefined;
    });
    assert.equal(counts.get('v2'), 200);
  });
});
