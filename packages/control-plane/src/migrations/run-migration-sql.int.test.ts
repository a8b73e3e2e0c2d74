import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorCode, isSluiceError } from '@sluice/domain';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../store/testing/postgres-test-db.js';
import { parsePhaseSql, planBatches, runMigrationSql } from './run-migration-sql.js';

describe('planBatches', () => {
  test('statements PostgreSQL refuses in a transaction run alone; the others are grouped between them', async () => {
    const sql = `ALTER TABLE t ADD COLUMN a text; ALTER TABLE t ADD COLUMN b text;
CREATE INDEX CONCURRENTLY t_a ON t (a);
-- a comment; with a semicolon
DROP INDEX CONCURRENTLY IF EXISTS t_old; REINDEX INDEX CONCURRENTLY t_b;
DO $$ BEGIN RAISE NOTICE 'x;y'; END $$;
ALTER TABLE "Quoted Table" ADD COLUMN c int;
ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY;`;
    const batches = planBatches(await parsePhaseSql(sql, 'expand'));
    assert.deepEqual(batches.map((b) => [b.outsideTransaction, b.statements.length]), [[false, 2], [true, 1], [true, 1], [true, 1], [false, 2], [true, 1]]);
    assert.equal(batches[4]?.statements[1]?.text, 'ALTER TABLE "Quoted Table" ADD COLUMN c int');
  });

  test('BEGIN and COMMIT are refused: the runner makes the transactions', async () => {
    await assert.rejects(parsePhaseSql('BEGIN;\nALTER TABLE t ADD COLUMN a text;\nCOMMIT;', 'expand'), (error) => {
      assert.ok(isSluiceError(error) && error.code === ErrorCode.UNSAFE_MIGRATION);
      assert.deepEqual([error.problems[0]?.line, error.problems[0]?.col], [1, 1]);
      return true;
    });
  });
});

describe('runMigrationSql on real PostgreSQL', () => {
  let db: TestDatabase | undefined;
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase();
    if (!db) return;
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    await pool.query(`CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL)`);
    await pool.query(`INSERT INTO t (name) SELECT 'n' || (g % 10) FROM generate_series(1, 2000) g`);
  });
  after(async () => {
    await pool?.end();
    await db?.drop();
  });

  const withClient = async <T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
    const c = await pool.connect();
    try {
      return await work(c);
    } finally {
      c.release();
    }
  };

  test('CREATE INDEX CONCURRENTLY runs outside a transaction, between the transactions around it', async (t) => {
    if (!db) return t.skip('PostgreSQL not reachable (install Debian package postgresql)');
    const sql = 'ALTER TABLE t ADD COLUMN IF NOT EXISTS note text;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_note_idx ON t (note);\nALTER TABLE t ADD COLUMN IF NOT EXISTS tag text;';
    const result = await withClient((c) => runMigrationSql(c, sql, 'expand', { lockTimeoutMs: 500 }));
    assert.deepEqual(result, { statements: 3, transactions: 2, alone: 1, retries: 0 });
    const { rows } = await pool.query(`SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 't_note_idx'`);
    assert.deepEqual(rows, [{ indisvalid: true }]);
  });

  test('a lock held by a long transaction makes the runner give up after lock_timeout and retry, not queue', async (t) => {
    if (!db) return t.skip('PostgreSQL not reachable (install Debian package postgresql)');
    const holder = await pool.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE t IN ACCESS SHARE MODE');
    const released = new Promise<void>((resolve) => setTimeout(() => holder.query('COMMIT').then(() => resolve()), 400));
    const retried: number[] = [];
    const result = await withClient((c) => runMigrationSql(c, 'ALTER TABLE t ADD COLUMN IF NOT EXISTS locked text;', 'expand', { lockTimeoutMs: 50, retries: 20, backoffMs: 20, onRetry: (n) => retried.push(n) }));
    await released;
    holder.release();
    assert.ok(result.retries >= 1 && retried.length === result.retries, `retried ${result.retries} times`);
    const { rows } = await pool.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'locked'`);
    assert.equal(rows.length, 1);
  });

  test('a failed CONCURRENTLY build leaves no INVALID index behind, and the error is thrown', async (t) => {
    if (!db) return t.skip('PostgreSQL not reachable (install Debian package postgresql)');
    await assert.rejects(withClient((c) => runMigrationSql(c, 'CREATE UNIQUE INDEX CONCURRENTLY t_name_key ON t (name);', 'expand', { retries: 0 })), /could not create unique index/);
    const { rows } = await pool.query(`SELECT 1 FROM pg_class WHERE relname = 't_name_key'`);
    assert.equal(rows.length, 0, 'the invalid index was dropped');
  });

  test('a failing statement rolls back its whole transaction: nothing of it is applied', async (t) => {
    if (!db) return t.skip('PostgreSQL not reachable (install Debian package postgresql)');
    await assert.rejects(withClient((c) => runMigrationSql(c, 'ALTER TABLE t ADD COLUMN half text;\nALTER TABLE missing ADD COLUMN x int;', 'expand')), /relation "missing" does not exist/);
    const { rows } = await pool.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'half'`);
    assert.equal(rows.length, 0);
  });
});
