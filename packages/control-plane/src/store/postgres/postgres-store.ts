import { ErrorCode, SluiceError } from '@sluice/domain';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Store } from '../store.js';
import { KyselyStore, type KyselyStoreDialect } from '../kysely/kysely-store.js';
import type { StoreDatabase } from '../kysely/store-database.js';

export interface PostgresStoreOptions {
  /** postgres:// or postgresql:// connection URL. */
  readonly url: string;
  /** Maximum pooled connections (default 10). */
  readonly poolSize?: number;
}

/** Advisory lock keys: the first half spells "slui"; the second names what is locked. */
const LOCK_NAMESPACE = 0x736c7569;
const MIGRATION_LOCK = 1;
const EVENT_LOG_LOCK = 2;

/** serialization_failure and deadlock_detected: the transaction can be run again. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['40001', '40P01']);

const POSTGRES_DIALECT: KyselyStoreDialect = {
  name: 'postgres',
  begin: 'begin isolation level serializable',
  // READ COMMITTED: each statement after the lock sees what the previous lock holder committed.
  beginMigration: 'begin isolation level read committed',
  // Metric samples: inserts that skip existing keys and deletes by time need no serialisable snapshot.
  beginIndependent: 'begin isolation level read committed',
  lockMigrations: async (db) => {
    await sql`select pg_advisory_xact_lock(${LOCK_NAMESPACE}::int, ${MIGRATION_LOCK}::int)`.execute(db);
  },
  // bigserial values are handed out at insert, not at commit. Holding this lock from the first
  // append until commit makes seq order equal commit order, so a reader polling with afterSeq
  // can never see seq N+1 committed while N is still in flight.
  lockEventLog: async (db) => {
    await sql`select pg_advisory_xact_lock(${LOCK_NAMESPACE}::int, ${EVENT_LOG_LOCK}::int)`.execute(db);
  },
  isRetryable: (error) => RETRYABLE_CODES.has(String((error as { code?: unknown } | null)?.code)),
};

/** Opens the PostgreSQL store, creating or upgrading its tables. SERIALIZABLE transactions. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
  });
  // An idle pooled connection that dies (server restart) emits 'error'; unhandled, that would
  // crash the process. The pool drops it and the next query reconnects or reports the failure.
  pool.on('error', () => {});
  const db = new Kysely<StoreDatabase>({ dialect: new PostgresDialect({ pool }) });
  try {
    return await KyselyStore.open(db, POSTGRES_DIALECT);
  } catch (error) {
    await db.destroy().catch(() => {});
    if (error instanceof SluiceError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new SluiceError(
      ErrorCode.STORE_UNAVAILABLE,
      `Cannot open the PostgreSQL store at ${redactDatabaseUrl(options.url)}: ${reason}. Expected a reachable server and a database this user may create tables in`,
      { cause: error, details: { url: redactDatabaseUrl(options.url) } },
    );
  }
}

/** The URL with any password replaced, safe for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable database URL>';
  }
}
