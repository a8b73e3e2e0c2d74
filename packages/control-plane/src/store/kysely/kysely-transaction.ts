import { TERMINAL_PHASES, VersionConflictError } from '@sluice/domain';
import type { AnalysisTemplate, NewReleaseEvent, ReleaseEvent, Rollout, Segment, Service, Target, Webhook } from '@sluice/domain';
import { sql, type Kysely } from 'kysely';
import type {
  AnalysisTemplateStore,
  EventFilter,
  EventLog,
  RolloutFilter,
  RolloutStore,
  SegmentStore,
  ServiceStore,
  StoreTransaction,
  TargetStore,
  WebhookStore,
} from '../store.js';
import { checkExpectedVersion, eventWindow } from '../store-input.js';
import type { TransactionLease } from '../transaction-scope.js';
import { kyselyExperiments } from './kysely-experiments.js';
import { kyselyFlags } from './kysely-flags.js';
import { kyselyRevisions } from './kysely-revisions.js';
import { kyselyLeaseCheck, kyselyPublishedRoutes } from './kysely-coordination.js';
import { parseBody, type StoreDatabase } from './store-database.js';

type Db = Kysely<StoreDatabase>;

export interface KyselyTransactionOptions {
  /** Checked before every call: fails once the transaction has finished. */
  readonly lease: TransactionLease;
  /** Runs before the first append of the transaction (Postgres: serialises seq with commit order). */
  readonly beforeFirstAppend?: (db: Db) => Promise<void>;
}

/** The store's query code over one Kysely handle (a transaction's connection, or the pool for reads). */
export function createKyselyTransaction(db: Db, options: KyselyTransactionOptions): StoreTransaction {
  const { lease } = options;
  let appended = false;
  /** Flag saves take the same lock: flag_versions.seq is a stream's resume point too. */
  const lockAppends = async () => {
    if (!appended) await options.beforeFirstAppend?.(db);
    appended = true;
  };
  const services: ServiceStore = {
    get: async (name) => {
      lease.check('services.get');
      const row = await db.selectFrom('services').selectAll().where('name', '=', name).executeTakeFirst();
      return row === undefined ? undefined : toRecord<Service>(row);
    },
    list: async () => {
      lease.check('services.list');
      const rows = await db.selectFrom('services').selectAll().orderBy('name').execute();
      return rows.map((row) => toRecord<Service>(row));
    },
    save: async (service, expected) => {
      lease.check('services.save');
      return saveService(db, service, expected);
    },
  };
  const rollouts: RolloutStore = {
    get: async (name) => {
      lease.check('rollouts.get');
      const row = await db.selectFrom('rollouts').selectAll().where('name', '=', name).executeTakeFirst();
      return row === undefined ? undefined : toRecord<Rollout>(row);
    },
    list: async (filter) => {
      lease.check('rollouts.list');
      return listRollouts(db, filter ?? {});
    },
    save: async (rollout, expected) => {
      lease.check('rollouts.save');
      return saveRollout(db, rollout, expected);
    },
  };
  const events: EventLog = {
    append: async (drafts) => {
      lease.check('events.append');
      if (drafts.length === 0) return [];
      await lockAppends();
      return appendEvents(db, drafts);
    },
    list: async (filter) => {
      lease.check('events.list');
      return listEvents(db, filter ?? {});
    },
  };
  const segments: SegmentStore = namedStore<Segment>(db, lease, 'segments', 'Segment', 'segments');
  const analysisTemplates: AnalysisTemplateStore = namedStore<AnalysisTemplate>(db, lease, 'analysis_templates', 'AnalysisTemplate', 'analysisTemplates');
  const targets: TargetStore = namedStore<Target>(db, lease, 'targets', 'Target', 'targets');
  const webhooks: WebhookStore = namedStore<Webhook>(db, lease, 'webhooks', 'Webhook', 'webhooks');
  const experiments = kyselyExperiments(db, lease);
  const flags = kyselyFlags(db, lease, lockAppends);
  return { services, rollouts, segments, analysisTemplates, revisions: kyselyRevisions(db, lease), events, experiments, targets, flags, webhooks, leases: kyselyLeaseCheck(db, lease), routes: kyselyPublishedRoutes(db, lease, lockAppends) };
}

/** Tables of records kept as name + version + JSON body. */
type NamedTable = 'services' | 'segments' | 'analysis_templates' | 'targets' | 'webhooks';

/** get/list/save over one named-record table (segments, analysis templates). */
function namedStore<T extends { readonly name: string; readonly version: number }>(
  db: Db,
  lease: TransactionLease,
  table: NamedTable,
  kind: string,
  label: string,
) {
  return {
    get: async (name: string) => {
      lease.check(`${label}.get`);
      const row = await db.selectFrom(table as 'segments').selectAll().where('name', '=', name).executeTakeFirst();
      return row === undefined ? undefined : toRecord<T>(row);
    },
    list: async () => {
      lease.check(`${label}.list`);
      const rows = await db.selectFrom(table as 'segments').selectAll().orderBy('name').execute();
      return rows.map((row) => toRecord<T>(row));
    },
    save: async (record: T, expected: number) => {
      lease.check(`${label}.save`);
      return saveNamed(db, table, kind, record, expected);
    },
  };
}

function toRecord<T>(row: { version: number; body: unknown }): T {
  return { ...parseBody(row.body), version: Number(row.version) } as T;
}

/** The stored JSON of a record: everything but `version`, which lives in its own column. */
function bodyJson(record: { readonly version: number }): string {
  const { version: _version, ...body } = record;
  return JSON.stringify(body);
}

/**
 * Saves a record kept as name + version + JSON body (services, segments, analysis templates) with the
 * optimistic check. The tables have the same columns, so one query serves them all.
 */
async function saveNamed<T extends { readonly name: string; readonly version: number }>(
  db: Db,
  table: NamedTable,
  kind: string,
  record: T,
  expected: number,
): Promise<T> {
  const { name } = record;
  checkExpectedVersion(kind, name, expected);
  const body = bodyJson(record);
  const saved =
    expected === 0
      ? await db
          .insertInto(table as 'services')
          .values({ name, version: 1, body })
          .onConflict((oc) => oc.column('name').doNothing())
          .returning('version')
          .executeTakeFirst()
      : await db
          .updateTable(table as 'services')
          .set({ version: expected + 1, body })
          .where('name', '=', name)
          .where('version', '=', expected)
          .returning('version')
          .executeTakeFirst();
  if (saved === undefined) {
    const current = await db.selectFrom(table as 'services').select('version').where('name', '=', name).executeTakeFirst();
    throw new VersionConflictError(kind, name, expected, current?.version);
  }
  return toRecord<T>({ version: expected + 1, body });
}

const saveService = (db: Db, service: Service, expected: number) => saveNamed(db, 'services', 'Service', service, expected);

async function saveRollout(db: Db, rollout: Rollout, expected: number): Promise<Rollout> {
  const { name } = rollout;
  checkExpectedVersion('Rollout', name, expected);
  const columns = {
    service: rollout.spec.service,
    phase: rollout.status.phase,
    created_at: rollout.status.createdAt,
    version: expected + 1,
    body: bodyJson(rollout),
  };
  const saved =
    expected === 0
      ? await db
          .insertInto('rollouts')
          .values({ name, ...columns })
          .onConflict((oc) => oc.column('name').doNothing())
          .returning('version')
          .executeTakeFirst()
      : await db
          .updateTable('rollouts')
          .set(columns)
          .where('name', '=', name)
          .where('version', '=', expected)
          .returning('version')
          .executeTakeFirst();
  if (saved === undefined) {
    const current = await db.selectFrom('rollouts').select('version').where('name', '=', name).executeTakeFirst();
    throw new VersionConflictError('Rollout', name, expected, current?.version);
  }
  return toRecord<Rollout>(columns);
}

/**
 * The predicate of the partial index rollouts_active_idx (migration 13), as literal SQL: a planner
 * uses a partial index only when the query's condition matches it, which bound parameters never do.
 */
const ACTIVE_ROLLOUTS_SQL = sql<boolean>`phase not in (${sql.raw([...TERMINAL_PHASES].map((p) => `'${p}'`).join(', '))})`;

async function listRollouts(db: Db, filter: RolloutFilter): Promise<Rollout[]> {
  let query = db.selectFrom('rollouts').selectAll().orderBy('created_at').orderBy('name');
  if (filter.service !== undefined) query = query.where('service', '=', filter.service);
  if (filter.activeOnly === true) query = query.where(ACTIVE_ROLLOUTS_SQL);
  const rows = await query.execute();
  return rows.map((row) => toRecord<Rollout>(row));
}

/** Rows per INSERT: 8 parameters each stays far below SQLite's and Postgres's parameter limits. */
const APPEND_CHUNK = 500;

async function appendEvents(db: Db, drafts: readonly NewReleaseEvent[]): Promise<ReleaseEvent[]> {
  const out: ReleaseEvent[] = [];
  for (let start = 0; start < drafts.length; start += APPEND_CHUNK) {
    const chunk = drafts.slice(start, start + APPEND_CHUNK);
    const bodies = chunk.map(eventBody);
    const rows = await db
      .insertInto('events')
      .values(
        chunk.map((event, i) => ({
          at: event.at,
          actor: event.actor,
          service: event.service,
          subject_kind: event.subject.kind,
          subject_name: event.subject.name,
          type: event.type,
          body: bodies[i] as string,
        })),
      )
      .returning('seq')
      .execute();
    // Rows get seq in VALUES order and no other writer can interleave (SQLite has one writer;
    // Postgres holds the event-log lock), but RETURNING order is unspecified: sort to match.
    const seqs = rows.map((row) => Number(row.seq)).sort((a, b) => a - b);
    bodies.forEach((body, i) => out.push({ seq: seqs[i] as number, ...(JSON.parse(body) as NewReleaseEvent) }));
  }
  return out;
}

/** The stored JSON of an event. A caller may pass a ReleaseEvent it read earlier: drop its old seq. */
function eventBody(event: NewReleaseEvent): string {
  const { seq: _ignored, ...fields } = event as NewReleaseEvent & { seq?: unknown };
  return JSON.stringify(fields);
}

/** A LIKE pattern for an event body recorded from `source`; an address has no LIKE wildcards but a zone's "%". */
function sourcePattern(source: string): string {
  return `%"source":${JSON.stringify(source.replace(/[%_\\]/g, ''))}%`;
}

async function listEvents(db: Db, filter: EventFilter): Promise<ReleaseEvent[]> {
  const { limit, afterSeq, beforeSeq, desc } = eventWindow(filter);
  let query = db.selectFrom('events').select(['seq', 'body']).orderBy('seq', desc ? 'desc' : 'asc').limit(limit);
  if (afterSeq !== undefined) query = query.where('seq', '>', afterSeq);
  if (beforeSeq !== undefined) query = query.where('seq', '<', beforeSeq);
  if (filter.service !== undefined) query = query.where('service', '=', filter.service);
  if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
  // The source lives in the JSON body (no column): its text holds `"source":"<address>"` exactly.
  if (filter.source !== undefined) query = query.where(sql`cast(body as text)`, 'like', sourcePattern(filter.source));
  if (filter.subject !== undefined) {
    query = query.where('subject_kind', '=', filter.subject.kind).where('subject_name', '=', filter.subject.name);
  }
  if (filter.types !== undefined) {
    if (filter.types.length === 0) return [];
    query = query.where('type', 'in', [...filter.types]);
  }
  if (filter.excludeTypes !== undefined && filter.excludeTypes.length > 0) {
    query = query.where('type', 'not in', [...filter.excludeTypes]);
  }
  const rows = await query.execute();
  const events = rows.map((row) => ({ seq: Number(row.seq), ...(parseBody(row.body) as NewReleaseEvent) }));
  return filter.source === undefined ? events : events.filter((e) => e.source === filter.source);
}
