import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { redactDatabaseUrl } from '../postgres/postgres-store.js';

export interface TestDatabase {
  /** URL of a fresh, empty database. */
  readonly url: string;
  /** Drops the database, ending any connections still open to it. */
  drop(): Promise<void>;
}

const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Creates `sluice_test_<random>` on the server at SLUICE_TEST_PG_URL (default: local trust
 * auth). Returns undefined, after printing a SKIP line, when PostgreSQL is unreachable; with
 * CI=true that is a failure instead.
 */
export async function createTestDatabase(): Promise<TestDatabase | undefined> {
  const adminUrl = process.env.SLUICE_TEST_PG_URL ?? DEFAULT_ADMIN_URL;
  let admin: pg.Client;
  try {
    admin = await connect(adminUrl);
  } catch (error) {
    const line = `PostgreSQL not reachable at ${redactDatabaseUrl(adminUrl)} (install Debian package postgresql)`;
    if (process.env.CI === 'true') throw new Error(`${line}: ${String(error)}`, { cause: error });
    console.log(`SKIP: ${line}`);
    return undefined;
  }
  const name = `sluice_test_${randomBytes(6).toString('hex')}`;
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      const client = await connect(adminUrl);
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  // A connection lost later emits 'error'; the failing query reports it, so do not crash here.
  client.on('error', () => {});
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
}
