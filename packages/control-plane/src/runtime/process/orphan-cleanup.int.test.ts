import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { WorkloadSpec } from '../runtime.js';
import { waitUntil } from '../runtime.contract.js';
import { STATE_FILE } from './instance-registry.js';
import type { InstanceRecord } from './instance-registry.js';
import { isGroupAlive, isProcessAlive } from './process-group.js';
import { ProcessRuntime } from './process-runtime.js';

const HERE = dirname(fileURLToPath(import.meta.url));

function findRepoRoot(): string {
  for (let dir = HERE; dirname(dir) !== dir; dir = dirname(dir)) if (existsSync(join(dir, 'demo', 'app.js'))) return dir;
  throw new Error(`no demo/app.js above ${HERE}`);
}

const ROOT = findRepoRoot();

function spec(version: string, replicas: number, command: string): WorkloadSpec {
  return {
    service: 'shop',
    version,
    run: { command, env: { VERSION: version }, replicas, readiness: { path: '/healthz', intervalMs: 40, timeoutMs: 1000 }, gracePeriodMs: 2000 },
  };
}

/**
 * A control plane in a child process: starts the workloads, prints their pids, then waits to be
 * killed with SIGKILL, which leaves its instances running as orphans.
 */
async function abandonRuntime(stateDir: string, specs: readonly WorkloadSpec[]): Promise<{ pids: number[]; child: ChildProcess }> {
  const code = `
    const { ProcessRuntime } = await import(${JSON.stringify(pathToFileURL(join(HERE, 'process-runtime.ts')).href)});
    const runtime = new ProcessRuntime({ stateDir: ${JSON.stringify(stateDir)}, cwd: ${JSON.stringify(ROOT)}, log: () => {} });
    const specs = ${JSON.stringify(specs)};
    for (const spec of specs) await runtime.ensure(spec);
    for (const spec of specs) await runtime.waitReady(spec, spec.run.replicas, 8000);
    console.log(JSON.stringify(runtime.list().flatMap((w) => w.instances.map((i) => i.pid))));
    setInterval(() => {}, 60_000);
  `;
  const args = ['--import', 'tsx', '--conditions=sluice-source', '--input-type=module', '-e', code];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const pids = await new Promise<number[]>((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('\n')) resolve(JSON.parse(out) as number[]);
    });
    child.once('exit', (status) => reject(new Error(`the abandoned control plane exited early (${status})`)));
  });
  return { pids, child };
}

function recordedPgids(stateDir: string): number[] {
  const file = JSON.parse(readFileSync(join(stateDir, STATE_FILE), 'utf8')) as { instances: InstanceRecord[] };
  return file.instances.map((r) => r.pgid).sort();
}

describe('ProcessRuntime orphan cleanup', () => {
  let stateDir: string;

  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'sluice-orphans-'));
  });

  after(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  test('a killed control plane leaves its instances; the next runtime on the state dir stops them', async () => {
    // v2 uses `exec`, so its leader's cmdline is no longer "/bin/sh -c ..."; the token still proves it is ours.
    const { pids, child } = await abandonRuntime(stateDir, [spec('v1', 2, 'node demo/app.js'), spec('v2', 1, 'exec node demo/app.js')]);
    assert.equal(pids.length, 3);
    assert.deepEqual(recordedPgids(stateDir), [...pids].sort());
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    assert.ok(pids.every((pid) => isGroupAlive(pid)), 'instances outlive the killed control plane');

    const runtime = new ProcessRuntime({ stateDir, cwd: ROOT, log: () => {} });
    try {
      const report = await runtime.cleanupOrphans();
      assert.deepEqual(report.stopped.map((r) => r.pgid).sort(), [...pids].sort());
      assert.ok(pids.every((pid) => !isGroupAlive(pid)), 'every orphaned group is gone');
      assert.deepEqual(recordedPgids(stateDir), []);
    } finally {
      await runtime.close();
      for (const pid of pids) if (isGroupAlive(pid)) process.kill(-pid, 'SIGKILL'); // a failed run must not leak
    }
  });

  test('a recorded pid now used by an unrelated program is left alone', async () => {
    // Its own process group, so only the cmdline (and the missing token) tell it apart.
    const stranger = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const pid = stranger.pid ?? 0;
    const gone = 2 ** 22 + 4321;
    const record = (p: number): InstanceRecord => ({
      service: 'shop',
      version: 'v1',
      instance: 'v1-0',
      pid: p,
      pgid: p,
      command: 'node demo/app.js',
      token: 'not-the-strangers',
      specHash: 'x',
      port: 1,
      startedAt: 0,
      gracePeriodMs: 100,
    });
    await writeFile(join(stateDir, STATE_FILE), JSON.stringify({ format: 1, instances: [record(pid), record(gone)] }));
    const lines: string[] = [];
    const runtime = new ProcessRuntime({ stateDir, cwd: ROOT, log: (line) => lines.push(line) });
    try {
      const report = await runtime.cleanupOrphans();
      assert.deepEqual(report.foreign.map((r) => r.pid), [pid]);
      assert.deepEqual(report.gone.map((r) => r.pid), [gone]);
      assert.deepEqual(report.stopped, []);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(isProcessAlive(pid), true, 'the unrelated process still runs');
      assert.ok(lines.some((l) => l.includes(`not stopping process group ${pid}`)));
      assert.deepEqual(recordedPgids(stateDir), [], 'stale records are dropped');
    } finally {
      stranger.kill('SIGKILL');
      await runtime.close();
    }
  });

  test('a corrupt state file is reported and ignored', async () => {
    await writeFile(join(stateDir, STATE_FILE), '{ not json');
    const lines: string[] = [];
    const runtime = new ProcessRuntime({ stateDir, cwd: ROOT, log: (line) => lines.push(line) });
    try {
      const report = await runtime.cleanupOrphans();
      assert.deepEqual([report.stopped, report.gone, report.foreign], [[], [], []]);
      assert.ok(lines.some((l) => l.includes('not valid JSON')));
      await runtime.ensure(spec('v3', 1, 'node demo/app.js'));
      await waitUntil('the state file lists the new instance', () => recordedPgids(stateDir).length === 1, 3000);
    } finally {
      await runtime.close();
    }
    assert.deepEqual(recordedPgids(stateDir), [], 'close leaves no records behind');
  });
});
