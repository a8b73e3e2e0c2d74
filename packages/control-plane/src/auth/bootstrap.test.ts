import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ErrorCode, isSluiceError, ManualClock } from '@sluice/domain';
import { createLineLogger } from '../platform/logger.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { bootstrapAdminToken, checkBootstrapToken } from './api-auth.js';
import { TokenService } from './token-service.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bootstrap-'));
  dirs.push(dir);
  const lines: string[] = [];
  const tokens = new TokenService(new MemoryStore().tokens, new ManualClock(0));
  return { dir, lines, tokens, log: createLineLogger((l) => lines.push(l)) };
}

describe('bootstrap admin token', () => {
  test('with no token, writes an admin token to <dataDir>/admin-token (0600) and logs only the path; once', async () => {
    const { dir, lines, tokens, log } = await setup();
    await bootstrapAdminToken(tokens, { dataDir: dir, log });
    const file = join(dir, 'admin-token');
    const text = (await readFile(file, 'utf8')).trim();
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const result = await tokens.authenticate(text);
    assert.ok(result.ok && result.identity.name === 'admin' && result.identity.role === 'admin');
    assert.ok(lines.some((l) => l.includes(file)));
    assert.ok(lines.every((l) => !l.includes(text.slice(20))), 'no token in the log');
    await bootstrapAdminToken(tokens, { dataDir: dir, log });
    assert.equal((await readFile(file, 'utf8')).trim(), text, 'not made again');
    assert.equal(await tokens.countActive(), 1);
  });

  test('SLUICE_BOOTSTRAP_TOKEN becomes the admin token; a malformed one is refused without echoing it', async () => {
    const { dir, tokens, log } = await setup();
    const given = `sluice_0123456789ab_${'s'.repeat(40)}`;
    await bootstrapAdminToken(tokens, { dataDir: dir, bootstrapToken: given, log });
    assert.ok((await tokens.authenticate(given)).ok);
    await assert.rejects(stat(join(dir, 'admin-token')));
    assert.throws(
      () => checkBootstrapToken('hunter2-hunter2'),
      (e) => isSluiceError(e) && e.code === ErrorCode.INVALID_REQUEST && !JSON.stringify({ m: e.message, p: e.problems }).includes('hunter2'),
    );
    assert.doesNotThrow(() => checkBootstrapToken(undefined));
  });

  test('once every token is revoked, a new admin token is made', async () => {
    const { dir, tokens, log } = await setup();
    await bootstrapAdminToken(tokens, { dataDir: dir, log });
    const first = (await readFile(join(dir, 'admin-token'), 'utf8')).trim();
    await tokens.revoke('admin');
    await bootstrapAdminToken(tokens, { dataDir: dir, log });
    const second = (await readFile(join(dir, 'admin-token'), 'utf8')).trim();
    assert.notEqual(first, second);
    assert.ok((await tokens.authenticate(second)).ok);
    assert.ok(!(await tokens.authenticate(first)).ok);
  });
});
