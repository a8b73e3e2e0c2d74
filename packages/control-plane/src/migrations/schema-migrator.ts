import { ErrorCode, SluiceError, type MigrationSpec } from '@sluice/domain';
import pg from 'pg';
import { runMigrationSql, type PhaseResult } from './run-migration-sql.js';

/**
 * Runs a rollout's migration against its database: the phases' SQL (each statement where it can run
 * safely, under lock_timeout with retries) and the backfill's batches. PostgreSQL only; the database
 * URL is read from the control plane's environment when needed and never stored, logged or shown.
 */
export interface SchemaMigrator {
  runPhase(spec: MigrationSpec, phase: 'expand' | 'down' | 'contract'): Promise<PhaseResult>;
  /** One backfill batch in its own short transaction; the rows it changed (0: done). */
  backfillBatch(spec: MigrationSpec): Promise<number>;
  /** Rows the backfill still has to copy. */
  remaining(spec: MigrationSpec): Promise<number>;
  close(): Promise<void>;
}

/** SQLSTATEs after which a batch is simply tried again: lock not available, serialization failure, deadlock. */
export const TRANSIENT_SQLSTATES: ReadonlySet<string> = new Set(['55P03', '40001', '40P01', '57014']);

export function sqlStateOf(error: unknown): string | undefined {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

export function createPgSchemaMigrator(env: Readonly<Record<string, string | undefined>> = process.env): SchemaMigrator {
  const pools = new Map<string, pg.Pool>();
  const pool = (spec: MigrationSpec): pg.Pool => {
    const url = env[spec.databaseUrlEnv];
    if (!url) throw new SluiceError(ErrorCode.ADAPTER_FAILED, `The migration's database URL variable ${spec.databaseUrlEnv} is not set in the control plane's environment`);
    const key = `${spec.databaseUrlEnv}\n${url}`;
    let existing = pools.get(key);
    if (existing === undefined) {
      existing = new pg.Pool({ connectionString: url, max: 2, application_name: 'sluice-migration' });
      // An idle client's error (the server restarted) must not crash the process; the next query reconnects.
      existing.on('error', () => undefined);
      pools.set(key, existing);
    }
    return existing;
  };
  const withClient = async <T>(spec: MigrationSpec, use: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool(spec).connect();
    try {
      return await use(client);
    } finally {
      client.release();
    }
  };
  return {
    runPhase: (spec, phase) =>
      withClient(spec, (client) => runMigrationSql(client, spec[phase] ?? '', phase, { lockTimeoutMs: spec.lockTimeoutMs, statementTimeoutMs: spec.statementTimeoutMs, retries: spec.retries })),
    backfillBatch: (spec) =>
      withClient(spec, async (client) => {
        const backfill = spec.backfill;
        if (backfill === undefined) return 0;
        try {
          await client.query('BEGIN');
          await client.query(`SET LOCAL lock_timeout = '${spec.lockTimeoutMs}ms'`);
          await client.query(`SET LOCAL statement_timeout = '${spec.statementTimeoutMs}ms'`);
          const result = await client.query(backfill.batchSql);
          await client.query('COMMIT');
          return result.rowCount ?? 0;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw error;
        }
      }),
    remaining: (spec) =>
      withClient(spec, async (client) => {
        if (spec.backfill === undefined) return 0;
        const result = await client.query<{ n: string | number }>(spec.backfill.remainingSql);
        return Number(result.rows[0]?.n ?? 0);
      }),
    async close() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((p) => p.end().catch(() => undefined)));
    },
  };
}
