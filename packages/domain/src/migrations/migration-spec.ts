import type { AnalysisRef } from '../analysis/analysis-spec.js';
import { planColumnChange, type ColumnChange } from './column-change.js';

/**
 * A rollout's schema migration (the Rollout's `migration` section): expand before the target gets any
 * traffic, backfill in throttled batches while both versions run, contract after promotion to 100 %,
 * drain and a person's approval — the point of no return. SQL is kept as text; the control plane
 * parses it with PostgreSQL's parser (lint at apply, statement by statement at run time).
 */
export interface MigrationSpec {
  /** The control plane's environment variable holding the database URL (the URL itself is never stored). */
  readonly databaseUrlEnv: string;
  /** `lock_timeout` of every DDL attempt. */
  readonly lockTimeoutMs: number;
  /** `statement_timeout` of each transaction of expand, down and contract (CONCURRENTLY statements run without one). */
  readonly statementTimeoutMs: number;
  /** Attempts after the first when a lock was not granted in time. */
  readonly retries: number;
  /** Runs before traffic; must be safe while the stable version runs (lint class expand). */
  readonly expand: string;
  /** Undoes expand exactly; run by the rollback before the point of no return. Must be idempotent. */
  readonly down: string;
  /** Checks of the stable version run against the expanded schema, before traffic (any provider). */
  readonly compatibility?: AnalysisRef;
  readonly backfill?: BackfillSpec;
  /** Runs in the rollout's migrationContract step: the point of no return. Must be idempotent. */
  readonly contract?: string;
  /** The column change the SQL was generated from, for people. */
  readonly columnChange?: ColumnChange;
}

/** When the backfill must be finished: before the first traffic step, or before contract and promotion. */
export type BackfillDeadline = 'traffic' | 'promotion';

export interface BackfillSpec {
  /** One batch: an UPDATE of at most `batchSize` rows not yet copied; its row count is the progress. */
  readonly batchSql: string;
  /** A `SELECT count(*)` of the rows still to copy, for progress and ETA. */
  readonly remainingSql: string;
  readonly batchSize: number;
  /** Pause between batches, so the backfill never hogs the database. */
  readonly pauseMs: number;
  readonly before: BackfillDeadline;
}

/** The expand, down, backfill and contract SQL of a column rename or type change (dual-write trigger included). */
export function columnChangeMigration(change: ColumnChange, batchSize: number): Pick<MigrationSpec, 'expand' | 'down' | 'contract'> & { batchSql: string; remainingSql: string } {
  const plan = planColumnChange(change);
  return {
    expand: plan.expand.map((s) => `${s};`).join('\n'),
    down: plan.down.map((s) => `${s};`).join('\n'),
    contract: plan.contract.map((s) => `${s};`).join('\n'),
    batchSql: plan.backfillBatch(batchSize),
    remainingSql: plan.remaining,
  };
}

/** The step a migration rollout starts with: expand, then the compatibility gate (and the backfill, when due before traffic). */
export interface MigrationExpandStep {
  readonly kind: 'migrationExpand';
}

/**
 * Contract: waits until the target serves 100 % and the stable version has drained for `drainMs`,
 * then for a person's approval (`sluice approve`), then runs the contract SQL — the point of no return.
 */
export interface MigrationContractStep {
  readonly kind: 'migrationContract';
  readonly drainMs: number;
  readonly approvers?: readonly string[];
  /** As ApprovalStep.allowAuthor: false, the rollout's author may not approve the contract. */
  readonly allowAuthor?: boolean;
  readonly message?: string;
}

/** Ten seconds with no traffic on the stable version before contract. */
export const DEFAULT_DRAIN_MS = 10_000;
export const DEFAULT_MIGRATION_LOCK_TIMEOUT_MS = 2_000;
export const DEFAULT_MIGRATION_RETRIES = 10;
export const DEFAULT_MIGRATION_STATEMENT_TIMEOUT_MS = 300_000;
export const DEFAULT_BACKFILL_BATCH = 1_000;
export const DEFAULT_BACKFILL_PAUSE_MS = 50;
