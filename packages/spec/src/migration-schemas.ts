import { z } from 'zod';
import { analysisRefFields } from './analysis-schemas.js';
import { approval } from './verification-schemas.js';
import { duration, hint } from './schema-hints.js';

/**
 * A Rollout's `migration` section (schema safety): the SQL of expand, down and contract, or a
 * `columnChange` they are generated from, the compatibility gate and the backfill; and the `contract`
 * step. Cross-field rules (which SQL goes with which, where the contract step stands) are in
 * migration-consistency.ts.
 */

export const MAX_MIGRATION_SQL = 256 * 1024;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A table or column name as written in SQL: plain or double-quoted, optionally schema-qualified for tables. */
const SQL_NAME = /^("([^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)$/;
const SQL_TABLE = /^("([^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)(\.("([^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*))?$/;

const sql = (what: string) => hint(z.string().trim().min(1).max(MAX_MIGRATION_SQL), `${what}: PostgreSQL statements separated by ";", at most 256 KiB`, 'invalid SQL text');
const column = (what: string) => hint(z.string().max(63).regex(SQL_NAME), `${what}: a column name`, 'invalid column name');
const table = hint(z.string().max(127).regex(SQL_TABLE), 'a table name, optionally schema-qualified (public.orders)', 'invalid table name');
/** A SQL expression; `$1` stands for the value converted. */
const expression = (what: string) => hint(z.string().trim().min(1).max(4096), what, 'invalid expression');

const columnChange = hint(
  z.strictObject({
    table,
    from: column('the column the running (stable) version uses'),
    to: column('the column the new version uses'),
    type: hint(z.string().trim().min(1).max(200), 'the new column\'s SQL type, e.g. text or bigint', 'invalid type'),
    up: expression('SQL turning an old value ($1) into a new one, e.g. ($1 * 100)::bigint (default $1)').optional(),
    down: expression('SQL turning a new value ($1) into an old one (default $1)').optional(),
    key: column('the table\'s key for batched backfill (default id)').optional(),
  }),
  'a map with table, from, to, type and optional up, down and key',
);

const backfill = hint(
  z.strictObject({
    table: table.optional(),
    key: column('the table\'s key, batches go in its order (default id)').optional(),
    set: expression('the assignment, e.g. total_cents = total * 100').optional(),
    where: expression('true for rows still to copy, false once set ran, e.g. total_cents IS NULL').optional(),
    batchSize: hint(z.int().min(1).max(100_000), 'rows per batch, 1 to 100000 (default 1000)', 'batchSize out of range').optional(),
    pause: duration(0, 60_000).optional(),
    before: hint(z.enum(['traffic', 'promotion']), '"traffic" (done before the target gets requests) or "promotion" (the default: runs during the canary)', 'invalid before').optional(),
  }),
  'a map with optional table, key, set, where, batchSize, pause and before',
);

export const migration = hint(
  z.strictObject({
    database: hint(
      z.strictObject({ urlFromEnv: hint(z.string().max(128).regex(ENV_NAME), 'the control plane\'s environment variable holding the PostgreSQL URL', 'invalid environment variable name') }),
      'a map with urlFromEnv, e.g. { urlFromEnv: SHOP_DATABASE_URL }',
    ),
    lockTimeout: duration(1, 60_000).optional(),
    statementTimeout: duration(1000, 86_400_000).optional(),
    retries: hint(z.int().min(0).max(100), 'attempts after the first when a lock is not granted in time, 0 to 100 (default 10)', 'retries out of range').optional(),
    columnChange: columnChange.optional(),
    expand: sql('expand: runs before the target gets traffic; must not break the stable version').optional(),
    down: sql('down: undoes expand if the rollout rolls back').optional(),
    contract: sql('contract: runs after promotion to 100 %, drain and approval').optional(),
    compatibility: hint(z.strictObject({ ...analysisRefFields }), 'a map with templates and optional args: checks of the stable version run against the expanded schema').optional(),
    backfill: backfill.optional(),
  }),
  'a map with database and either columnChange or expand and down (and optional contract, compatibility, backfill, lockTimeout, retries)',
);

/** `- contract: {}` — the migration's contract, after 100 % and drain, with approval. */
export const contractStep = hint(
  z.strictObject({ drain: duration(0, 3_600_000).optional(), ...approval.shape }),
  'a map with optional drain, message, approvers and allowAuthor, e.g. {} or { drain: 30s, approvers: [dba] }',
);
