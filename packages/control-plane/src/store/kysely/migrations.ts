import { ErrorCode, SluiceError } from '@sluice/domain';
import { sql, type Kysely } from 'kysely';
import type { StoreDatabase } from './store-database.js';

export type SqlDialectName = 'sqlite' | 'postgres';

/** One schema step. Versions only ever grow; a released migration never changes. */
interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: Readonly<Record<SqlDialectName, readonly string[]>>;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'services, rollouts and events',
    statements: {
      sqlite: [
        `create table services (name text primary key, version integer not null, body text not null) strict`,
        `create table rollouts (name text primary key, service text not null, phase text not null,
           created_at integer not null, version integer not null, body text not null) strict`,
        `create index rollouts_service_idx on rollouts (service, created_at, name)`,
        `create index rollouts_created_idx on rollouts (created_at, name)`,
        `create table events (seq integer primary key autoincrement, at integer not null, actor text not null,
           service text not null, subject_kind text not null, subject_name text not null, type text not null,
           body text not null) strict`,
        `create index events_service_idx on events (service, seq)`,
        `create index events_subject_idx on events (subject_kind, subject_name, seq)`,
      ],
      // collate "C": names sort by code point, as in SQLite and the memory store.
      postgres: [
        `create table services (name text collate "C" primary key, version integer not null, body json not null)`,
        `create table rollouts (name text collate "C" primary key, service text not null, phase text not null,
           created_at bigint not null, version integer not null, body json not null)`,
        `create index rollouts_service_idx on rollouts (service, created_at, name)`,
        `create index rollouts_created_idx on rollouts (created_at, name)`,
        `create table events (seq bigserial primary key, at bigint not null, actor text not null,
           service text not null, subject_kind text not null, subject_name text not null, type text not null,
           body json not null)`,
        `create index events_service_idx on events (service, seq)`,
        `create index events_subject_idx on events (subject_kind, subject_name, seq)`,
      ],
    },
  },
  {
    version: 2,
    name: 'segments',
    statements: {
      sqlite: [`create table segments (name text primary key, version integer not null, body text not null) strict`],
      postgres: [`create table segments (name text collate "C" primary key, version integer not null, body json not null)`],
    },
  },
  {
    version: 3,
    name: 'analysis templates',
    statements: {
      sqlite: [`create table analysis_templates (name text primary key, version integer not null, body text not null) strict`],
      postgres: [`create table analysis_templates (name text collate "C" primary key, version integer not null, body json not null)`],
    },
  },
  {
    version: 4,
    name: 'revisions',
    statements: {
      sqlite: [
        `create table revisions (service text not null, number integer not null, created_at integer not null,
           body text not null, primary key (service, number)) strict`,
      ],
      postgres: [
        `create table revisions (service text collate "C" not null, number integer not null, created_at bigint not null,
           body json not null, primary key (service, number))`,
      ],
    },
  },
  {
    version: 5,
    name: 'experiments',
    statements: {
      // Marks make a user's exposure and each conversion count once: one row per (experiment, user, mark).
      sqlite: [
        `create table experiments (name text primary key, service text, phase text not null, version integer not null, body text not null) strict`,
        `create index experiments_service_idx on experiments (service, name)`,
        `create table experiment_counts (experiment text primary key, body text not null) strict`,
        `create table experiment_marks (experiment text not null, key text not null, mark text not null,
           primary key (experiment, key, mark)) strict, without rowid`,
      ],
      postgres: [
        `create table experiments (name text collate "C" primary key, service text, phase text not null, version integer not null, body json not null)`,
        `create index experiments_service_idx on experiments (service, name)`,
        `create table experiment_counts (experiment text collate "C" primary key, body json not null)`,
        `create table experiment_marks (experiment text collate "C" not null, key text collate "C" not null, mark text collate "C" not null,
           primary key (experiment, key, mark))`,
      ],
    },
  },
  {
    version: 6,
    name: 'targets',
    statements: {
      sqlite: [`create table targets (name text primary key, version integer not null, body text not null) strict`],
      postgres: [`create table targets (name text collate "C" primary key, version integer not null, body json not null)`],
    },
  },
  {
    version: 7,
    name: 'flags',
    statements: {
      // flag_versions.seq orders the versions of all flags: a stream of changes resumes after it.
      sqlite: [
        `create table flags (name text primary key, version integer not null, body text not null) strict`,
        `create table flag_versions (seq integer primary key autoincrement, name text not null, version integer not null,
           at integer not null, body text not null, unique (name, version)) strict`,
        `create table flag_usage (flag text not null, environment text not null, evaluations integer not null,
           last_at integer not null, primary key (flag, environment)) strict, without rowid`,
      ],
      postgres: [
        `create table flags (name text collate "C" primary key, version integer not null, body json not null)`,
        `create table flag_versions (seq bigserial primary key, name text collate "C" not null, version integer not null,
           at bigint not null, body json not null, unique (name, version))`,
        `create table flag_usage (flag text collate "C" not null, environment text collate "C" not null,
           evaluations bigint not null, last_at bigint not null, primary key (flag, environment))`,
      ],
    },
  },
  {
    version: 8,
    name: 'metric samples',
    statements: {
      // One row per (service, version, second); the key makes a second written twice (two control
      // planes on one database) keep the first. Lists read by service and time; prune by time.
      sqlite: [
        `create table metric_samples (service text not null, at integer not null, version text not null,
           requests integer not null, errors integer not null, p50_ms real, p99_ms real,
           primary key (service, at, version)) strict, without rowid`,
        `create index metric_samples_at_idx on metric_samples (at)`,
      ],
      postgres: [
        `create table metric_samples (service text collate "C" not null, at bigint not null, version text collate "C" not null,
           requests integer not null, errors integer not null, p50_ms double precision, p99_ms double precision,
           primary key (service, at, version))`,
        `create index metric_samples_at_idx on metric_samples (at)`,
      ],
    },
  },
  {
    version: 9,
    name: 'event filters',
    statements: {
      // The audit log filters by actor and by type, newest first: each walks its index by seq.
      sqlite: [`create index if not exists events_actor_idx on events (actor, seq)`, `create index if not exists events_type_idx on events (type, seq)`],
      postgres: [`create index if not exists events_actor_idx on events (actor, seq)`, `create index if not exists events_type_idx on events (type, seq)`],
    },
  },
  {
    version: 10,
    name: 'webhooks',
    statements: {
      // Deliveries are read by due time (pending) and by webhook (dead letters); the cursor is one row.
      sqlite: [
        `create table webhooks (name text primary key, version integer not null, body text not null) strict`,
        `create table webhook_deliveries (id text primary key, webhook text not null, state text not null,
           next_at integer not null, seq integer not null, body text not null) strict`,
        `create index webhook_deliveries_due_idx on webhook_deliveries (state, next_at)`,
        `create index webhook_deliveries_webhook_idx on webhook_deliveries (webhook, state, seq)`,
        `create table webhook_cursor (name text primary key, seq integer not null) strict`,
      ],
      postgres: [
        `create table webhooks (name text collate "C" primary key, version integer not null, body json not null)`,
        `create table webhook_deliveries (id text collate "C" primary key, webhook text collate "C" not null, state text not null,
           next_at bigint not null, seq bigint not null, body json not null)`,
        `create index webhook_deliveries_due_idx on webhook_deliveries (state, next_at)`,
        `create index webhook_deliveries_webhook_idx on webhook_deliveries (webhook, state, seq)`,
        `create table webhook_cursor (name text collate "C" primary key, seq bigint not null)`,
      ],
    },
  },
  {
    version: 11,
    name: 'api tokens',
    statements: {
      // Looked up by id (the token text carries it) and by name; only a digest of the secret is kept.
      sqlite: [
        `create table tokens (id text primary key, name text not null unique, revoked_at integer, last_used_at integer, body text not null) strict`,
      ],
      postgres: [
        `create table tokens (id text collate "C" primary key, name text collate "C" not null unique, revoked_at bigint, last_used_at bigint, body json not null)`,
      ],
    },
  },
  {
    version: 12,
    name: 'leases, published routes, data plane reports',
    statements: {
      // A data plane resumes by generation; the leader finds live routes by service.
      sqlite: [
        `create table leases (name text primary key, holder text not null, token integer not null, expires_at integer not null) strict`,
        `create table published_routes (service text primary key, generation integer not null, removed integer not null, body text not null) strict`,
        `create index published_routes_generation_idx on published_routes (generation)`,
        `create table data_plane_reports (id text primary key, received_at integer not null, body text not null) strict`,
      ],
      postgres: [
        `create table leases (name text collate "C" primary key, holder text not null, token bigint not null, expires_at bigint not null)`,
        `create table published_routes (service text collate "C" primary key, generation bigint not null, removed integer not null, body json not null)`,
        `create index published_routes_generation_idx on published_routes (generation)`,
        `create table data_plane_reports (id text collate "C" primary key, received_at bigint not null, body json not null)`,
      ],
    },
  },
  {
    version: 13,
    name: 'active rollouts index',
    statements: {
      // The controller lists the active rollouts several times a pass; finished ones pile up forever.
      // A partial index holds only the active ones (the predicate is ACTIVE_ROLLOUTS_SQL, literally).
      sqlite: [`create index if not exists rollouts_active_idx on rollouts (created_at, name) where phase not in ('Succeeded', 'Aborted', 'Failed')`],
      postgres: [`create index if not exists rollouts_active_idx on rollouts (created_at, name) where phase not in ('Succeeded', 'Aborted', 'Failed')`],
    },
  },
];

/** The newest schema version this code knows. */
export const SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/**
 * Applies every migration not yet recorded in `schema_migrations`. Must run inside a transaction
 * that excludes other migrators (SQLite: BEGIN IMMEDIATE; Postgres: an advisory lock taken first),
 * so two processes opening one database at once apply each migration exactly once.
 */
export async function migrate(db: Kysely<StoreDatabase>, dialect: SqlDialectName): Promise<void> {
  await sql
    .raw(
      `create table if not exists schema_migrations (version integer primary key, name text not null, applied_at bigint not null)`,
    )
    .execute(db);
  const rows = await db.selectFrom('schema_migrations').select('version').execute();
  const applied = new Set(rows.map((row) => Number(row.version)));
  const newest = Math.max(0, ...applied);
  if (newest > SCHEMA_VERSION) {
    throw new SluiceError(
      ErrorCode.INTERNAL,
      `The database schema is at version ${newest}, newer than this Sluice supports (${SCHEMA_VERSION}): upgrade Sluice or point it at another database`,
      { details: { found: newest, supported: SCHEMA_VERSION } },
    );
  }
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    for (const statement of migration.statements[dialect]) await sql.raw(statement).execute(db);
    await db
      .insertInto('schema_migrations')
      .values({ version: migration.version, name: migration.name, applied_at: Date.now() })
      .execute();
  }
}
