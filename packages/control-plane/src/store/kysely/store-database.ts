import type { ColumnType } from 'kysely';

/**
 * JSON bodies: inserted as JSON text; read back as text (SQLite) or already parsed (Postgres
 * `json`, which pg parses). `parseBody` accepts both.
 */
type JsonBody = ColumnType<unknown, string, string>;
/** Postgres returns bigint columns as strings; SQLite returns numbers. */
type BigIntColumn = ColumnType<number | string, number, number>;

export interface ServicesTable {
  readonly name: string;
  readonly version: number;
  readonly body: JsonBody;
}

export interface RolloutsTable {
  readonly name: string;
  readonly service: string;
  readonly phase: string;
  readonly created_at: BigIntColumn;
  readonly version: number;
  readonly body: JsonBody;
}

export interface SegmentsTable {
  readonly name: string;
  readonly version: number;
  readonly body: JsonBody;
}

export interface AnalysisTemplatesTable {
  readonly name: string;
  readonly version: number;
  readonly body: JsonBody;
}

export interface TargetsTable {
  readonly name: string;
  readonly version: number;
  readonly body: JsonBody;
}

export interface RevisionsTable {
  readonly service: string;
  readonly number: number;
  readonly created_at: BigIntColumn;
  readonly body: JsonBody;
}

export interface EventsTable {
  readonly seq: ColumnType<number | string, never, never>;
  readonly at: BigIntColumn;
  readonly actor: string;
  readonly service: string;
  readonly subject_kind: string;
  readonly subject_name: string;
  readonly type: string;
  readonly body: JsonBody;
}

export interface ExperimentsTable {
  readonly name: string;
  readonly service: string | null;
  readonly phase: string;
  readonly version: number;
  readonly body: JsonBody;
}

export interface ExperimentCountsTable {
  readonly experiment: string;
  readonly body: JsonBody;
}

export interface ExperimentMarksTable {
  readonly experiment: string;
  readonly key: string;
  readonly mark: string;
}

export interface FlagsTable {
  readonly name: string;
  readonly version: number;
  readonly body: JsonBody;
}

/** One row per saved version of a flag; the body holds its change and spec. */
export interface FlagVersionsTable {
  readonly seq: ColumnType<number | string, never, never>;
  readonly name: string;
  readonly version: number;
  readonly at: BigIntColumn;
  readonly body: JsonBody;
}

export interface FlagUsageTable {
  readonly flag: string;
  readonly environment: string;
  readonly evaluations: BigIntColumn;
  readonly last_at: BigIntColumn;
}

/** One second of one version's traffic (metric history). */
export interface MetricSamplesTable {
  readonly service: string;
  readonly at: BigIntColumn;
  readonly version: string;
  readonly requests: number;
  readonly errors: number;
  readonly p50_ms: number | null;
  readonly p99_ms: number | null;
}

export interface WebhooksTable {
  readonly name: string;
  readonly version: number;
  readonly body: JsonBody;
}

/** One delivery of one event to one webhook, pending or dead; the body is the WebhookDelivery. */
export interface WebhookDeliveriesTable {
  readonly id: string;
  readonly webhook: string;
  readonly state: string;
  readonly next_at: BigIntColumn;
  readonly seq: BigIntColumn;
  readonly body: JsonBody;
}

/** The seq of the last event turned into deliveries (one row, name "events"). */
export interface WebhookCursorTable {
  readonly name: string;
  readonly seq: BigIntColumn;
}

/** Leader-election leases (see coordination.ts). */
export interface LeasesTable {
  readonly name: string;
  readonly holder: string;
  readonly token: BigIntColumn;
  readonly expires_at: BigIntColumn;
}

/** Route tables published to remote data planes: one row per service, tombstones included. */
export interface PublishedRoutesTable {
  readonly service: string;
  readonly generation: BigIntColumn;
  readonly removed: number;
  readonly body: JsonBody;
}

/** The latest report of each remote data plane; the body is the DataPlaneReport. */
export interface DataPlaneReportsTable {
  readonly id: string;
  readonly received_at: BigIntColumn;
  readonly body: JsonBody;
}

/** API tokens: the body holds what never changes after creation (the secret's digest included). */
export interface TokensTable {
  readonly id: string;
  readonly name: string;
  readonly revoked_at: ColumnType<number | string | null, number | null, number | null>;
  readonly last_used_at: ColumnType<number | string | null, number | null, number | null>;
  readonly body: JsonBody;
}

export interface SchemaMigrationsTable {
  readonly version: number;
  readonly name: string;
  readonly applied_at: BigIntColumn;
}

/** The store's tables as Kysely sees them, shared by the SQLite and Postgres dialects. */
export interface StoreDatabase {
  services: ServicesTable;
  rollouts: RolloutsTable;
  segments: SegmentsTable;
  analysis_templates: AnalysisTemplatesTable;
  targets: TargetsTable;
  revisions: RevisionsTable;
  events: EventsTable;
  experiments: ExperimentsTable;
  experiment_counts: ExperimentCountsTable;
  experiment_marks: ExperimentMarksTable;
  flags: FlagsTable;
  flag_versions: FlagVersionsTable;
  flag_usage: FlagUsageTable;
  metric_samples: MetricSamplesTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_cursor: WebhookCursorTable;
  leases: LeasesTable;
  published_routes: PublishedRoutesTable;
  data_plane_reports: DataPlaneReportsTable;
  tokens: TokensTable;
  schema_migrations: SchemaMigrationsTable;
}

export function parseBody(body: unknown): Record<string, unknown> {
  return (typeof body === 'string' ? JSON.parse(body) : body) as Record<string, unknown>;
}
