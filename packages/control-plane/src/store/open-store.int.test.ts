import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { openStore } from './open-store.js';
import { createTestDatabase } from './testing/postgres-test-db.js';
import { makeService } from './testing/store-fixtures.js';

const dataDir = await mkdtemp(join(tmpdir(), 'sluice-open-store-'));
after(() => rm(dataDir, { recursive: true, force: true }));

describe('openStore', () => {
  test('without a database URL it opens SQLite at <dataDir>/sluice.db', async () => {
    for (const databaseUrl of [undefined, '', '  ']) {
      const store = await openStore({ databaseUrl, dataDir: join(dataDir, 'nested') });
      try {
        assert.equal(store.kind, 'sqlite');
        await store.services.save(makeService(`svc-${store.kind}-${String(databaseUrl?.length)}`), 0);
      } finally {
        await store.close();
      }
    }
    assert.ok(existsSync(join(dataDir, 'nested', 'sluice.db')));
  });

  test('another URL scheme is an INVALID_REQUEST naming the accepted schemes, not the URL', async () => {
    for (const databaseUrl of ['mysql://root:secret@db/sluice', 'sqlite:///tmp/x.db', 'secret-without-scheme']) {
      await assert.rejects(openStore({ databaseUrl, dataDir }), (error) => {
        assert.ok(error instanceof SluiceError);
        assert.equal(error.code, ErrorCode.INVALID_REQUEST);
        assert.match(error.message, /postgres:\/\/ or postgresql:\/\//);
        assert.doesNotMatch(error.message, /secret/);
        return true;
      });
    }
  });

  test('postgres:// and postgresql:// URLs open PostgreSQL', async (t) => {
    const database = await createTestDatabase();
    if (database === undefined) return t.skip('PostgreSQL not reachable');
    try {
      for (const url of [database.url, database.url.replace(/^postgres:/, 'postgresql:')]) {
        const store = await openStore({ databaseUrl: url, dataDir });
        try {
          assert.equal(store.kind, 'postgres');
          assert.deepEqual(await store.services.list(), []);
        } finally {
          await store.close();
        }
      }
    } finally {
      await database.drop();
    }
  });
});
