import { formatDuration } from '../duration.js';
import { EventType, type EventDraft } from '../events/release-event.js';
import { Phase } from '../rollouts/phase.js';
import { patchRollout } from '../rollouts/progress.js';
import type { Rollout, RolloutChange } from '../rollouts/rollout.js';

/**
 * Where a rollout's schema migration stands, stored in the rollout's status so any process continues
 * it after a crash. Each phase that runs SQL is recorded before the SQL runs (`expanding`,
 * `contracting`), so a process that dies midway knows the schema may have changed and the next one
 * runs the (idempotent) SQL again, or its `down`.
 */
export type MigrationPhase = 'pending' | 'expanding' | 'expanded' | 'backfilling' | 'backfilled' | 'contracting' | 'contracted' | 'reverting' | 'reverted';

export interface BackfillProgress {
  /** Rows the batches changed so far. */
  readonly rows: number;
  /** Rows still to copy at the last count. */
  readonly remaining?: number;
  readonly batches: number;
  readonly startedAt: number;
  readonly updatedAt: number;
  /** When the next batch is due (the pause after the last one). */
  readonly nextAt: number;
  readonly finishedAt?: number;
}

export interface MigrationState {
  readonly phase: MigrationPhase;
  readonly expandedAt?: number;
  /** The compatibility gate passed, or there is none: the backfill may start. */
  readonly checkedAt?: number;
  readonly backfill?: BackfillProgress;
  readonly contractedAt?: number;
  readonly revertedAt?: number;
}

/** Phases whose schema `down` must undo when the rollout rolls back. */
const REVERTIBLE: ReadonlySet<MigrationPhase> = new Set(['expanding', 'expanded', 'backfilling', 'backfilled', 'reverting']);

/** The rollout's migration state; `pending` for a migration that has not started; undefined without a migration. */
export function migrationOf(rollout: Rollout): MigrationState | undefined {
  if (rollout.spec.migration === undefined) return undefined;
  return rollout.status.migration ?? { phase: 'pending' };
}

/** Whether a rollback must run the migration's `down` (expand started, contract did not). */
export function needsMigrationDown(rollout: Rollout): boolean {
  const state = migrationOf(rollout);
  return state !== undefined && REVERTIBLE.has(state.phase);
}

/** A new migration state with an event (from → to phase) when the phase changes. */
export function changeMigration(rollout: Rollout, next: MigrationState, reason: string, now: number): RolloutChange {
  const from = migrationOf(rollout)?.phase ?? 'pending';
  const events: EventDraft[] = from === next.phase ? [] : [{ type: EventType.MigrationChanged, from, to: next.phase, reason, data: { ...progressData(next) } }];
  return patchRollout(rollout, { migration: next, message: reason }, now, events);
}

function progressData(state: MigrationState): Record<string, number> {
  const b = state.backfill;
  if (b === undefined) return {};
  return { rows: b.rows, batches: b.batches, ...(b.remaining === undefined ? {} : { remaining: b.remaining }) };
}

/**
 * When the next backfill batch is due, or undefined when none should run now: the migration has no
 * backfill, the gate has not passed, the backfill is done, the rollout is not running steps (rolling
 * back, finished), or a guard, budget, irreversible or manual hold waits for a person — the backfill stops with the rollout.
 */
export function backfillDueAt(rollout: Rollout): number | undefined {
  const state = migrationOf(rollout);
  if (state === undefined || rollout.spec.migration?.backfill === undefined || state.checkedAt === undefined) return undefined;
  if (state.phase !== 'expanded' && state.phase !== 'backfilling') return undefined;
  const { phase, hold } = rollout.status;
  if (phase !== Phase.Progressing && phase !== Phase.Paused && phase !== Phase.Promoting) return undefined;
  if (hold !== undefined && (hold.source === 'guard' || hold.source === 'budget' || hold.source === 'irreversible' || hold.source === 'manual')) return undefined;
  return state.backfill?.nextAt ?? state.checkedAt;
}

/** Records one batch: `rows` changed (0 means done), the rows still to copy when counted. */
export function recordBackfillBatch(rollout: Rollout, rows: number, remaining: number | undefined, now: number): RolloutChange {
  const state = migrationOf(rollout) ?? { phase: 'pending' };
  const pauseMs = rollout.spec.migration?.backfill?.pauseMs ?? 0;
  const before = state.backfill ?? { rows: 0, batches: 0, startedAt: now, updatedAt: now, nextAt: now };
  const finished = rows === 0;
  const backfill: BackfillProgress = {
    ...before,
    rows: before.rows + rows,
    batches: before.batches + (finished ? 0 : 1),
    updatedAt: now,
    nextAt: now + pauseMs,
    ...(finished ? { remaining: 0, finishedAt: now } : remaining === undefined ? {} : { remaining }),
  };
  const next: MigrationState = { ...state, phase: finished ? 'backfilled' : 'backfilling', backfill };
  const reason = finished ? `Backfill done: ${backfill.rows} rows in ${backfill.batches} batches (${formatDuration(now - backfill.startedAt)})` : `Backfill ${describeBackfill(backfill, now)}`;
  return changeMigration(rollout, next, reason, now);
}

/** Percent done, from the rows copied and the last count of those left; undefined before the first count. */
export function backfillPercent(b: BackfillProgress): number | undefined {
  if (b.finishedAt !== undefined) return 100;
  if (b.remaining === undefined) return undefined;
  const total = b.rows + b.remaining;
  return total === 0 ? 100 : Math.min(100, Math.floor((b.rows / total) * 1000) / 10);
}

/** Milliseconds left at the rate so far; undefined until a rate and a count are known. */
export function backfillEtaMs(b: BackfillProgress, now: number): number | undefined {
  if (b.finishedAt !== undefined) return 0;
  const elapsed = now - b.startedAt;
  if (b.remaining === undefined || b.rows === 0 || elapsed <= 0) return undefined;
  return Math.round((b.remaining / b.rows) * elapsed);
}

/** "42.5% (4,250 rows, 5,750 left), ETA 12s". */
export function describeBackfill(b: BackfillProgress, now: number): string {
  if (b.finishedAt !== undefined) return `done: ${b.rows.toLocaleString('en-US')} rows`;
  const percent = backfillPercent(b);
  const eta = backfillEtaMs(b, now);
  const left = b.remaining === undefined ? '' : `, ${b.remaining.toLocaleString('en-US')} left`;
  return `${percent === undefined ? '' : `${percent}% `}(${b.rows.toLocaleString('en-US')} rows${left})${eta === undefined ? '' : `, ETA ${formatDuration(eta)}`}`;
}

/** Why promotion (or contract) must wait for the backfill, or undefined when it need not. */
export function backfillPending(rollout: Rollout): string | undefined {
  const state = migrationOf(rollout);
  if (state === undefined || rollout.spec.migration?.backfill === undefined) return undefined;
  if (state.phase !== 'pending' && state.phase !== 'expanding' && state.phase !== 'expanded' && state.phase !== 'backfilling') return undefined;
  const progress = state.backfill === undefined ? 'not started' : describeBackfill(state.backfill, rollout.status.updatedAt);
  return `Waiting for the backfill to finish (${progress})`;
}

/** One line for status views: the phase and, while it runs, the backfill's progress. */
export function describeMigration(state: MigrationState, now: number): string {
  const b = state.backfill;
  if ((state.phase === 'backfilling' || state.phase === 'backfilled') && b !== undefined) return `${state.phase} ${describeBackfill(b, now)}`;
  return state.phase;
}
