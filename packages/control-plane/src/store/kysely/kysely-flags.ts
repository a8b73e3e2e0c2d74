import { VersionConflictError, type Flag, type FlagChange, type FlagRevision, type FlagUsage } from '@sluice/domain';
import { sql, type Kysely } from 'kysely';
import { checkFlagQuery, DEFAULT_FLAG_CHANGES_LIMIT, DEFAULT_FLAG_HISTORY_LIMIT, mergeFlagUsage } from '../flag-store-support.js';
import type { FlagStore } from '../store.js';
import { checkExpectedVersion } from '../store-input.js';
import type { TransactionLease } from '../transaction-scope.js';
import { parseBody, type StoreDatabase } from './store-database.js';

type Db = Kysely<StoreDatabase>;

/** Rows per insert: 4 parameters each stays far below SQLite's and Postgres's parameter limits. */
const CHUNK = 500;

function toFlag(row: { version: number; body: unknown }): Flag {
  return { ...parseBody(row.body), version: Number(row.version) } as unknown as Flag;
}

interface VersionRow {
  seq: number | string;
  name: string;
  version: number;
  body: unknown;
}

function toRevision(row: VersionRow): FlagRevision {
  const { change, spec } = parseBody(row.body) as unknown as Pick<FlagRevision, 'change' | 'spec'>;
  return { seq: Number(row.seq), name: row.name, version: Number(row.version), change, spec };
}

/**
 * Saves the flag with the optimistic check, then appends the version to flag_versions. Both run on
 * the caller's transaction, so they commit or roll back together. `lockHistory` runs first so that
 * on Postgres seq order is commit order (see KyselyStoreDialect.lockEventLog).
 */
async function saveFlag(db: Db, flag: Flag, expected: number, change: FlagChange, lockHistory: () => Promise<void>): Promise<Flag> {
  const { name } = flag;
  checkExpectedVersion('Flag', name, expected);
  await lockHistory();
  const { version: _version, ...rest } = flag;
  const columns = { version: expected + 1, body: JSON.stringify(rest) };
  const saved =
    expected === 0
      ? await db.insertInto('flags').values({ name, ...columns }).onConflict((oc) => oc.column('name').doNothing()).returning('version').executeTakeFirst()
      : await db.updateTable('flags').set(columns).where('name', '=', name).where('version', '=', expected).returning('version').executeTakeFirst();
  if (saved === undefined) {
    const current = await db.selectFrom('flags').select('version').where('name', '=', name).executeTakeFirst();
    throw new VersionConflictError('Flag', name, expected, current?.version);
  }
  const body = JSON.stringify({ change, spec: flag.spec });
  await db.insertInto('flag_versions').values({ name, version: expected + 1, at: change.at, body }).execute();
  return toFlag(columns);
}

/** Adds each (flag, environment)'s evaluations to its row and keeps the newest lastEvaluatedAt. */
async function addUsage(db: Db, usage: readonly FlagUsage[]): Promise<void> {
  const merged = mergeFlagUsage(usage);
  for (let start = 0; start < merged.length; start += CHUNK) {
    const values = merged.slice(start, start + CHUNK).map((u) => ({
      flag: u.flag,
      environment: u.environment,
      evaluations: u.evaluations,
      last_at: u.lastEvaluatedAt,
    }));
    await db
      .insertInto('flag_usage')
      .values(values)
      .onConflict((oc) =>
        oc.columns(['flag', 'environment']).doUpdateSet({
          evaluations: sql<number>`flag_usage.evaluations + excluded.evaluations`,
          // max()/greatest() differ between SQLite and Postgres; CASE is the same in both.
          last_at: sql<number>`case when excluded.last_at > flag_usage.last_at then excluded.last_at else flag_usage.last_at end`,
        }),
      )
      .execute();
  }
}

const VERSION_COLUMNS = ['seq', 'name', 'version', 'body'] as const;

/** The FlagStore over one Kysely handle (a transaction's connection, or the pool for reads). */
export function kyselyFlags(db: Db, lease: TransactionLease, lockHistory: () => Promise<void> = async () => {}): FlagStore {
  return {
    get: async (name) => {
      lease.check('flags.get');
      const row = await db.selectFrom('flags').select(['version', 'body']).where('name', '=', name).executeTakeFirst();
      return row === undefined ? undefined : toFlag(row);
    },
    list: async () => {
      lease.check('flags.list');
      return (await db.selectFrom('flags').select(['version', 'body']).orderBy('name').execute()).map(toFlag);
    },
    save: async (flag, expected, change) => {
      lease.check('flags.save');
      return saveFlag(db, flag, expected, change, lockHistory);
    },
    history: async (name, limit = DEFAULT_FLAG_HISTORY_LIMIT) => {
      lease.check('flags.history');
      checkFlagQuery('limit', limit);
      const rows = await db.selectFrom('flag_versions').select(VERSION_COLUMNS).where('name', '=', name).orderBy('version', 'desc').limit(limit).execute();
      return rows.map(toRevision);
    },
    revision: async (name, version) => {
      lease.check('flags.revision');
      if (!Number.isSafeInteger(version)) return undefined;
      const row = await db.selectFrom('flag_versions').select(VERSION_COLUMNS).where('name', '=', name).where('version', '=', version).executeTakeFirst();
      return row === undefined ? undefined : toRevision(row);
    },
    changesSince: async (afterSeq, limit = DEFAULT_FLAG_CHANGES_LIMIT) => {
      lease.check('flags.changesSince');
      checkFlagQuery('afterSeq', afterSeq);
      checkFlagQuery('limit', limit);
      const rows = await db.selectFrom('flag_versions').select(VERSION_COLUMNS).where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
      return rows.map(toRevision);
    },
    latestSeq: async () => {
      lease.check('flags.latestSeq');
      const row = await db.selectFrom('flag_versions').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
      return row === undefined ? 0 : Number(row.seq);
    },
    addUsage: async (usage) => {
      lease.check('flags.addUsage');
      await addUsage(db, usage);
    },
    usage: async () => {
      lease.check('flags.usage');
      const rows = await db.selectFrom('flag_usage').selectAll().orderBy('flag').orderBy('environment').execute();
      return rows.map((r) => ({ flag: r.flag, environment: r.environment, evaluations: Number(r.evaluations), lastEvaluatedAt: Number(r.last_at) }));
    },
  };
}
