import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SluiceError } from '@sluice/domain';
import type { TrafficSplit } from '@sluice/domain';
import type { ProxyObservation } from '@sluice/proxy';
import { nginxForTests } from './nginx-binary.js';
import { renderMainConfig } from './nginx-main-config.js';
import { NginxRouter } from './nginx-router.js';
import { get, versionServer } from './nginx-test-fixtures.js';

const binary = nginxForTests();

/** "The user's nginx": started here by hand from its own nginx.conf, which includes Sluice's directory. */
async function userNginx(dir: string): Promise<{ config: string; pidFile: string; errorLog: string; includeDir: string; stop(): Promise<void> }> {
  const paths = { prefix: dir, mainConfig: join(dir, 'nginx.conf'), pidFile: join(dir, 'nginx.pid'), errorLog: join(dir, 'error.log'), includeDir: join(dir, 'sluice.d') };
  await mkdir(paths.includeDir, { recursive: true });
  for (const t of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(dir, 'temp', t), { recursive: true });
  await writeFile(paths.mainConfig, renderMainConfig(paths, { workers: 1, runningAsRoot: process.getuid?.() === 0 }));
  const child = spawn(binary ?? 'nginx', ['-p', dir, '-c', paths.mainConfig, '-e', paths.errorLog, '-g', 'daemon off;'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  while ((await readFile(paths.pidFile, 'utf8').catch(() => '')).trim() !== String(child.pid)) await new Promise((r) => setTimeout(r, 10));
  return { config: paths.mainConfig, pidFile: paths.pidFile, errorLog: paths.errorLog, includeDir: paths.includeDir, stop: async () => { child.kill('SIGQUIT'); await exited; } };
}

test('NginxRouter drives a running nginx it does not own: test, reload, verify, restore, and leaves it running', { skip: binary === undefined }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-user-nginx-'));
  const [v1, v2] = await Promise.all([versionServer('v1'), versionServer('v2')]);
  const nginx = await userNginx(dir);
  const seen: ProxyObservation[] = [];
  let injected = '';
  const router = new NginxRouter({ ...(binary === undefined ? {} : { binary }), external: { ...nginx, accessLog: join(dir, 'sluice-access.log') }, observer: (o) => seen.push(o), appendToInclude: () => injected });
  try {
    const split: TrafficSplit = { stable: 'v1', canary: 'v2', weight: 0, salt: 'r' };
    await router.upsertRoute({ service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 'sluice' }, backends: { v1: [v1.url], v2: [v2.url] } }, split);
    const address = (await router.observeSplit('shop')).address ?? '';
    assert.equal((await get(address)).body, 'v1');
    await router.setSplit('shop', { ...split, weight: 100 });
    assert.equal((await get(address)).body, 'v2');
    const file = join(nginx.includeDir, 'shop.conf');
    const before = await readFile(file, 'utf8');
    injected = 'not_a_directive on;\n';
    await assert.rejects(router.setSplit('shop', { ...split, weight: 50 }), (e: unknown) => e instanceof SluiceError && e.code === 'ADAPTER_FAILED' && /not_a_directive/.test(e.message));
    injected = '';
    assert.equal(await readFile(file, 'utf8'), before, 'the previous include is back in place');
    assert.deepEqual((await readdir(nginx.includeDir)).sort(), ['shop.conf'], 'no staged or backup file is left');
    assert.equal((await get(address)).body, 'v2');
    // nginx writes an access-log line as it finalizes the request, which can be just after the client has the answer.
    for (let i = 0; i < 100 && seen.length < 3; i++) {
      await router.flushObservations();
      if (seen.length < 3) await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(seen.map((o) => o.version), ['v1', 'v2', 'v2']);
    await router.close();
    assert.equal((await get(address)).body, 'v2', 'closing the router leaves the user\'s nginx serving');
  } finally {
    await router.close();
    await nginx.stop();
    await Promise.all([v1.close(), v2.close()]);
    await rm(dir, { recursive: true, force: true });
  }
});

test('an owned nginx left running by a killed Sluice is stopped before a new one starts in its state directory', { skip: binary === undefined }, async () => {
  const { mkdtemp: makeDir } = await import('node:fs/promises');
  const stateDir = await makeDir(join(tmpdir(), 'sluice-orphan-'));
  const v1 = await versionServer('v1');
  const route = { service: 'shop', listen: '127.0.0.1:0', stickiness: { cookie: 'sluice' }, backends: { v1: [v1.url] } };
  const split: TrafficSplit = { stable: 'v1', weight: 0, salt: 'r' };
  const first = new NginxRouter({ ...(binary === undefined ? {} : { binary }), owned: { stateDir, workers: 1 } });
  const second = new NginxRouter({ ...(binary === undefined ? {} : { binary }), owned: { stateDir, workers: 1 } });
  try {
    await first.upsertRoute(route, split);
    const orphan = Number((await readFile(join(stateDir, 'nginx.pid'), 'utf8')).trim());
    const address = (await first.observeSplit('shop')).address ?? '';
    await second.upsertRoute({ ...route, listen: address }, split);
    assert.equal((await get(address)).body, 'v1', 'the second nginx took over the address');
    assert.notEqual(Number((await readFile(join(stateDir, 'nginx.pid'), 'utf8')).trim()), orphan);
    assert.equal(await readFile(`/proc/${orphan}/cmdline`, 'utf8').then(() => 'running', () => 'gone'), 'gone');
  } finally {
    await second.close();
    await first.close();
    await v1.close();
    await rm(stateDir, { recursive: true, force: true });
  }
});
