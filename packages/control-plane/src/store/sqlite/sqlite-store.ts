import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ErrorCode, SluiceError } from '@sluice/domain';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Store } from '../store.js';
import { KyselyStore, type KyselyStoreDialect } from '../kysely/kysely-store.js';
import type { StoreDatabase } from '../kysely/store-database.js';

export interface SqliteStoreOptions {
  /** Database file; its parent directory is created if missing. */
  readonly file: string;
  /** How long a writer waits for another process's write lock before failing (default 5000). */
  readonly busyTimeoutMs?: number;
}

const SQLITE_DIALECT: KyselyStoreDialect = {
  name: 'sqlite',
  // IMMEDIATE takes the write lock up front: a read-then-write transaction cannot deadlock with
  // another process upgrading at the same time, it waits (busy_timeout) instead.
  begin: 'begin immediate',
  beginMigration: 'begin immediate',
  lockMigrations: async () => {},
  isRetryable: () => false,
};

/**
 * Opens (creating if needed) the embedded SQLite store. WAL with synchronous=FULL: a committed
 * transaction is on disk before commit returns, so it survives kill -9 and power loss. One
 * connection per store: Kysely's connection mutex runs transactions one at a time, and plain
 * reads outside a transaction wait while one is running.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const { file } = options;
  let sqlite: Database.Database;
  try {
    mkdirSync(dirname(file), { recursive: true });
    sqlite = new Database(file);
  } catch (error) {
    throw openError(file, error);
  }
  const db = new Kysely<StoreDatabase>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    sqlite.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    return await KyselyStore.open(db, SQLITE_DIALECT);
  } catch (error) {
    await db.destroy().catch(() => {});
    throw openError(file, error);
  }
}

function openError(file: string, error: unknown): SluiceError {
  if (error instanceof SluiceError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new SluiceError(
    ErrorCode.STORE_UNAVAILABLE,
    `Cannot open the SQLite store at ${file}: ${reason}. Expected a writable SQLite database file (or a path where one can be created)`,
    { cause: error, details: { file } },
  );
}
