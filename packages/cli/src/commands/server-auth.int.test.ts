import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../testing/run-cli.js';
import { startSourceServer } from '../testing/source-server.js';

const GIVEN = `sluice_0123456789ab_${'G'.repeat(43)}`;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-cli-auth-'));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('sluice server --auth', () => {
  test('SLUICE_AUTH=1: the bootstrap token is written 0600 and never printed; the API needs it', async () => {
    const server = startSourceServer(['--listen', '127.0.0.1:0', '--data-dir', join(dir, 'a')], { SLUICE_AUTH: '1' });
    let token = '';
    try {
      const url = await server.url;
      const file = join(dir, 'a', 'admin-token');
      token = (await readFile(file, 'utf8')).trim();
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      const refused = await runCli(['get', 'services'], { url });
      assert.equal(refused.code, 1);
      assert.match(refused.err, /SLUICE_TOKEN/);
      assert.equal((await runCli(['get', 'services'], { url, env: { SLUICE_TOKEN: token } })).code, 0);
    } finally {
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.output());
    }
    assert.match(server.output(), /admin-token/);
    assert.ok(!server.output().includes(token.slice(20)));
  });

  test('--auth with SLUICE_BOOTSTRAP_TOKEN: that is the admin token, and no file is written', async () => {
    const server = startSourceServer(['--auth', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'b')], { SLUICE_BOOTSTRAP_TOKEN: GIVEN });
    try {
      const url = await server.url;
      const me = await fetch(`${url}/api/v1/whoami`, { headers: { authorization: `Bearer ${GIVEN}` } });
      assert.deepEqual(await me.json(), { auth: 'on', name: 'admin', role: 'admin', services: ['*'], scopes: [], expiresAt: null });
      await assert.rejects(stat(join(dir, 'b', 'admin-token')));
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    assert.ok(!server.output().includes('GGGGGGGG'));
  });

  test('a malformed SLUICE_BOOTSTRAP_TOKEN is a usage error that does not echo it', async () => {
    const server = startSourceServer(['--auth', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'c')], { SLUICE_BOOTSTRAP_TOKEN: 'hunter2-hunter2' });
    assert.equal(await server.exited, 2);
    assert.match(server.output(), /SLUICE_BOOTSTRAP_TOKEN is not a Sluice token/);
    assert.doesNotMatch(server.output(), /hunter2/);
  });
});
