import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../testing/run-cli.js';
import { startSourceServer } from '../testing/source-server.js';

const TOKEN = 'prod-token-0123456789abcdef';
const STAGING_TOKEN = 'staging-token-0123456789abcdef';
const FLAG = `apiVersion: sluice.dev/v1
kind: Flag
metadata: { name: dark-mode }
spec:
  environments:
    production: { enabled: true }
    staging: { enabled: true }
`;

async function evaluate(url: string, token: string, environment: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/flags/evaluate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ environment, flag: 'dark-mode' }),
  });
  await res.text();
  return res.status;
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-cli-tokens-'));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('sluice server flag tokens', () => {
  test('--flag-token (repeatable) lets each token read only its environment, and is never printed', async () => {
    const server = startSourceServer(['--listen', '127.0.0.1:0', '--data-dir', join(dir, 'a'), '--flag-token', `production:${TOKEN}`, '--flag-token', `staging:${STAGING_TOKEN}`], {
      SLUICE_FLAG_TOKENS: 'development:ignored-when-flags-given-0000',
    });
    try {
      const url = await server.url;
      await writeFile(join(dir, 'flag.yaml'), FLAG);
      assert.equal((await runCli(['apply', '-f', join(dir, 'flag.yaml')], { url })).code, 0);
      assert.equal(await evaluate(url, TOKEN, 'production'), 200);
      assert.equal(await evaluate(url, TOKEN, 'staging'), 403, 'the production token does not read staging');
      assert.equal(await evaluate(url, STAGING_TOKEN, 'staging'), 200);
      assert.equal(await evaluate(url, 'ignored-when-flags-given-0000', 'development'), 403, 'SLUICE_FLAG_TOKENS is replaced by --flag-token');
      assert.equal(await evaluate(url, 'not-a-known-token-000000', 'production'), 403);
    } finally {
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.output());
    }
    assert.match(server.output(), /flag client tokens for: production, staging/);
    assert.doesNotMatch(server.output(), new RegExp(`${TOKEN}|${STAGING_TOKEN}`));
  });

  test('SLUICE_FLAG_TOKENS (comma-separated) is read when no --flag-token is given', async () => {
    const server = startSourceServer(['--listen', '127.0.0.1:0', '--data-dir', join(dir, 'b')], { SLUICE_FLAG_TOKENS: `production:${TOKEN}, staging:${STAGING_TOKEN}` });
    try {
      const url = await server.url;
      assert.equal(await evaluate(url, STAGING_TOKEN, 'production'), 403);
      assert.equal(await evaluate(url, 'not-a-known-token-000000', 'staging'), 403);
      // Known token, right environment: past the token check (the flag does not exist here, so evaluation answers FLAG_NOT_FOUND in a 200).
      assert.equal(await evaluate(url, STAGING_TOKEN, 'staging'), 200);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    assert.doesNotMatch(server.output(), new RegExp(`${TOKEN}|${STAGING_TOKEN}`));
  });

  test('a malformed token entry is a usage error that does not echo the token', async () => {
    const server = startSourceServer(['--listen', '127.0.0.1:0', '--data-dir', join(dir, 'c'), '--flag-token', 'production:abc-secret']);
    assert.equal(await server.exited, 2);
    assert.match(server.output(), /^error: Flag token 1 is not environment:token$/m);
    assert.doesNotMatch(server.output(), /abc-secret/);
  });
});
