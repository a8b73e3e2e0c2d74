import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, ManualClock } from '@sluice/domain';
import type { WorkloadSpec } from '../runtime.js';
import { isCode, runRuntimeContract, waitUntil } from '../runtime.contract.js';
import { isGroupAlive, isProcessAlive } from './process-group.js';
import { ProcessRuntime } from './process-runtime.js';
import type { ProcessRuntimeOptions } from './process-runtime.js';

/** The repository root: the nearest ancestor of this file that holds demo/app.js. */
function findRepoRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'demo', 'app.js'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no demo/app.js above ${from}`);
  }
}

const ROOT = findRepoRoot();

/** A spec for the demo app; `run` fields override the defaults. */
function demoSpec(service: string, version: string, replicas: number, run: Partial<WorkloadSpec['run']> = {}): WorkloadSpec {
  return {
    service,
    version,
    run: {
      command: 'node demo/app.js',
      env: { VERSION: version },
      replicas,
      readiness: { path: '/healthz', intervalMs: 40, timeoutMs: 1000 },
      gracePeriodMs: 3000,
      ...run,
    },
  };
}

interface Started {
  readonly runtime: ProcessRuntime;
  readonly stateDir: string;
  readonly lines: string[];
}

async function startRuntime(options: Partial<ProcessRuntimeOptions> = {}): Promise<Started> {
  const stateDir = await mkdtemp(join(tmpdir(), 'sluice-runtime-'));
  const lines: string[] = [];
  const runtime = new ProcessRuntime({
    stateDir,
    cwd: ROOT,
    log: (line) => lines.push(line),
    restartBackoff: { initialMs: 50, maxMs: 1000 },
    ...options,
  });
  return { runtime, stateDir, lines };
}

runRuntimeContract('process', async () => {
  const { runtime, stateDir } = await startRuntime();
  return { runtime, spec: (s, v, n) => demoSpec(s, v, n), cleanup: () => rm(stateDir, { recursive: true, force: true }) };
});

/** GET over a fresh connection; resolves with status, a header and the body. */
function get(url: string): Promise<{ status: number; version: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, version: res.headers['x-demo-version'] as string | undefined, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('ProcessRuntime', () => {
  let started: Started;
  const key = { service: 'shop', version: 'v7' };

  before(async () => {
    started = await startRuntime();
  });

  after(async () => {
    await started.runtime.close();
    await rm(started.stateDir, { recursive: true, force: true });
  });

  test('an instance answers real HTTP with its VERSION and sees the SLUICE_* environment', async () => {
    const { runtime, lines } = started;
    await runtime.ensure(demoSpec('shop', 'v7', 1));
    await runtime.waitReady(key, 1, 5000);
    const endpoint = runtime.status(key)?.readyEndpoints[0];
    assert.ok(endpoint?.startsWith('http://127.0.0.1:'));
    const res = await get(`${endpoint}/hello`);
    assert.equal(res.status, 200);
    assert.equal(res.version, 'v7');
    assert.equal((JSON.parse(res.body) as { version: string }).version, 'v7');
    assert.ok(lines.some((l) => l.startsWith('[shop/v7#0] listening on ')), 'output is forwarded with a prefix');
    await runtime.retire(key);
  });

  test('ERROR_RATE=1 makes the demo answer 500 while it stays ready', async () => {
    const { runtime } = started;
    await runtime.ensure(demoSpec('shop', 'v7', 1, { env: { VERSION: 'v7', ERROR_RATE: '1' } }));
    await runtime.waitReady(key, 1, 5000);
    const endpoint = runtime.status(key)?.readyEndpoints[0];
    assert.equal((await get(`${endpoint}/`)).status, 500);
    assert.equal((await get(`${endpoint}/healthz`)).status, 200);
    await runtime.retire(key);
  });

  test('a stopping instance finishes its in-flight request before exiting', async () => {
    const { runtime } = started;
    await runtime.ensure(demoSpec('shop', 'v7', 1, { env: { VERSION: 'v7', LATENCY_MS: '400' } }));
    await runtime.waitReady(key, 1, 5000);
    const instance = runtime.status(key)?.instances[0];
    const slow = get(`${instance?.endpoint}/slow`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const retired = runtime.retire(key);
    const res = await slow;
    assert.equal(res.status, 200, 'the in-flight request completed');
    await retired;
    assert.equal(isGroupAlive(instance?.pid ?? 0), false);
  });

  test('a program that ignores SIGTERM is killed after the grace period', async () => {
    const { runtime, lines } = started;
    const command = `node -e "process.on('SIGTERM',()=>{}); require('http').createServer((q,s)=>s.end('x')).listen(process.env.PORT)"`;
    const stubborn = { service: 'shop', version: 'stubborn' };
    await runtime.ensure(demoSpec('shop', 'stubborn', 1, { command, gracePeriodMs: 300, readiness: { path: '/', intervalMs: 40, timeoutMs: 1000 } }));
    await runtime.waitReady(stubborn, 1, 5000);
    const pid = runtime.status(stubborn)?.instances[0]?.pid ?? 0;
    const t0 = Date.now();
    await runtime.retire(stubborn);
    const took = Date.now() - t0;
    assert.ok(took >= 300 && took < 2500, `retire took ${took}ms`);
    assert.equal(isGroupAlive(pid), false);
    assert.ok(lines.some((l) => l.includes('shop/stubborn#0 did not exit within 300ms of SIGTERM: killed with SIGKILL')));
  });

  test('a crashed instance is restarted with backoff and becomes ready again', async () => {
    const { runtime } = started;
    await runtime.ensure(demoSpec('shop', 'v7', 1));
    await runtime.waitReady(key, 1, 5000);
    const first = runtime.status(key)?.instances[0];
    process.kill(first?.pid ?? 0, 'SIGKILL');
    await waitUntil('the instance is marked crashed', () => runtime.status(key)?.instances[0]?.state === 'crashed', 3000);
    await waitUntil('the instance is ready again', () => runtime.status(key)?.readyEndpoints.length === 1, 5000);
    const again = runtime.status(key)?.instances[0];
    assert.equal(again?.restarts, 1);
    assert.equal(again?.lastExit, 'signal SIGKILL');
    assert.notEqual(again?.pid, first?.pid);
    assert.equal(isGroupAlive(first?.pid ?? 0), false, 'the old group (the app behind the shell) is gone');
    assert.equal((await get(`${again?.endpoint}/`)).version, 'v7');
    await runtime.retire(key);
  });

  test('a changed spec is rolled: the new instance is ready before the old one stops', async () => {
    const { runtime } = started;
    await runtime.ensure(demoSpec('shop', 'v7', 1, { env: { VERSION: 'old' } }));
    await runtime.waitReady(key, 1, 5000);
    const old = runtime.status(key)?.instances[0];
    const readySets: number[] = [];
    const unsubscribe = runtime.onChange((s) => s.version === 'v7' && readySets.push(s.readyEndpoints.length));
    await runtime.ensure(demoSpec('shop', 'v7', 1, { env: { VERSION: 'new' } }));
    await waitUntil('the old instance is gone', () => runtime.status(key)?.instances.length === 1 && runtime.status(key)?.instances[0]?.id === 'v7-0.1');
    unsubscribe();
    assert.ok(!readySets.includes(0), `never zero ready endpoints during the replace (saw ${readySets.join(',')})`);
    const endpoint = runtime.status(key)?.readyEndpoints[0];
    assert.equal((await get(`${endpoint}/`)).version, 'new');
    assert.equal(isGroupAlive(old?.pid ?? 0), false);
    await runtime.retire(key);
  });

  test('waitReady on a command that keeps failing names the instance, its exit and its output', async () => {
    const { runtime } = started;
    const broken = { service: 'shop', version: 'broken' };
    await runtime.ensure(demoSpec('shop', 'broken', 1, { command: 'echo "boom: missing config" >&2; exit 3' }));
    await assert.rejects(runtime.waitReady(broken, 1, 400), (error: Error) => {
      isCode(ErrorCode.ADAPTER_FAILED)(error);
      assert.match(error.message, /shop\/broken has 0 of 1 required ready instance\(s\) after 400ms; not ready: broken-0 is (crashed|starting)/);
      assert.match(error.message, /last exit code 3/);
      assert.match(error.message, /boom: missing config/);
      return true;
    });
    await runtime.retire(broken);
  });

  test('ensure rejects a bad spec or a missing working directory without starting anything', async () => {
    const { runtime } = started;
    await assert.rejects(runtime.ensure(demoSpec('shop', 'bad', 1.5)), isCode(ErrorCode.INVALID_SPEC));
    await assert.rejects(runtime.ensure(demoSpec('shop', 'bad', 1, { cwd: 'no/such/dir' })), (error: Error) => {
      isCode(ErrorCode.ADAPTER_FAILED)(error);
      assert.match(error.message, /working directory .*no\/such\/dir does not exist/);
      return true;
    });
    assert.equal(runtime.status({ service: 'shop', version: 'bad' }), undefined);
  });
});

describe('ProcessRuntime restart backoff', () => {
  test('doubles per crash and starts over after 10 s of readiness', async () => {
    const clock = new ManualClock();
    const { runtime, lines, stateDir } = await startRuntime({ clock });
    const key = { service: 'shop', version: 'v1' };
    const crashAndRecover = async (restarts: number): Promise<void> => {
      process.kill(runtime.status(key)?.instances[0]?.pid ?? 0, 'SIGKILL');
      await waitUntil(`restart ${restarts} is ready`, () => {
        const instance = runtime.status(key)?.instances[0];
        return instance?.restarts === restarts && instance.state === 'ready';
      });
    };
    try {
      await runtime.ensure(demoSpec('shop', 'v1', 1));
      await runtime.waitReady(key, 1, 5000);
      await crashAndRecover(1);
      await crashAndRecover(2);
      clock.advance(10_000);
      await crashAndRecover(3);
      const delays = lines.filter((l) => l.includes('exited unexpectedly')).map((l) => /restarting in (\d+)ms/.exec(l)?.[1]);
      assert.deepEqual(delays, ['50', '100', '50']);
    } finally {
      await runtime.close();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});

describe('ProcessRuntime readiness', () => {
  test('a ready instance turns unready after the failure threshold and back', async () => {
    const { runtime, stateDir } = await startRuntime({ readinessFailureThreshold: 2 });
    const key = { service: 'shop', version: 'v1' };
    try {
      // SIGSTOP freezes the whole group, so probes of /healthz time out until SIGCONT.
      await runtime.ensure(demoSpec('shop', 'v1', 1, { readiness: { path: '/healthz', intervalMs: 30, timeoutMs: 60 } }));
      await runtime.waitReady(key, 1, 5000);
      const pgid = runtime.status(key)?.instances[0]?.pid ?? 0;
      process.kill(-pgid, 'SIGSTOP');
      await waitUntil('unready', () => runtime.status(key)?.instances[0]?.state === 'unready', 3000);
      assert.deepEqual(runtime.status(key)?.readyEndpoints, []);
      process.kill(-pgid, 'SIGCONT');
      await runtime.waitReady(key, 1, 3000);
      assert.equal(runtime.status(key)?.instances[0]?.restarts, 0);
    } finally {
      await runtime.close();
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  test('isProcessAlive treats a missing pid as dead', () => {
    assert.equal(isProcessAlive(2 ** 22 + 12345), false);
    assert.equal(isProcessAlive(process.pid), true);
  });
});
