import { ident, qualified } from './lint/ast.js';

/** A backfill written as table, key, assignment and the condition of rows still to do. */
export interface BackfillUpdate {
  readonly table: string;
  /** The table's key (default `id`): batches take rows in key order. */
  readonly key?: string;
  /** The assignment, e.g. `total_cents = total * 100`. */
  readonly set: string;
  /** True for rows still to copy and false once `set` ran on them, e.g. `total_cents IS NULL AND total IS NOT NULL`. */
  readonly where: string;
}

/** The batch UPDATE (rows locked by the application are skipped, taken by a later batch) and the count of rows left. */
export function backfillSql(update: BackfillUpdate, batchSize: number): { batchSql: string; remainingSql: string } {
  const table = qualified(update.table);
  const key = ident(update.key ?? 'id');
  const limit = Math.max(1, Math.floor(batchSize));
  return {
    batchSql: `UPDATE ${table} SET ${update.set} WHERE ${key} IN (SELECT ${key} FROM ${table} WHERE ${update.where} ORDER BY ${key} LIMIT ${limit} FOR UPDATE SKIP LOCKED)`,
    remainingSql: `SELECT count(*)::bigint AS n FROM ${table} WHERE ${update.where}`,
  };
}
