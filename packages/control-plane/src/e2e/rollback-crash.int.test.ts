import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EventType, type ReleaseEvent } from '@sluice/domain';
import { openStore } from '../store/open-store.js';
import { getJson, repoRoot, sluice, startServer, tempDir, waitFor, writeSpec, type ServerProcess } from './testing/sluice-process.js';
import { sample, withinBinomial } from './testing/traffic-sample.js';

/** The rollback plan of a rollout that owes a rollback verification, in order. */
const OPS = ['traffic', 'verify', 'rollback-verifications'] as const;
/** Each operation is killed once just before its effect and once just after its record commits. */
const KILLS = OPS.flatMap((op) => [{ op, at: 'before' as const }, { op, at: 'after' as const }]);
const failpointOf = (kill: (typeof KILLS)[number]) => `rollback.${kill.at}-${kill.op}`;

/** A local HTTP server on port 0 that answers with `answer(path)` and counts requests by method and path. */
async function httpServer(answer: (path: string) => string): Promise<{ server: Server; port: number; hits: Map<string, number> }> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const key = `${req.method} ${req.url}`;
    hits.set(key, (hits.get(key) ?? 0) + 1);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(answer(req.url ?? '/')));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

function specYaml(v1: number, v2: number, checks: number): string {
  const web = `provider: { web: { baseUrl: "http://127.0.0.1:${checks}" } }`;
  return `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
    v1: { upstreams: ["http://127.0.0.1:${v1}"] }
    v2: { upstreams: ["http://127.0.0.1:${v2}"] }
  stable: v1
---
apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-v2 }
spec:
  service: shop
  target: v2
  strategy:
    canary:
      steps:
        - checklist:
            items:
              - name: warm-cache
                operation: { http: { url: "http://127.0.0.1:${checks}/warm", method: POST, timeout: 5s } }
                verification: { ${web}, query: /verify, judge: { threshold: { successCondition: "result > 0" } }, interval: 200ms, within: 10s }
                rollbackVerification: { ${web}, query: /rollback-check, judge: { threshold: { successCondition: "result > 0" } }, interval: 200ms, within: 10s }
        - setWeight: 50
        - pause: {}
`;
}

interface Killed {
  readonly signal: NodeJS.Signals | null;
  readonly code: number | null;
  readonly output: string;
}

/**
 * Runs `sluice server` on `dataDir` with SLUICE_FAILPOINTS set until it exits: a failpoint may fire
 * before the server has printed its URL (the controller picks up the rollback at start).
 */
function runUntilExit(dataDir: string, failpoints: string, timeoutMs = 15_000): Promise<Killed> {
  const bin = join(repoRoot, 'packages/cli/bin/sluice.js');
  const child = spawn(process.execPath, [bin, 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0'], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: '', SLUICE_FAILPOINTS: failpoints },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not reach failpoint ${failpoints} within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ signal, code, output });
    });
  });
}

/** What the killed server left on disk: the rollout's phase and the rollback operations recorded. */
async function onDisk(dataDir: string): Promise<{ phase: string | undefined; ops: string[] }> {
  const store = await openStore({ dataDir });
  try {
    const rollout = await store.rollouts.get('shop-v2');
    const events = await store.events.list({ subject: { kind: 'Rollout', name: 'shop-v2' }, types: [EventType.RollbackProgressed], limit: 10_000 });
    return { phase: rollout?.status.phase, ops: events.map((e: ReleaseEvent) => e.to ?? '') };
  } finally {
    await store.close();
  }
}

/** Resolves when the server has exited, or fails after `timeoutMs` (a failpoint that never fires). */
async function exitedWithin(server: ServerProcess, what: string, timeoutMs = 15_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the server did not exit at ${what} within ${timeoutMs} ms:\n${server.output()}`)), timeoutMs);
  });
  try {
    await Promise.race([server.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function assertKilledAt(killed: Killed, failpoint: string): void {
  assert.equal(killed.signal, 'SIGKILL', `the server died by SIGKILL at ${failpoint} (exit code ${killed.code}):\n${killed.output}`);
  const lines = killed.output.split('\n').filter((l) => l.startsWith('failpoint '));
  assert.deepEqual(lines, [`failpoint ${failpoint}: SIGKILL`], `the failpoint line names ${failpoint}`);
}

describe('crash: kill -9 at each operation of a rollback plan', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess | undefined;
  let v1: Awaited<ReturnType<typeof httpServer>>;
  let v2: Awaited<ReturnType<typeof httpServer>>;
  let checks: Awaited<ReturnType<typeof httpServer>>;
  const data = () => `${dir.path}/data`;
  const rollbackChecks = () => checks.hits.get('GET /rollback-check') ?? 0;

  before(async () => {
    dir = await tempDir('sluice-rollback-crash-');
    v1 = await httpServer(() => '"v1"');
    v2 = await httpServer(() => '"v2"');
    checks = await httpServer(() => '1');
  });
  after(async () => {
    await server?.stop();
    for (const s of [v1, v2, checks]) s?.server.closeAllConnections();
    await Promise.all([v1, v2, checks].map((s) => (s ? new Promise((r) => s.server.close(r)) : undefined)));
    await dir?.remove();
  });

  test('killed before and after each of traffic, verify and rollback-verifications, the rollback completes with each effect once', async (t) => {
    const started = Date.now();
    const timings: string[] = [];
    const [first, ...rest] = KILLS;
    assert.ok(first);

    // 1. The rollout runs its checklist and reaches 50 %, then pauses; the server runs with the first failpoint.
    server = await startServer(data(), { env: { SLUICE_FAILPOINTS: failpointOf(first) } });
    const file = await writeSpec(dir.path, 'shop.yaml', specYaml(v1.port, v2.port, checks.port));
    const applied = await sluice(server.url, ['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.stderr);
    const paused = await waitFor('the pause at 50 %', async () => {
      const r = await getJson(`${server!.url}/api/v1/rollouts/shop-v2`);
      return r.status.phase === 'Paused' && r.status.canaryWeight === 50 ? r : undefined;
    });
    assert.deepEqual(paused.status.rollbackChecks?.map((c: { item: string; phase: string }) => `${c.item} ${c.phase}`), ['warm-cache pending'], 'the checklist owes a rollback verification');
    const { traffic } = await getJson(`${server.url}/api/v1/services/shop`);
    const atHalf = await sample(traffic.address, 200);
    assert.ok(withinBinomial(atHalf.get('v2') ?? 0, 200, 0.5), `about half on v2 before the abort: ${JSON.stringify([...atHalf])}`);
    assert.equal(checks.hits.get('POST /warm'), 1, 'the checklist operation ran once');
    assert.equal(rollbackChecks(), 0);

    // 2. The abort starts the rollback plan, and the server dies at its first failpoint. The answer
    //    to the abort may or may not have left the server before the kill; the store says what happened.
    const t0 = Date.now();
    await sluice(server.url, ['abort', 'shop-v2', '--reason', 'kill -9 test']);
    await exitedWithin(server, failpointOf(first));
    assertKilledAt({ signal: server.child.signalCode, code: server.child.exitCode, output: server.output() }, failpointOf(first));
    server = undefined;
    timings.push(`${failpointOf(first)} ${Date.now() - t0} ms after the abort`);
    assert.deepEqual(await onDisk(data()), { phase: 'Aborting', ops: [] });

    // 3. Restart with each next failpoint: the plan goes on from the last recorded operation, and
    //    dies there again. The rollback verification's request is made only once its op's turn comes.
    const doneBefore = (kill: (typeof KILLS)[number]) => OPS.slice(0, OPS.indexOf(kill.op) + (kill.at === 'after' ? 1 : 0));
    for (const kill of rest) {
      const t = Date.now();
      const killed = await runUntilExit(data(), failpointOf(kill));
      assertKilledAt(killed, failpointOf(kill));
      timings.push(`${failpointOf(kill)} ${Date.now() - t} ms after start`);
      assert.deepEqual(await onDisk(data()), { phase: 'Aborting', ops: doneBefore(kill) }, `on disk after the kill at ${failpointOf(kill)}`);
      const checked = kill.op === 'rollback-verifications' && kill.at === 'after' ? 1 : 0;
      assert.equal(rollbackChecks(), checked, `rollback verification requests by the kill at ${failpointOf(kill)}`);
    }

    // 4. The last restart, without failpoints, ends the rollout.
    server = await startServer(data());
    const done = await waitFor('Aborted', async () => {
      const r = await getJson(`${server!.url}/api/v1/rollouts/shop-v2`);
      return r.status.phase === 'Aborted' || r.status.phase === 'Failed' ? r : undefined;
    });
    timings.push(`Aborted ${Date.now() - started} ms after the test began`);
    assert.equal(done.status.phase, 'Aborted', done.status.message);
    assert.ok(done.status.rollbackPlan.ops.every((o: { doneAt?: number }) => o.doneAt !== undefined), 'every operation of the plan is recorded done');

    const { items } = await getJson(`${server.url}/api/v1/rollouts/shop-v2/events`);
    const progressed = items.filter((e: { type: string }) => e.type === EventType.RollbackProgressed).map((e: { from: string; to: string }) => `${e.from} ${e.to}`);
    assert.deepEqual(progressed, ['1/3 traffic', '2/3 verify', '3/3 rollback-verifications'], 'each operation recorded once, in plan order');
    const verdicts = items.filter((e: { type: string; to?: string }) => e.type === EventType.ChecklistItemChanged && e.to?.startsWith('rollback-'));
    assert.deepEqual(verdicts.map((e: { to: string }) => e.to), ['rollback-passed'], 'the rollback verification was decided once');
    const last = items.at(-1);
    assert.equal(`${last.type} ${last.from}→${last.to}`, 'PhaseChanged Aborting→Aborted');
    assert.equal(rollbackChecks(), 1, 'the rollback verification asked its source exactly once over all the restarts');
    assert.equal(checks.hits.get('POST /warm'), 1, 'the checklist operation never ran again');

    // 5. The data plane serves stable only.
    const service = await getJson(`${server.url}/api/v1/services/shop`);
    assert.equal(service.status.stable, 'v1');
    const counts = await sample(service.traffic.address, 200);
    assert.deepEqual([...counts], [['v1', 200]], 'all traffic on v1 after the rollback');
    t.diagnostic(timings.join('; '));
  });
});
