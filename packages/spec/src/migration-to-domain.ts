import {
  backfillSql,
  columnChangeMigration,
  DEFAULT_BACKFILL_BATCH,
  DEFAULT_BACKFILL_PAUSE_MS,
  DEFAULT_DRAIN_MS,
  DEFAULT_MIGRATION_LOCK_TIMEOUT_MS,
  DEFAULT_MIGRATION_RETRIES,
  DEFAULT_MIGRATION_STATEMENT_TIMEOUT_MS,
  type BackfillSpec,
  type MigrationContractStep,
  type MigrationSpec,
  type Strategy,
} from '@sluice/domain';
import { defined, ms, toAnalysisRef } from './analysis-to-domain.js';
import type { RawCanaryStep, RolloutDocument } from './schemas.js';

type RawMigration = NonNullable<RolloutDocument['spec']['migration']>;
type RawBackfill = NonNullable<RawMigration['backfill']>;

/** A validated `migration` section as the domain's MigrationSpec: SQL generated from a columnChange, defaults applied. */
export function toMigrationSpec(raw: RawMigration): MigrationSpec {
  const batchSize = raw.backfill?.batchSize ?? DEFAULT_BACKFILL_BATCH;
  const common = {
    databaseUrlEnv: raw.database.urlFromEnv,
    lockTimeoutMs: raw.lockTimeout === undefined ? DEFAULT_MIGRATION_LOCK_TIMEOUT_MS : ms(raw.lockTimeout),
    statementTimeoutMs: raw.statementTimeout === undefined ? DEFAULT_MIGRATION_STATEMENT_TIMEOUT_MS : ms(raw.statementTimeout),
    retries: raw.retries ?? DEFAULT_MIGRATION_RETRIES,
    ...(raw.compatibility === undefined ? {} : { compatibility: toAnalysisRef(raw.compatibility) }),
  };
  if (raw.columnChange !== undefined) {
    const change = defined({ ...raw.columnChange });
    const { batchSql, remainingSql, ...phases } = columnChangeMigration(change, batchSize);
    return { ...common, ...phases, columnChange: change, backfill: toBackfill(raw.backfill, { batchSql, remainingSql }) };
  }
  const backfill = raw.backfill?.table !== undefined && raw.backfill.set !== undefined && raw.backfill.where !== undefined
    ? toBackfill(raw.backfill, backfillSql({ table: raw.backfill.table, set: raw.backfill.set, where: raw.backfill.where, ...(raw.backfill.key === undefined ? {} : { key: raw.backfill.key }) }, batchSize))
    : undefined;
  return {
    ...common,
    expand: raw.expand ?? '',
    down: raw.down ?? '',
    ...(raw.contract === undefined ? {} : { contract: raw.contract }),
    ...(backfill === undefined ? {} : { backfill }),
  };
}

function toBackfill(raw: RawBackfill | undefined, sql: { batchSql: string; remainingSql: string }): BackfillSpec {
  return {
    ...sql,
    batchSize: raw?.batchSize ?? DEFAULT_BACKFILL_BATCH,
    pauseMs: raw?.pause === undefined ? DEFAULT_BACKFILL_PAUSE_MS : ms(raw.pause),
    before: raw?.before ?? 'promotion',
  };
}

export function toContractStep(raw: NonNullable<RawCanaryStep['contract']>): MigrationContractStep {
  const { message, approvers, allowAuthor } = raw;
  return { kind: 'migrationContract', drainMs: raw.drain === undefined ? DEFAULT_DRAIN_MS : ms(raw.drain), ...defined({ message, approvers: approvers && [...approvers], allowAuthor }) };
}

/**
 * A migration rollout starts with its expand step (expand, then the compatibility gate) before any
 * step that moves traffic; the user's steps follow, so their numbers shift by one.
 */
export function withMigrationSteps(strategy: Strategy, migration: MigrationSpec | undefined): Strategy {
  if (migration === undefined || strategy.kind !== 'canary') return strategy;
  return { ...strategy, steps: [{ kind: 'migrationExpand' }, ...strategy.steps] };
}
