import type pg from 'pg';

/** A connection that runs SQL (a pg Client or PoolClient). */
export type SqlClient = Pick<pg.Client, 'query'>;

export interface DdlOptions {
  /** `lock_timeout` for each attempt: a statement that would wait longer for its lock gives up instead of queueing everyone behind it (default 1,000 ms). */
  readonly lockTimeoutMs?: number;
  /** `statement_timeout` inside each transaction, so a slow rewrite cannot hold its lock for long; absent: the server's. */
  readonly statementTimeoutMs?: number;
  /** Attempts after the first when the lock was not granted in time (default 10). */
  readonly retries?: number;
  /** First wait between attempts, doubled each time up to 5 s (default 100 ms). */
  readonly backoffMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Called before each retry, with the attempt number and the error. */
  readonly onRetry?: (attempt: number, error: Error) => void;
}

const LOCK_NOT_AVAILABLE = '55P03';

function code(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : undefined;
}

/**
 * Runs DDL statements in one transaction under a short `lock_timeout`, retrying the whole transaction
 * with backoff when a lock is not granted in time (SQLSTATE 55P03) — the recipe of pgroll and Reshape:
 * a migration never sits in the lock queue blocking the application's queries behind it. Any other
 * error rolls back and is thrown: nothing is half-applied.
 */
export async function runDdl(client: SqlClient, statements: readonly string[], options: DdlOptions = {}): Promise<void> {
  const lockTimeoutMs = Math.max(1, Math.floor(options.lockTimeoutMs ?? 1000));
  const retries = options.retries ?? 10;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let wait = options.backoffMs ?? 100;
  for (let attempt = 0; ; attempt++) {
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL lock_timeout = '${lockTimeoutMs}ms'`);
      if (options.statementTimeoutMs !== undefined) await client.query(`SET LOCAL statement_timeout = '${Math.max(1, Math.floor(options.statementTimeoutMs))}ms'`);
      for (const statement of statements) await client.query(statement);
      await client.query('COMMIT');
      return;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (code(error) !== LOCK_NOT_AVAILABLE || attempt >= retries) throw error;
      options.onRetry?.(attempt + 1, error as Error);
      await sleep(wait);
      wait = Math.min(wait * 2, 5000);
    }
  }
}

export interface BackfillOptions {
  readonly batchSize?: number;
  /** Pause between batches, so the backfill never hogs the database (default 50 ms). */
  readonly pauseMs?: number;
  /** Checked before each batch: true stops the backfill (the guard fired, the rollout aborts); it can resume later. */
  readonly shouldStop?: () => boolean;
  readonly onBatch?: (rows: number, total: number) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Runs `batch(batchSize)` (an UPDATE of at most that many rows) until it touches none, each batch its
 * own short transaction. Resumable: every batch only takes rows not yet copied, so after a crash or a
 * stop the next run continues where this one ended. Returns the rows copied and whether it finished.
 */
export async function runBackfill(client: SqlClient, batch: (batchSize: number) => string, options: BackfillOptions = {}): Promise<{ rows: number; done: boolean }> {
  const size = options.batchSize ?? 1000;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let total = 0;
  for (;;) {
    if (options.shouldStop?.()) return { rows: total, done: false };
    const result = await client.query(batch(size));
    const rows = result.rowCount ?? 0;
    total += rows;
    options.onBatch?.(rows, total);
    if (rows === 0) return { rows: total, done: true };
    await sleep(options.pauseMs ?? 50);
  }
}
