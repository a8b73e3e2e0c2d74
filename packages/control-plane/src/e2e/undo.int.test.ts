import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { demoServiceYaml, getJson, rolloutYaml, sluice, startServer, tempDir, waitFor, writeSpec, type ServerProcess } from './testing/sluice-process.js';

/** One answer of the load: when it was sent and finished, and who answered (or why it failed). */
interface Sample {
  readonly sentAt: number;
  readonly doneAt: number;
  readonly version?: string;
  readonly failure?: string;
}

/**
 * Steady load through the proxy: `loops` concurrent loops, each sending its next GET as soon as the
 * last one answered, over keep-alive connections (fetch pools them), until `stop()`.
 */
function steadyLoad(address: string, loops: number) {
  const samples: Sample[] = [];
  let running = true;
  const loop = async () => {
    while (running) {
      const sentAt = Date.now();
      try {
        const res = await fetch(`http://${address}/`);
        await res.arrayBuffer();
        const version = res.headers.get('x-sluice-version') ?? 'none';
        samples.push(res.ok ? { sentAt, doneAt: Date.now(), version } : { sentAt, doneAt: Date.now(), version, failure: `HTTP ${res.status}` });
      } catch (error) {
        samples.push({ sentAt, doneAt: Date.now(), failure: String((error as Error).cause ?? error) });
      }
    }
  };
  const done = Promise.all(Array.from({ length: loops }, loop));
  return {
    samples,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

describe('undo under load (CLI → API → controller → proxy → local processes)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess;
  let proxy = '';

  before(async () => {
    dir = await tempDir('sluice-undo-');
    server = await startServer(`${dir.path}/data`);
  });
  after(async () => {
    await server?.stop();
    await dir?.remove();
  });

  test('a rollout promotes v2: revision 2', async () => {
    const file = await writeSpec(dir.path, 'shop.yaml', demoServiceYaml() + rolloutYaml(['setWeight: 100']));
    const applied = await sluice(server.url, ['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.stderr);
    await waitFor('shop-v2 Succeeded', async () => ((await getJson(`${server.url}/api/v1/rollouts/shop-v2`)).status.phase === 'Succeeded' ? true : undefined), 30_000);
    const service = await waitFor('the data plane to serve v2 only', async () => {
      const s = await getJson(`${server.url}/api/v1/services/shop`);
      return s.traffic?.stable === 'v2' && (s.traffic.canary === undefined || s.traffic.weight === 0) ? s : undefined;
    });
    assert.deepEqual(service.status, { stable: 'v2', revision: 2 });
    proxy = service.traffic.address;
    const revisions = await getJson(`${server.url}/api/v1/services/shop/revisions`);
    assert.deepEqual(revisions.items.map((r: any) => [r.number, r.stable, r.outcome, r.current, r.undoable]), [
      [1, 'v1', 'created', false, true],
      [2, 'v2', 'promoted', true, false],
    ]);
  });

  test('`sluice undo shop` under load: 100 % on v1 within seconds, not one failed request', async (t) => {
    const load = steadyLoad(proxy, 20);
    try {
      await waitFor('the load to be flowing on v2', async () => (load.samples.filter((s) => s.version === 'v2').length >= 200 ? true : undefined));
      const started = Date.now();
      const undone = await sluice(server.url, ['undo', 'shop'], undefined, { SLUICE_ACTOR: 'oncall' });
      assert.equal(undone.code, 0, undone.stderr);
      assert.match(undone.stdout, /service\/shop undo to the previous revision accepted: v1 is stable \(revision 3\)/);
      assert.match(undone.stdout, /service\/shop serves v1 to 100% of users/);
      // Every request sent from now on must be answered by v1: wait for 500 of them.
      const switched = Date.now();
      await waitFor('500 answers to requests sent after the switch', async () => (load.samples.filter((s) => s.sentAt >= switched).length >= 500 ? true : undefined));
      const after = load.samples.filter((s) => s.sentAt >= switched);
      assert.deepEqual([...new Set(after.map((s) => s.version))], ['v1'], 'after the switch only v1 answers');
      const firstAllV1 = Math.min(...load.samples.filter((s) => s.version === 'v1').map((s) => s.doneAt));
      assert.ok(firstAllV1 - started < 5_000, `v1 answered ${firstAllV1 - started} ms after undo started`);
      t.diagnostic(`first v1 answer ${firstAllV1 - started} ms after \`sluice undo\` started; the command returned after ${switched - started} ms`);
    } finally {
      await load.stop();
    }
    const failures = load.samples.filter((s) => s.failure !== undefined);
    t.diagnostic(`${load.samples.length} requests over 20 keep-alive loops, ${failures.length} failed`);
    assert.ok(load.samples.length >= 1000, `enough load: ${load.samples.length} requests`);
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${load.samples.length} requests failed`);
  });

  test('the undo is revision 3 in the history, with who asked and which revision it returned to', async () => {
    const service = await getJson(`${server.url}/api/v1/services/shop`);
    assert.deepEqual(service.status, { stable: 'v1', revision: 3 });
    const history = await sluice(server.url, ['history', 'shop']);
    assert.equal(history.code, 0, history.stderr);
    assert.match(history.stdout, /^\*\s+3\s+v1\s+\S+ \S+\s+oncall\s+-\s+undone-to 1\s+-$/m);
    assert.match(history.stdout, /^\s+2\s+v2\s+.*shop-v2\s+promoted\s+yes$/m);
    assert.match(history.stdout, /StableChanged\s+v2 → v1\s+undo to revision 1 by oncall/);
  });
});
