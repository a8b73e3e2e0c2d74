import { ErrorCode, SluiceError, type SqlStatement } from '@sluice/domain';
import { loadSqlParser, parseMigrationSql } from './parse-sql.js';
import { runDdl, type DdlOptions, type SqlClient } from './run-ddl.js';

/**
 * Runs a migration phase's SQL the way it can run safely: consecutive statements in one transaction
 * under `lock_timeout` with retries (runDdl), and each statement PostgreSQL refuses inside a
 * transaction block (CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH PARTITION
 * CONCURRENTLY, VACUUM, …) on its own, with a session `lock_timeout` and the same retries. A
 * CONCURRENTLY index build that fails leaves an INVALID index behind; it is dropped before the retry.
 */

/** One unit of execution: a transaction of statements, or one statement outside any transaction. */
export interface SqlBatch {
  readonly statements: readonly SqlStatement[];
  readonly outsideTransaction: boolean;
}

function obj(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Whether PostgreSQL refuses to run the statement inside a transaction block. */
export function mustRunOutsideTransaction(statement: SqlStatement): boolean {
  const [kind, body] = Object.entries(statement.node)[0] ?? [];
  const node = obj(body);
  switch (kind) {
    case 'IndexStmt':
    case 'DropStmt':
      return node?.['concurrent'] === true;
    case 'ReindexStmt':
      return JSON.stringify(node?.['params'] ?? []).toLowerCase().includes('"concurrently"');
    case 'AlterTableStmt':
      return JSON.stringify(node?.['cmds'] ?? []).includes('"concurrent":true');
    case 'VacuumStmt':
    case 'CreatedbStmt':
    case 'DropdbStmt':
    case 'AlterSystemStmt':
    case 'CreateTableSpaceStmt':
    case 'DropTableSpaceStmt':
      return true;
    default:
      return false;
  }
}

export function isTransactionControl(statement: SqlStatement): boolean {
  return Object.keys(statement.node)[0] === 'TransactionStmt';
}

/** Groups statements: runs of transactional ones together, each non-transactional one alone. */
export function planBatches(statements: readonly SqlStatement[]): SqlBatch[] {
  const batches: SqlBatch[] = [];
  let open: SqlStatement[] = [];
  for (const statement of statements) {
    if (!mustRunOutsideTransaction(statement)) {
      open.push(statement);
      continue;
    }
    if (open.length > 0) batches.push({ statements: open, outsideTransaction: false });
    open = [];
    batches.push({ statements: [statement], outsideTransaction: true });
  }
  if (open.length > 0) batches.push({ statements: open, outsideTransaction: false });
  return batches;
}

/** Parses a phase's SQL (BEGIN/COMMIT are refused: the runner makes the transactions). */
export async function parsePhaseSql(sql: string, file: string): Promise<SqlStatement[]> {
  await loadSqlParser();
  const statements = parseMigrationSql(sql, file);
  const control = statements.find(isTransactionControl);
  if (control !== undefined) {
    throw new SluiceError(ErrorCode.UNSAFE_MIGRATION, `${file}:${control.line}:${control.col}: "${control.text}" — migration SQL must not manage transactions; Sluice runs each phase's statements in one transaction (CONCURRENTLY ones alone)`, {
      problems: [{ file, line: control.line, col: control.col, message: 'BEGIN/COMMIT in migration SQL', found: control.text, expected: 'statements only; the runner makes the transactions' }],
    });
  }
  return statements;
}

export interface PhaseResult {
  readonly statements: number;
  readonly transactions: number;
  readonly alone: number;
  readonly retries: number;
}

/** Runs `sql` batch by batch; a failure stops at the failing batch (earlier batches stay applied, later ones do not run). */
export async function runMigrationSql(client: SqlClient, sql: string, file: string, options: DdlOptions = {}): Promise<PhaseResult> {
  const batches = planBatches(await parsePhaseSql(sql, file));
  let retries = 0;
  const counted: DdlOptions = { ...options, onRetry: (attempt, error) => (retries++, options.onRetry?.(attempt, error)) };
  for (const batch of batches) {
    if (batch.outsideTransaction) await runAlone(client, batch.statements[0], counted);
    else await runDdl(client, batch.statements.map((s) => s.text), counted);
  }
  const alone = batches.filter((b) => b.outsideTransaction).length;
  return { statements: batches.reduce((n, b) => n + b.statements.length, 0), transactions: batches.length - alone, alone, retries };
}

const LOCK_NOT_AVAILABLE = '55P03';

function sqlState(error: unknown): string | undefined {
  const code = obj(error)?.['code'];
  return typeof code === 'string' ? code : undefined;
}

/** One statement outside a transaction, with a session lock_timeout; an INVALID index left by a failed build is dropped first. */
async function runAlone(client: SqlClient, statement: SqlStatement | undefined, options: DdlOptions): Promise<void> {
  if (statement === undefined) return;
  const lockTimeoutMs = Math.max(1, Math.floor(options.lockTimeoutMs ?? 1000));
  const retries = options.retries ?? 10;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let wait = options.backoffMs ?? 100;
  for (let attempt = 0; ; attempt++) {
    try {
      await client.query(`SET lock_timeout = '${lockTimeoutMs}ms'`);
      await client.query(statement.text);
      await client.query('RESET lock_timeout');
      return;
    } catch (error) {
      await client.query('RESET lock_timeout').catch(() => undefined);
      await dropInvalidIndex(client, statement);
      if (sqlState(error) !== LOCK_NOT_AVAILABLE || attempt >= retries) throw error;
      options.onRetry?.(attempt + 1, error as Error);
      await sleep(wait);
      wait = Math.min(wait * 2, 5000);
    }
  }
}

/** After a failed CREATE INDEX CONCURRENTLY: drops the index if PostgreSQL left it INVALID (never a valid one). */
async function dropInvalidIndex(client: SqlClient, statement: SqlStatement): Promise<void> {
  const index = obj(statement.node['IndexStmt']);
  const name = index?.['idxname'];
  if (index === undefined || index['concurrent'] !== true || typeof name !== 'string') return;
  const schema = obj(index['relation'])?.['schemaname'];
  const invalid = await client
    .query('SELECT c.oid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = $1 AND NOT i.indisvalid AND ($2::text IS NULL OR n.nspname = $2)', [name, typeof schema === 'string' ? schema : null])
    .catch(() => ({ rows: [] as unknown[] }));
  if (invalid.rows.length === 0) return;
  const qualified = typeof schema === 'string' ? `"${schema.replaceAll('"', '""')}"."${name.replaceAll('"', '""')}"` : `"${name.replaceAll('"', '""')}"`;
  await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${qualified}`).catch(() => undefined);
}
