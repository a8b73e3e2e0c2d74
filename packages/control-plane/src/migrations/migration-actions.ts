import {
  backfillDueAt,
  changeMigration,
  migrationOf,
  patchRollout,
  recordBackfillBatch,
  requestAbort,
  type Rollout,
  type RolloutChange,
} from '@sluice/domain';
import { failureText } from './migration-errors.js';
import { sqlStateOf, TRANSIENT_SQLSTATES, type SchemaMigrator } from './schema-migrator.js';

/** Count the rows left on the first batch, then every this many batches (and at the end). */
const COUNT_EVERY = 10;
/** After a lock timeout or a deadlock, the batch is tried again this much later. */
const TRANSIENT_RETRY_MS = 1000;

/**
 * One backfill batch if one is due: records the rows it changed and, now and then, the rows left (for
 * progress and ETA). Runs beside the steps; stops as soon as the rollout rolls back or a guard holds it
 * (domain backfillDueAt). Resumable: each batch takes only rows not yet copied.
 */
export async function backfillStep(rollout: Rollout, migrator: SchemaMigrator, now: number): Promise<RolloutChange | undefined> {
  const due = backfillDueAt(rollout);
  const spec = rollout.spec.migration;
  if (due === undefined || due > now || spec === undefined) return undefined;
  const batches = migrationOf(rollout)?.backfill?.batches ?? 0;
  try {
    const rows = await migrator.backfillBatch(spec);
    const count = rows > 0 && batches % COUNT_EVERY === 0 ? await migrator.remaining(spec) : undefined;
    return recordBackfillBatch(rollout, rows, count, now);
  } catch (error) {
    const state = migrationOf(rollout);
    if (state !== undefined && TRANSIENT_SQLSTATES.has(sqlStateOf(error) ?? '')) {
      const before = state.backfill ?? { rows: 0, batches: 0, startedAt: now, updatedAt: now, nextAt: now };
      const next = { ...state, backfill: { ...before, nextAt: now + TRANSIENT_RETRY_MS } };
      return patchRollout(rollout, { migration: next, message: `Backfill batch retried later: ${failureText(error)}` }, now, []);
    }
    return requestAbort(rollout, 'failure', `Backfill failed: ${failureText(error)}; rolling back (down runs)`, now);
  }
}

/** The rollback plan's `migration` op: down undoes expand (and with it the backfill); the migration is `reverted`. */
export async function revertMigration(rollout: Rollout, migrator: SchemaMigrator, now: number): Promise<{ change: RolloutChange; detail: string }> {
  const state = migrationOf(rollout) ?? { phase: 'pending' as const };
  const spec = rollout.spec.migration;
  if (spec === undefined) return { change: { rollout, events: [] }, detail: 'no migration' };
  const result = await migrator.runPhase(spec, 'down');
  const detail = `down ran (${result.statements} statement(s)): the schema is as before expand`;
  return { change: changeMigration(rollout, { ...state, phase: 'reverted', revertedAt: now }, `Schema reverted: ${detail}`, now), detail };
}
