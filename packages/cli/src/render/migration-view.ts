import { backfillEtaMs, backfillPercent, describeMigration, formatDuration, type MigrationState } from '@sluice/domain';
import type { RolloutView } from '../api-types.js';
import { renderTable } from './table.js';

/** The rollout's migration state; `pending` before it starts; undefined for a rollout without one. */
export function migrationStateOf(view: RolloutView): MigrationState | undefined {
  if (view.spec.migration === undefined) return undefined;
  return view.status.migration ?? { phase: 'pending' };
}

/** The `Migration:` line of `sluice status`. */
export function migrationFields(view: RolloutView, now: number): [string, string][] {
  const state = migrationStateOf(view);
  if (state === undefined) return [];
  const ponr = view.status.pointOfNoReturn;
  return [['Migration:', `${describeMigration(state, now)}${ponr === undefined ? '' : ' — past the point of no return'}`]];
}

/** `sluice migrate status` without a name: one row per rollout with a migration. */
export function renderMigrationTable(views: readonly RolloutView[], now: number): string[] {
  const rows = views.flatMap((view) => {
    const state = migrationStateOf(view);
    if (state === undefined) return [];
    const b = state.backfill;
    const percent = b === undefined ? undefined : backfillPercent(b);
    const eta = b === undefined ? undefined : backfillEtaMs(b, now);
    return [[view.name, view.spec.service, view.status.phase, state.phase, percent === undefined ? '-' : `${percent}%`, b === undefined ? '-' : String(b.rows), eta === undefined ? '-' : formatDuration(eta)]];
  });
  if (rows.length === 0) return ['No rollout has a migration.'];
  return renderTable(['ROLLOUT', 'SERVICE', 'ROLLOUT PHASE', 'MIGRATION', 'BACKFILL', 'ROWS', 'ETA'], rows);
}

/** `sluice migrate status NAME`: phase, each phase's time, backfill progress, what the rollout waits for. */
export function renderMigrationDetail(view: RolloutView, now: number): string[] {
  const state = migrationStateOf(view);
  const spec = view.spec.migration;
  if (state === undefined || spec === undefined) return [`Rollout ${view.name} has no migration.`];
  const at = (t: number | undefined) => (t === undefined ? '-' : new Date(t).toISOString());
  const b = state.backfill;
  const change = spec.columnChange;
  const fields: [string, string][] = [
    ['Rollout:', `${view.name} (${view.status.phase}, ${view.spec.service} ${view.status.stable} → ${view.spec.target})`],
    ['Database:', `$${spec.databaseUrlEnv}`],
    ...(change === undefined ? [] : [['Change:', `${change.table}.${change.from} → ${change.to} (${change.type}), dual write by trigger until contract`] as [string, string]]),
    ['Phase:', describeMigration(state, now)],
    ['Expanded:', at(state.expandedAt)],
    ['Gate:', spec.compatibility === undefined ? 'none' : state.checkedAt === undefined ? 'not passed yet' : `passed ${at(state.checkedAt)}`],
    ['Backfill:', spec.backfill === undefined ? 'none' : b === undefined ? `not started (batches of ${spec.backfill.batchSize}, done before ${spec.backfill.before})` : `${b.rows} rows in ${b.batches} batches${b.remaining === undefined ? '' : `, ${b.remaining} left`}`],
    ...(b === undefined ? [] : [['Progress:', progressText(b, now)] as [string, string]]),
    ['Contract:', spec.contract === undefined ? 'none' : state.contractedAt === undefined ? 'not run (after 100%, drain and approval: the point of no return)' : `ran ${at(state.contractedAt)}`],
    ...(state.revertedAt === undefined ? [] : [['Reverted:', at(state.revertedAt)] as [string, string]]),
    ...(view.waitingFor === undefined ? [] : [['Waiting:', view.waitingFor] as [string, string]]),
  ];
  return renderTable(undefined, fields);
}

function progressText(b: NonNullable<MigrationState['backfill']>, now: number): string {
  const percent = backfillPercent(b);
  const eta = backfillEtaMs(b, now);
  return `${percent === undefined ? '?' : `${percent}%`}${eta === undefined ? '' : `, ETA ${formatDuration(eta)}`}${b.finishedAt === undefined ? '' : ' (done)'}`;
}
