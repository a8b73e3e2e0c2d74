import { EMPTY_EXPERIMENT_COUNTS, VersionConflictError, type Experiment, type ExperimentCounts, type ExperimentMark } from '@sluice/domain';
import type { Kysely } from 'kysely';
import type { ExperimentFilter, ExperimentStore } from '../store.js';
import { checkExpectedVersion } from '../store-input.js';
import type { TransactionLease } from '../transaction-scope.js';
import { parseBody, type StoreDatabase } from './store-database.js';

type Db = Kysely<StoreDatabase>;

/** Keys per `in (…)` and rows per insert: far below SQLite's and Postgres's parameter limits. */
const CHUNK = 500;

function toExperiment(row: { version: number; body: unknown }): Experiment {
  return { ...parseBody(row.body), version: Number(row.version) } as unknown as Experiment;
}

async function saveExperiment(db: Db, experiment: Experiment, expected: number): Promise<Experiment> {
  const { name } = experiment;
  checkExpectedVersion('Experiment', name, expected);
  const { version: _version, ...rest } = experiment;
  const columns = { service: experiment.spec.service ?? null, phase: experiment.status.phase, version: expected + 1, body: JSON.stringify(rest) };
  const saved =
    expected === 0
      ? await db.insertInto('experiments').values({ name, ...columns }).onConflict((oc) => oc.column('name').doNothing()).returning('version').executeTakeFirst()
      : await db.updateTable('experiments').set(columns).where('name', '=', name).where('version', '=', expected).returning('version').executeTakeFirst();
  if (saved === undefined) {
    const current = await db.selectFrom('experiments').select('version').where('name', '=', name).executeTakeFirst();
    throw new VersionConflictError('Experiment', name, expected, current?.version);
  }
  return toExperiment(columns);
}

async function listExperiments(db: Db, filter: ExperimentFilter): Promise<Experiment[]> {
  let query = db.selectFrom('experiments').select(['version', 'body']).orderBy('name');
  if (filter.service !== undefined) query = query.where('service', '=', filter.service);
  if (filter.runningOnly === true) query = query.where('phase', '=', 'Running');
  return (await query.execute()).map(toExperiment);
}

async function readMarks(db: Db, name: string, keys: readonly string[]): Promise<Map<string, Set<string>>> {
  const found = new Map<string, Set<string>>();
  const unique = [...new Set(keys)];
  for (let start = 0; start < unique.length; start += CHUNK) {
    const rows = await db.selectFrom('experiment_marks').select(['key', 'mark'])
      .where('experiment', '=', name).where('key', 'in', unique.slice(start, start + CHUNK)).execute();
    for (const row of rows) found.set(row.key, (found.get(row.key) ?? new Set()).add(row.mark));
  }
  return found;
}

async function insertMarks(db: Db, name: string, marks: readonly ExperimentMark[]): Promise<void> {
  for (let start = 0; start < marks.length; start += CHUNK) {
    const values = marks.slice(start, start + CHUNK).map((m) => ({ experiment: name, key: m.key, mark: m.mark }));
    await db.insertInto('experiment_marks').values(values).onConflict((oc) => oc.columns(['experiment', 'key', 'mark']).doNothing()).execute();
  }
}

/** The ExperimentStore over one Kysely handle (a transaction's connection, or the pool for reads). */
export function kyselyExperiments(db: Db, lease: TransactionLease): ExperimentStore {
  return {
    get: async (name) => {
      lease.check('experiments.get');
      const row = await db.selectFrom('experiments').select(['version', 'body']).where('name', '=', name).executeTakeFirst();
      return row === undefined ? undefined : toExperiment(row);
    },
    list: async (filter) => {
      lease.check('experiments.list');
      return listExperiments(db, filter ?? {});
    },
    save: async (experiment, expected) => {
      lease.check('experiments.save');
      return saveExperiment(db, experiment, expected);
    },
    counts: async (name) => {
      lease.check('experiments.counts');
      const row = await db.selectFrom('experiment_counts').select('body').where('experiment', '=', name).executeTakeFirst();
      return row === undefined ? EMPTY_EXPERIMENT_COUNTS : (parseBody(row.body) as unknown as ExperimentCounts);
    },
    saveCounts: async (name, counts) => {
      lease.check('experiments.saveCounts');
      const body = JSON.stringify(counts);
      await db.insertInto('experiment_counts').values({ experiment: name, body }).onConflict((oc) => oc.column('experiment').doUpdateSet({ body })).execute();
    },
    marks: async (name, keys) => {
      lease.check('experiments.marks');
      return readMarks(db, name, keys);
    },
    addMarks: async (name, marks) => {
      lease.check('experiments.addMarks');
      await insertMarks(db, name, marks);
    },
  };
}
