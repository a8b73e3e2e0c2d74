import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { metricProviderContract } from '../metric-provider.contract.js';
import type { MetricQuery } from '../metric-provider.js';
import { bindPlaceholders, SqlMetricProvider } from './sql-provider.js';

const WINDOW = { fromMs: 0, toMs: 60_000 };
const q = (query: string, args: Record<string, string> = {}): MetricQuery => ({ query, args, ...WINDOW });

describe('sql provider on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-sql-'));
  const file = join(dir, 'orders.db');
  before(() => {
    const db = new Database(file);
    db.exec("create table orders (id integer primary key, status text, version text); insert into orders (status, version) values ('failed','v2'),('failed','v2'),('ok','v2'),('failed','v1');");
    db.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  metricProviderContract('sql (SQLite)', async () => ({
    provider: new SqlMetricProvider({ url: `sqlite:${file}` }),
    withValue: q("select count(*) from orders where status = 'failed' and version = {{version}}", { version: 'v2' }),
    expected: 2,
    noData: q("select count(*) from orders where 1 = 0 group by status"),
    failing: q('select * from no_such_table'),
    unreachable: new SqlMetricProvider({ url: `sqlite:${join(dir, 'missing.db')}` }),
    cleanup: async () => undefined,
  }));

  test('the database is opened read-only; an argument is a bound value, never SQL', async () => {
    const provider = new SqlMetricProvider({ url: `sqlite:${file}` });
    await assert.rejects(provider.measure(q("delete from orders returning id")), /readonly|read-only/i);
    const injected = await provider.measure(q('select count(*) from orders where version = {{version}}', { version: "v2' or '1'='1" }));
    assert.equal(injected.kind, 'value');
    if (injected.kind === 'value') assert.equal(injected.value, 0, 'the quote stayed inside the value');
    await assert.rejects(provider.measure(q("select 'abc'")), /returned "abc"; expected a number/);
    await assert.rejects(provider.measure(q('select {{nope}}')), /uses \{\{nope\}\}, which no argument sets/);
  });
});

test('placeholders become numbered parameters for PostgreSQL and ? for SQLite', () => {
  assert.deepEqual(bindPlaceholders('select {{a}} + {{ b }} + {{a}}', { a: '1', b: '2' }, 'pg'), { sql: 'select $1 + $2 + $3', values: ['1', '2', '1'] });
  assert.deepEqual(bindPlaceholders('select {{a}}', { a: 'x' }, 'sqlite'), { sql: 'select ?', values: ['x'] });
});

describe('sql provider on PostgreSQL', async () => {
  const adminUrl = process.env.SLUICE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const table = `sluice_sql_provider_${randomBytes(4).toString('hex')}`;
  let available = true;
  before(async () => {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query(`create table ${table} (status text, n int); insert into ${table} values ('failed', 3), ('ok', 97)`);
    } catch (error) {
      if (process.env.CI === 'true') throw error;
      available = false;
      console.log('SKIP: sql provider on PostgreSQL (install Debian package postgresql)');
    } finally {
      await client.end().catch(() => undefined);
    }
  });
  after(async () => {
    if (!available) return;
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`drop table if exists ${table}`);
    await client.end();
  });

  metricProviderContract('sql (PostgreSQL)', async () => ({
    provider: new SqlMetricProvider({ url: adminUrl }),
    withValue: q(`select n::float / (select sum(n) from ${table}) from ${table} where status = {{status}}`, { status: 'failed' }),
    expected: 0.03,
    noData: q(`select n from ${table} where status = 'none'`),
    failing: q('select * from no_such_table_here'),
    unreachable: new SqlMetricProvider({ url: 'postgres://postgres@127.0.0.1:1/postgres', timeoutMs: 2000 }),
    cleanup: async () => undefined,
  }));

  test('PostgreSQL queries run read-only', async () => {
    await assert.rejects(new SqlMetricProvider({ url: adminUrl }).measure(q(`delete from ${table}`)), /read-only transaction/);
  });
});
