import type { Kysely } from 'kysely';
import { checkMetricSamples, checkPruneTime, metricSampleLimit } from '../metric-samples-input.js';
import type { MetricSample, MetricSampleStore } from '../store.js';
import type { StoreDatabase } from './store-database.js';

type Db = Kysely<StoreDatabase>;

/** How the metric history reaches the database: plain reads on the pool, writes in a transaction of their own. */
export interface MetricSampleAccess {
  /** Throws when the store is closed (or the call comes from inside a transaction). */
  check(operation: string): void;
  readonly db: Db;
  /** Runs `work` in one transaction on one connection. */
  write<T>(work: (conn: Db) => Promise<T>): Promise<T>;
}

/** Rows per INSERT: 7 parameters each, well under SQLite's and Postgres's parameter limits. */
const INSERT_CHUNK = 1000;

/**
 * metric_samples over SQLite or Postgres. An append is one transaction of multi-row INSERTs that
 * skip rows whose (service, at, version) is already stored, so two writers never duplicate a second.
 */
export function kyselyMetricSamples(access: MetricSampleAccess): MetricSampleStore {
  return {
    append: async (samples) => {
      access.check('metricSamples.append');
      checkMetricSamples(samples);
      if (samples.length === 0) return 0;
      return access.write(async (conn) => {
        let added = 0;
        for (let start = 0; start < samples.length; start += INSERT_CHUNK) {
          const rows = samples.slice(start, start + INSERT_CHUNK).map(toRow);
          const result = await conn
            .insertInto('metric_samples')
            .values(rows)
            .onConflict((oc) => oc.columns(['service', 'at', 'version']).doNothing())
            .executeTakeFirst();
          added += Number(result.numInsertedOrUpdatedRows ?? 0n);
        }
        return added;
      });
    },
    list: async (query) => {
      access.check('metricSamples.list');
      const limit = metricSampleLimit(query);
      if (query.versions !== undefined && query.versions.length === 0) return [];
      let select = access.db
        .selectFrom('metric_samples')
        .select(['service', 'at', 'version', 'requests', 'errors', 'p50_ms', 'p99_ms'])
        .where('service', '=', query.service)
        .where('at', '>=', query.from)
        .where('at', '<', query.to);
      if (query.versions !== undefined) select = select.where('version', 'in', [...query.versions]);
      const rows = await select.orderBy('at').orderBy('version').limit(limit).execute();
      return rows.map(fromRow);
    },
    prune: async (olderThan) => {
      access.check('metricSamples.prune');
      checkPruneTime(olderThan);
      return access.write(async (conn) => {
        const result = await conn.deleteFrom('metric_samples').where('at', '<', olderThan).executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    },
  };
}

function toRow(sample: MetricSample) {
  return {
    service: sample.service,
    at: sample.at,
    version: sample.version,
    requests: sample.requests,
    errors: sample.errors,
    p50_ms: sample.p50Ms,
    p99_ms: sample.p99Ms,
  };
}

function fromRow(row: { service: string; at: number | string; version: string; requests: number; errors: number; p50_ms: number | null; p99_ms: number | null }): MetricSample {
  const ms = (value: number | string | null) => (value === null ? null : Number(value));
  return { service: row.service, version: row.version, at: Number(row.at), requests: Number(row.requests), errors: Number(row.errors), p50Ms: ms(row.p50_ms), p99Ms: ms(row.p99_ms) };
}
