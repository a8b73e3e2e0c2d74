import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../store/testing/postgres-test-db.js';
import { getJson, repoRoot, sluice, startServer, tempDir, waitFor, writeSpec, type ServerProcess } from './testing/sluice-process.js';

// Three `sluice server --ha` replicas on one PostgreSQL, one remote data plane (`sluice proxy serve`)
// and two fixed upstreams. Traffic runs through the proxy the whole time; the leader is killed with
// -9 (and, in the second test, frozen with SIGSTOP) in the middle of a rollout.

const STEPS = ['setWeight: 10', 'pause: { duration: 2s }', 'setWeight: 30', 'pause: { duration: 2s }', 'setWeight: 50', 'pause: { duration: 2s }', 'setWeight: 80', 'pause: { duration: 2s }'];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

function upstream(version: string): Promise<{ server: Server; url: string }> {
  return new Promise((resolve) => {
    const server = createServer((_req, res) => res.end(version));
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  });
}

function specYaml(listen: number, v1: string, v2: string, rollout: string, target = 'v2'): string {
  return `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:${listen}
  stickiness: { header: x-user-id, cookie: sluice-shop }
  versions:
    v1: { upstreams: ["${v1}"] }
    v2: { upstreams: ["${v2}"] }
  stable: v1
---
apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: ${rollout} }
spec:
  service: shop
  target: ${target}
  strategy:
    canary:
      steps:
${STEPS.map((s) => `        - ${s}`).join('\n')}
`;
}

/** Loops still running: stopped by the suite's after() when a test fails before stopping its own. */
const running = new Set<{ stop(): Promise<unknown> }>();

/** Requests through the proxy until stopped: every answer must be a 200 from v1 or v2. */
function keepRequesting(address: string): { stop(): Promise<{ ok: number; failed: string[] }> } {
  const traffic = requestLoop(address);
  running.add(traffic);
  return {
    stop: () => {
      running.delete(traffic);
      return traffic.stop();
    },
  };
}

function requestLoop(address: string): { stop(): Promise<{ ok: number; failed: string[] }> } {
  let on = true;
  let ok = 0;
  const failed: string[] = [];
  const loop = (async () => {
    let i = 0;
    while (on) {
      i++;
      try {
        const res = await fetch(`http://${address}/`, { headers: { 'x-user-id': `u${i}` } });
        const body = await res.text();
        if (res.status === 200 && (body === 'v1' || body === 'v2')) ok++;
        else failed.push(`${res.status} ${body.slice(0, 80)}`);
      } catch (error) {
        failed.push(String(error));
      }
    }
  })();
  return {
    stop: async () => {
      on = false;
      await loop;
      return { ok, failed };
    },
  };
}

interface Leader {
  readonly replica: { readonly role: string };
  readonly leader: { readonly holder: string; readonly term: number } | null;
}

describe('HA: three control planes on PostgreSQL, a remote data plane', () => {
  let db: TestDatabase | undefined;
  let dir: { path: string; remove(): Promise<void> };
  let replicas: (ServerProcess | undefined)[] = [];
  let proxy: ChildProcess | undefined;
  let v1: { server: Server; url: string };
  let v2: { server: Server; url: string };
  let listen = 0;

  before(async () => {
    db = await createTestDatabase();
    dir = await tempDir('sluice-ha-');
    v1 = await upstream('v1');
    v2 = await upstream('v2');
    listen = await freePort();
    if (db === undefined) return;
    const url = db.url;
    replicas = await Promise.all([0, 1, 2].map((i) => startServer(`${dir.path}/cp-${i}`, { args: ['--ha', '--replica-name', `cp-${i}`, '--data-plane', 'remote'], env: { DATABASE_URL: url } })));
    const urls = replicas.map((r) => r?.url).join(',');
    proxy = spawn(process.execPath, [`${repoRoot}/packages/cli/bin/sluice.js`, 'proxy', 'serve', '--control-plane', urls, '--id', 'edge-1', '--state-file', `${dir.path}/edge-1.json`], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    proxy.stdout?.resume();
    proxy.stderr?.resume();
  });

  after(async () => {
    await Promise.allSettled([...running].map((t) => t.stop()));
    proxy?.kill('SIGTERM');
    await Promise.allSettled(replicas.map((r) => r?.stop()));
    await new Promise<void>((r) => v1.server.close(() => r()));
    await new Promise<void>((r) => v2.server.close(() => r()));
    await db?.drop();
    await dir.remove();
  });

  const live = () => replicas.filter((r): r is ServerProcess => r !== undefined);
  const leaderOf = async (): Promise<{ index: number; term: number } | undefined> => {
    for (const r of live()) {
      const answer = await getJson<Leader>(`${r.url}/api/v1/leader`).catch(() => undefined);
      if (answer?.replica.role === 'leader' && answer.leader !== null) return { index: replicas.indexOf(r), term: answer.leader.term };
    }
    return undefined;
  };
  const rolloutOf = (name: string) => getJson(`${live()[0]?.url}/api/v1/rollouts/${name}`);
  const eventsOf = async (name: string) => (await getJson<{ items: { type: string; at: number; from?: string; to?: string; data?: { step?: number } }[] }>(`${live()[0]?.url}/api/v1/rollouts/${name}/events`)).items;

  /** Each step completed exactly once, every weight set once and in order: nothing ran twice. */
  async function assertNoStepTwice(name: string): Promise<void> {
    const events = await eventsOf(name);
    const completed = events.filter((e) => e.type === 'StepCompleted').map((e) => e.data?.step);
    assert.deepEqual(completed, STEPS.map((_, i) => i), `steps completed: ${JSON.stringify(completed)}`);
    const weights = events.filter((e) => e.type === 'WeightChanged').map((e) => e.to);
    assert.deepEqual(weights.slice(0, 4), ['10', '30', '50', '80'], `weights: ${JSON.stringify(weights)}`);
    assert.equal(new Set(weights).size, weights.length, `a weight was set twice: ${JSON.stringify(weights)}`);
  }

  test('kill -9 the leader during a rollout: another replica takes over within 5 s, no step runs twice, the proxy never stops serving', { timeout: 120_000 }, async (t) => {
    if (db === undefined) return t.skip('PostgreSQL not reachable (install Debian package postgresql)');
    const first = live()[0];
    assert.ok(first);
    const file = await writeSpec(dir.path, 'shop.yaml', specYaml(listen, v1.url, v2.url, 'shop-v2'));
    assert.equal((await sluice(first.url, ['apply', '-f', file])).code, 0);
    await waitFor('the proxy to serve shop', async () => ((await fetch(`http://127.0.0.1:${listen}/`).catch(() => undefined))?.status === 200 ? true : undefined));
    const traffic = keepRequesting(`127.0.0.1:${listen}`);
    const leader = await waitFor('a leader', leaderOf);
    // In the middle: weight 30 set, the second pause running.
    await waitFor('step 3 of the rollout', async () => ((await rolloutOf('shop-v2')).status?.stepIndex >= 3 ? true : undefined), 30_000);
    const killedAt = Date.now();
    await replicas[leader.index]?.kill9();
    replicas[leader.index] = undefined;
    const next = await waitFor('another leader', async () => {
      const found = await leaderOf();
      return found !== undefined && found.index !== leader.index ? found : undefined;
    }, 10_000);
    const takeoverMs = Date.now() - killedAt;
    console.log(`failover: replica cp-${next.index} leads (term ${next.term}, was ${leader.term}) ${takeoverMs} ms after kill -9 of cp-${leader.index}`);
    assert.ok(next.term > leader.term, 'a new term');
    const scraped = await (await fetch(`${replicas[next.index]?.url}/metrics`)).text();
    assert.match(scraped, /^sluice_controller_leader 1$/m);
    assert.match(scraped, new RegExp(`^sluice_controller_term ${next.term}$`, 'm'));
    const follower = live().find((r) => r !== replicas[next.index]);
    assert.match(await (await fetch(`${follower?.url}/metrics`)).text(), /^sluice_controller_leader 0$/m);
    assert.ok(takeoverMs < 5000, `takeover took ${takeoverMs} ms`);
    const done = await waitFor('the rollout to succeed', async () => {
      const r = await rolloutOf('shop-v2');
      return r.status?.phase === 'Succeeded' ? r : undefined;
    }, 60_000);
    assert.equal(done.status.phase, 'Succeeded');
    // The first controller event after the kill: the rollout went on (a pause may have still been running).
    const resumed = (await eventsOf('shop-v2')).find((e) => e.at > killedAt);
    assert.ok(resumed !== undefined && resumed.at - killedAt < 5000 + 2000, `first event ${resumed === undefined ? 'never' : `${resumed.at - killedAt} ms`} after the kill`);
    await assertNoStepTwice('shop-v2');
    await waitFor('v2 served to everyone', async () => ((await (await fetch(`http://127.0.0.1:${listen}/`)).text()) === 'v2' ? true : undefined));
    // Any replica answers what the data plane reported: it serves v2 at the last generation.
    const listed = await sluice(live()[0]?.url ?? '', ['get', 'data-planes']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`edge-1\\s+connected\\s+\\d+\\s+shop 127\\.0\\.0\\.1:${listen} v2 100%`));
    const { ok, failed } = await traffic.stop();
    console.log(`traffic through the remote proxy during the failover: ${ok} answered, ${failed.length} failed`);
    assert.deepEqual(failed.slice(0, 5), []);
    assert.ok(ok > 200, `only ${ok} requests answered`);
  });

  test('a leader frozen past its lease (SIGSTOP) is fenced when it wakes: it steps down and writes nothing; the rollout runs each step once', { timeout: 120_000 }, async (t) => {
    if (db === undefined) return t.skip('PostgreSQL not reachable (install Debian package postgresql)');
    const first = live()[0];
    assert.ok(first);
    // Back from v2 (stable after the first test) to v1.
    const file = await writeSpec(dir.path, 'back.yaml', specYaml(listen, v1.url, v2.url, 'shop-back', 'v1'));
    assert.equal((await sluice(first.url, ['apply', '-f', file])).code, 0);
    const traffic = keepRequesting(`127.0.0.1:${listen}`);
    await waitFor('step 3 of the rollout', async () => ((await rolloutOf('shop-back')).status?.stepIndex >= 3 ? true : undefined), 30_000);
    const leader = await waitFor('a leader', leaderOf);
    const frozen = replicas[leader.index];
    assert.ok(frozen);
    frozen.child.kill('SIGSTOP');
    const others = () => live().filter((r) => r !== frozen);
    const next = await waitFor('another leader while the old one is frozen', async () => {
      for (const r of others()) {
        const answer = await getJson<Leader>(`${r.url}/api/v1/leader`).catch(() => undefined);
        if (answer?.replica.role === 'leader' && answer.leader !== null) return answer.leader;
      }
      return undefined;
    }, 10_000);
    assert.ok(next.term > leader.term);
    // Let the new leader move the rollout on, then wake the old one in the middle of the rollout.
    await new Promise((r) => setTimeout(r, 2500));
    frozen.child.kill('SIGCONT');
    await waitFor('the woken replica to step down', async () => (/stepping down/.test(frozen.output()) ? true : undefined), 10_000);
    const answer = await getJson<Leader>(`${frozen.url}/api/v1/leader`);
    assert.equal(answer.replica.role, 'follower');
    assert.equal(answer.leader?.term, next.term, 'the new leader kept its term');
    const done = await waitFor('the rollout to succeed', async () => {
      const r = await rolloutOf('shop-back');
      return r.status?.phase === 'Succeeded' ? r : undefined;
    }, 60_000);
    assert.equal(done.status.phase, 'Succeeded');
    await assertNoStepTwice('shop-back');
    const { ok, failed } = await traffic.stop();
    console.log(`traffic while the leader was frozen and fenced: ${ok} answered, ${failed.length} failed`);
    assert.deepEqual(failed.slice(0, 5), []);
  });

  test('a version run as a local process is refused at apply under --ha, before anything starts', async (t) => {
    if (db === undefined) return t.skip('PostgreSQL not reachable (install Debian package postgresql)');
    const first = live()[0];
    assert.ok(first);
    const file = await writeSpec(dir.path, 'local.yaml', `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: local }
spec:
  listen: 127.0.0.1:0
  versions:
    v1: { run: { command: "node demo/app.js" } }
  stable: v1
`);
    const result = await sluice(first.url, ['apply', '-f', file]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /cannot run version "v1": under sluice server --ha[\s\S]*upstreams/);
    assert.match(result.stderr, /local\.yaml:7:/);
    assert.equal((await fetch(`${first.url}/api/v1/services/local`)).status, 404);
  });
});
