import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '@sluice/domain';
import { startControlPlane, type RunningControlPlane } from '@sluice/control-plane';
import { T0 } from '../testing/fixtures.js';
import { runCli } from '../testing/run-cli.js';

const clock = new ManualClock(T0);
const logLines: string[] = [];
let server: RunningControlPlane;
let dir: string;
let admin: string;
const run = (args: string[], env: Record<string, string> = {}) => runCli(args, { url: server.url, env });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-cli-tokens-'));
  server = await startControlPlane({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', log: (line) => logLines.push(line), clock, auth: { enabled: true } });
  admin = (await readFile(join(dir, 'data', 'admin-token'), 'utf8')).trim();
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('sluice token against a control plane run with --auth', () => {
  test('the bootstrap token is in <data-dir>/admin-token and only its path is logged', () => {
    assert.match(admin, /^sluice_[a-z0-9]{12}_/);
    assert.ok(logLines.some((l) => l.includes('admin-token')));
    assert.ok(logLines.every((l) => !l.includes(admin.slice(20))), 'no token in the log');
  });

  test('without a token a command says what is missing and how to fix it', async () => {
    const { code, err } = await run(['get', 'services']);
    assert.equal(code, 1);
    assert.match(err, /needs a token/);
    assert.match(err, /--token/);
    assert.match(err, /SLUICE_TOKEN/);
  });

  test('create prints the token once with a warning; list shows it without the secret; revoke stops it', async () => {
    const created = await run(['token', 'create', 'ci', '--role', 'viewer', '--service', 'shop', '--service', 'payments-*', '--expires', '30d', '--token', admin]);
    assert.equal(created.code, 0, created.err);
    const ci = created.out.trim();
    assert.match(ci, /^sluice_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    assert.match(created.err, /only time the token is shown/);

    const listed = await run(['token', 'list'], { SLUICE_TOKEN: admin });
    assert.equal(listed.code, 0, listed.err);
    assert.match(listed.out, /^NAME +ROLE +SERVICES/);
    assert.match(listed.out, /\nci +viewer +shop,payments-\* +all +active/);
    assert.ok(!listed.out.includes(ci.slice(20)));
    const json = JSON.parse((await run(['token', 'list', '-o', 'json', '--token', admin])).out);
    assert.deepEqual(json.items.map((t: { name: string }) => t.name), ['admin', 'ci']);
    assert.equal(json.items[1].expiresAt, T0 + 30 * 86_400_000);

    assert.equal((await run(['get', 'services'], { SLUICE_TOKEN: ci })).code, 0);
    const refused = await run(['token', 'list', '--token', ci]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /needs the admin role; token "ci" has the viewer role/);
    assert.match(refused.err, /--token or SLUICE_TOKEN/);

    const revoked = await run(['token', 'revoke', 'ci', '--token', admin]);
    assert.equal(revoked.code, 0, revoked.err);
    assert.match(revoked.out, /token ci revoked/);
    const after = await run(['get', 'services', '--token', ci]);
    assert.equal(after.code, 1);
    assert.match(after.err, /token is revoked/);
  });

  test('bad input is a usage error naming the field', async () => {
    const bad = await run(['token', 'create', 'ci2', '--role', 'root', '--token', admin]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--role/);
    const expiry = await run(['token', 'create', 'ci2', '--role', 'viewer', '--expires', 'soon', '--token', admin]);
    assert.equal(expiry.code, 2);
    assert.match(expiry.err, /\$\.expiresIn/);
  });
});
