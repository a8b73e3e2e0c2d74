import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { sql, type Kysely } from 'kysely';
import type {
  AnalysisTemplateStore,
  EventLog,
  ExperimentStore,
  FlagStore,
  MetricSampleStore,
  RevisionStore,
  RolloutStore,
  SegmentStore,
  ServiceStore,
  Store,
  StoreTransaction,
  TargetStore,
  WebhookDeliveryStore,
  WebhookStore,
} from '../store.js';
import { delegateFlags } from '../flag-store-support.js';
import { delegateWebhooks } from '../webhook-deliveries-input.js';
import { closedStoreError } from '../store-input.js';
import { TransactionLease, TransactionScope } from '../transaction-scope.js';
import { kyselyMetricSamples } from './kysely-metric-samples.js';
import { kyselyWebhookDeliveries } from './kysely-webhook-deliveries.js';
import { kyselyTokens } from './kysely-tokens.js';
import type { TokenStore } from '../token-store.js';
import { createKyselyTransaction } from './kysely-transaction.js';
import { kyselyDataPlaneReports, kyselyLeaseStore } from './kysely-coordination.js';
import { delegateRoutes, type DataPlaneReportStore, type LeaseStore, type PublishedRouteStore } from '../coordination.js';
import { migrate, type SqlDialectName } from './migrations.js';
import type { StoreDatabase } from './store-database.js';

type Db = Kysely<StoreDatabase>;

/** What differs between the SQL databases behind the one Kysely store. */
export interface KyselyStoreDialect {
  readonly name: SqlDialectName;
  /** Statement that opens a read-write transaction. */
  readonly begin: string;
  /**
   * Statement that opens the migration transaction. On Postgres it must not be SERIALIZABLE: its
   * snapshot would predate the lock wait and miss tables another process just created.
   */
  readonly beginMigration: string;
  /** Opens a transaction of writes that need no serialisable isolation (metric samples); default `begin`. */
  readonly beginIndependent?: string;
  /** Runs first inside the migration transaction: excludes other processes migrating at once. */
  lockMigrations(db: Db): Promise<void>;
  /** Runs before a transaction's first event append, so `seq` order is commit order. */
  lockEventLog?(db: Db): Promise<void>;
  /** True when a failed transaction may simply be run again (a serialization failure). */
  isRetryable(error: unknown): boolean;
}

/** Attempts per transaction when the database reports serialization failures. */
const MAX_ATTEMPTS = 10;

/**
 * Store over SQLite or Postgres through Kysely. Plain reads run directly; every write, including
 * a single save outside `transaction()`, runs in its own transaction. On Postgres a transaction
 * that hits a serialization failure is rolled back and `work` runs again from the start (up to
 * 10 times), so `work` must not have effects outside the transaction.
 */
export class KyselyStore implements Store {
  readonly kind: string;
  readonly services: ServiceStore;
  readonly rollouts: RolloutStore;
  readonly segments: SegmentStore;
  readonly analysisTemplates: AnalysisTemplateStore;
  readonly targets: TargetStore;
  readonly revisions: RevisionStore;
  readonly events: EventLog;
  readonly experiments: ExperimentStore;
  readonly flags: FlagStore;
  readonly metricSamples: MetricSampleStore;
  readonly webhooks: WebhookStore;
  readonly webhookDeliveries: WebhookDeliveryStore;
  readonly tokens: TokenStore;
  readonly leases: LeaseStore;
  readonly routes: PublishedRouteStore;
  readonly dataPlaneReports: DataPlaneReportStore;
  readonly #db: Db;
  readonly #dialect: KyselyStoreDialect;
  readonly #scope = new TransactionScope();
  #closing: Promise<void> | undefined;

  private constructor(db: Db, dialect: KyselyStoreDialect) {
    this.#db = db;
    this.#dialect = dialect;
    this.kind = dialect.name;
    const reads = createKyselyTransaction(db, { lease: new TransactionLease() });
    const read = async <T>(operation: string, run: (view: StoreTransaction) => Promise<T>): Promise<T> => {
      this.#check(operation);
      return run(reads);
    };
    this.services = {
      get: (name) => read('services.get', (v) => v.services.get(name)),
      list: () => read('services.list', (v) => v.services.list()),
      save: (service, expected) => this.transaction((tx) => tx.services.save(service, expected)),
    };
    this.rollouts = {
      get: (name) => read('rollouts.get', (v) => v.rollouts.get(name)),
      list: (filter) => read('rollouts.list', (v) => v.rollouts.list(filter)),
      save: (rollout, expected) => this.transaction((tx) => tx.rollouts.save(rollout, expected)),
    };
    this.segments = {
      get: (name) => read('segments.get', (v) => v.segments.get(name)),
      list: () => read('segments.list', (v) => v.segments.list()),
      save: (segment, expected) => this.transaction((tx) => tx.segments.save(segment, expected)),
    };
    this.targets = {
      get: (name) => read('targets.get', (v) => v.targets.get(name)),
      list: () => read('targets.list', (v) => v.targets.list()),
      save: (target, expected) => this.transaction((tx) => tx.targets.save(target, expected)),
    };
    this.analysisTemplates = {
      get: (name) => read('analysisTemplates.get', (v) => v.analysisTemplates.get(name)),
      list: () => read('analysisTemplates.list', (v) => v.analysisTemplates.list()),
      save: (template, expected) => this.transaction((tx) => tx.analysisTemplates.save(template, expected)),
    };
    this.revisions = {
      append: (revision) => this.transaction((tx) => tx.revisions.append(revision)),
      list: (service) => read('revisions.list', (v) => v.revisions.list(service)),
      get: (service, number) => read('revisions.get', (v) => v.revisions.get(service, number)),
    };
    this.events = {
      append: (events) => this.transaction((tx) => tx.events.append(events)),
      list: (filter) => read('events.list', (v) => v.events.list(filter)),
    };
    this.experiments = {
      get: (name) => read('experiments.get', (v) => v.experiments.get(name)),
      list: (filter) => read('experiments.list', (v) => v.experiments.list(filter)),
      save: (experiment, expected) => this.transaction((tx) => tx.experiments.save(experiment, expected)),
      counts: (name) => read('experiments.counts', (v) => v.experiments.counts(name)),
      saveCounts: (name, counts) => this.transaction((tx) => tx.experiments.saveCounts(name, counts)),
      marks: (name, keys) => read('experiments.marks', (v) => v.experiments.marks(name, keys)),
      addMarks: (name, marks) => this.transaction((tx) => tx.experiments.addMarks(name, marks)),
    };
    this.webhooks = delegateWebhooks((operation, run) => read(operation, (v) => run(v.webhooks)), (run) => this.transaction((tx) => run(tx.webhooks)));
    this.flags = delegateFlags((operation, run) => read(operation, (v) => run(v.flags)), (run) => this.transaction((tx) => run(tx.flags)));
    ({ metricSamples: this.metricSamples, webhookDeliveries: this.webhookDeliveries, tokens: this.tokens, leases: this.leases, dataPlaneReports: this.dataPlaneReports } = independentStores(db, dialect, (operation) => this.#check(operation)));
    this.routes = delegateRoutes((operation, run) => read(operation, (v) => run(v.routes)), (run) => this.transaction((tx) => run(tx.routes)));
  }

  /** Migrates the schema to the newest version and returns the ready store. */
  static async open(db: Db, dialect: KyselyStoreDialect): Promise<KyselyStore> {
    await db.connection().execute((conn) =>
      inTransaction(conn, dialect.beginMigration, async () => {
        await dialect.lockMigrations(conn);
        await migrate(conn, dialect.name);
      }),
    );
    return new KyselyStore(db, dialect);
  }

  async transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    this.#check('transaction()');
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#db.connection().execute((conn) => this.#attempt(conn, work));
      } catch (error) {
        if (!this.#dialect.isRetryable(error)) throw error;
        if (attempt >= MAX_ATTEMPTS) throw serializationError(attempt, error);
        // Jitter so the writers that collided do not collide again in lockstep.
        await sleep(Math.random() * 5 * attempt);
      }
    }
  }

  async close(): Promise<void> {
    this.#closing ??= this.#db.destroy();
    await this.#closing;
  }

  #attempt<T>(conn: Db, work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    const lease = new TransactionLease();
    const lockEventLog = this.#dialect.lockEventLog?.bind(this.#dialect);
    const tx = createKyselyTransaction(conn, lockEventLog ? { lease, beforeFirstAppend: lockEventLog } : { lease });
    return inTransaction(conn, this.#dialect.begin, () => this.#scope.run(() => work(tx))).finally(() =>
      lease.finish(),
    );
  }

  #check(operation: string): void {
    if (this.#closing !== undefined) throw closedStoreError(this.kind, operation);
    this.#scope.assertOutside(operation);
  }
}

/** BEGIN … COMMIT around `work` on one connection; ROLLBACK (best effort) when anything throws. */
async function inTransaction<T>(conn: Db, begin: string, work: () => Promise<T>): Promise<T> {
  await sql.raw(begin).execute(conn);
  try {
    const result = await work();
    await sql.raw('commit').execute(conn);
    return result;
  } catch (error) {
    try {
      await sql.raw('rollback').execute(conn);
    } catch {
      // The transaction is already gone (failed commit, broken connection); report the first error.
    }
    throw error;
  }
}

function serializationError(attempts: number, cause: unknown): SluiceError {
  return new SluiceError(
    ErrorCode.VERSION_CONFLICT,
    `A transaction could not be serialised after ${attempts} attempts because other writers kept changing the same records: retry later`,
    { cause, details: { attempts } },
  );
}

/** The stores outside transactions: each call is a short transaction of its own (no serialisable isolation needed). */
function independentStores(db: Db, dialect: KyselyStoreDialect, check: (operation: string) => void) {
  const begin = dialect.beginIndependent ?? dialect.begin;
  const write = <T>(work: (conn: Db) => Promise<T>) => db.connection().execute((conn) => inTransaction(conn, begin, () => work(conn)));
  const access = { check, db, write };
  return {
    metricSamples: kyselyMetricSamples(access),
    webhookDeliveries: kyselyWebhookDeliveries(access),
    tokens: kyselyTokens(access),
    leases: kyselyLeaseStore(access, dialect.name === 'postgres'),
    dataPlaneReports: kyselyDataPlaneReports(access),
  };
}
