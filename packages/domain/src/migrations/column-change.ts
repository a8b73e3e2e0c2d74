import { backfillSql } from './backfill-sql.js';
import { ident, qualified } from './lint/ast.js';

/**
 * A column rename or type change done without breaking the version still running, as pgroll does it
 * but on one physical table: expand adds the new column and a trigger that keeps the old and new
 * columns in step (whichever one a writer changed is copied to the other, converted by `up`/`down`);
 * backfill copies the existing rows in batches; contract, once the old version is gone, drops the
 * trigger and the old column. Until contract, `down` undoes expand exactly. Pure: SQL text only.
 */

export interface ColumnChange {
  /** Table, optionally schema-qualified (`public.orders`). */
  readonly table: string;
  /** The column the running (old) version uses. */
  readonly from: string;
  /** The column the new version uses. */
  readonly to: string;
  /** The new column's type (e.g. `text`, `bigint`); the old type for a pure rename. */
  readonly type: string;
  /** SQL turning an old value into a new one, with `$1` for the old value (default: `$1`, a rename). */
  readonly up?: string;
  /** SQL turning a new value into an old one, with `$1` for the new value (default: `$1`). */
  readonly down?: string;
  /** The table's key, for batched backfill (default `id`). */
  readonly key?: string;
}

export interface ColumnChangePlan {
  /** Adds the new column, the sync function and its trigger. Run before the new version gets traffic. */
  readonly expand: readonly string[];
  /** One batch: copies up to `batchSize` rows whose new column is still NULL; returns the rows it touched. */
  readonly backfillBatch: (batchSize: number) => string;
  /** Rows still to copy (for progress and ETA). */
  readonly remaining: string;
  /** After promotion and drain: the trigger, the function and the old column go. The point of no return. */
  readonly contract: readonly string[];
  /** Undoes expand (an abort before contract): the schema is exactly as before. */
  readonly down: readonly string[];
}

/** A SQL identifier, quoted when it is not a plain lower-case name (the linter's quoting). */
export const quoteIdentifier = ident;
const quoteQualified = qualified;

/** The trigger function's name: derived from table and columns, at most 63 bytes. */
function functionName(change: ColumnChange): string {
  const base = `sluice_sync_${change.table.replace(/\W/g, '_')}_${change.from}_${change.to}`.toLowerCase();
  return base.length <= 63 ? base : base.slice(0, 63);
}

function convert(expression: string | undefined, value: string): string {
  return (expression ?? '$1').replaceAll('$1', value);
}

/** The SQL of every phase of a column rename or type change. */
export function planColumnChange(change: ColumnChange): ColumnChangePlan {
  const table = quoteQualified(change.table);
  const from = quoteIdentifier(change.from);
  const to = quoteIdentifier(change.to);
  const key = quoteIdentifier(change.key ?? 'id');
  const fn = quoteIdentifier(functionName(change));
  const trigger = quoteIdentifier(`${functionName(change).slice(0, 58)}_trg`);
  const copy = { table: change.table, key: change.key ?? 'id', set: `${to} = ${convert(change.up, from)}`, where: `${to} IS NULL AND ${from} IS NOT NULL` };
  // Whichever column a writer set or changed is copied to the other one; a writer that set both wins as is.
  const body = `BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.${to} IS NULL AND NEW.${from} IS NOT NULL THEN NEW.${to} := ${convert(change.up, `NEW.${from}`)}; END IF;
    IF NEW.${from} IS NULL AND NEW.${to} IS NOT NULL THEN NEW.${from} := ${convert(change.down, `NEW.${to}`)}; END IF;
  ELSIF NEW.${from} IS DISTINCT FROM OLD.${from} AND NEW.${to} IS NOT DISTINCT FROM OLD.${to} THEN
    NEW.${to} := ${convert(change.up, `NEW.${from}`)};
  ELSIF NEW.${to} IS DISTINCT FROM OLD.${to} AND NEW.${from} IS NOT DISTINCT FROM OLD.${from} THEN
    NEW.${from} := ${convert(change.down, `NEW.${to}`)};
  END IF;
  RETURN NEW;
END`;
  return {
    expand: [
      `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${to} ${change.type}`,
      `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $sluice$\n${body}\n$sluice$`,
      `DROP TRIGGER IF EXISTS ${trigger} ON ${table}`,
      `CREATE TRIGGER ${trigger} BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
    ],
    backfillBatch: (batchSize: number) => backfillSql(copy, batchSize).batchSql,
    remaining: backfillSql(copy, 1).remainingSql,
    contract: [`DROP TRIGGER IF EXISTS ${trigger} ON ${table}`, `DROP FUNCTION IF EXISTS ${fn}()`, `ALTER TABLE ${table} DROP COLUMN IF EXISTS ${from}`],
    down: [`DROP TRIGGER IF EXISTS ${trigger} ON ${table}`, `DROP FUNCTION IF EXISTS ${fn}()`, `ALTER TABLE ${table} DROP COLUMN IF EXISTS ${to}`],
  };
}
