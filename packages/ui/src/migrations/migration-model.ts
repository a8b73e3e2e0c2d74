import type { RolloutView } from '@sluice/cli/api-types';
import type { BackfillProgress, MigrationPhase, MigrationSpec, MigrationState } from '@sluice/domain';

/** A rollout that carries a schema migration, with its state (`pending` until it starts, as `sluice migrate status` shows it). */
export interface MigrationRollout {
  readonly rollout: RolloutView;
  readonly spec: MigrationSpec;
  readonly state: MigrationState;
}

export function migrationsOf(rollouts: readonly RolloutView[]): MigrationRollout[] {
  return rollouts.flatMap((rollout) => (rollout.spec.migration === undefined ? [] : [{ rollout, spec: rollout.spec.migration, state: rollout.status.migration ?? { phase: 'pending' } }]));
}

/** The three stages people think in, and where the migration is in each. */
export type StageState = 'pending' | 'running' | 'done' | 'reverted' | 'skipped';
export interface Stage {
  readonly name: 'expand' | 'backfill' | 'contract';
  readonly state: StageState;
}

const ORDER: readonly MigrationPhase[] = ['pending', 'expanding', 'expanded', 'backfilling', 'backfilled', 'contracting', 'contracted'];

export function stagesOf(m: MigrationRollout): readonly Stage[] {
  const { phase } = m.state;
  const reverted = phase === 'reverting' || phase === 'reverted';
  const at = ORDER.indexOf(phase);
  const stage = (name: Stage['name'], running: MigrationPhase, done: MigrationPhase, present: boolean): Stage => {
    if (!present) return { name, state: 'skipped' };
    if (reverted) return { name, state: name === 'expand' ? 'reverted' : 'pending' };
    const state: StageState = at >= ORDER.indexOf(done) ? 'done' : at >= ORDER.indexOf(running) ? 'running' : 'pending';
    return { name, state };
  };
  return [
    stage('expand', 'expanding', 'expanded', true),
    // Without a backfill, expanded goes straight on: the stage is skipped.
    stage('backfill', 'backfilling', 'backfilled', m.spec.backfill !== undefined),
    stage('contract', 'contracting', 'contracted', m.spec.contract !== undefined && m.spec.contract.trim() !== ''),
  ];
}

/** Whether the page should refresh every 2 s: SQL or a backfill is running, or a backfill is about to start. */
export function isActive(m: MigrationRollout): boolean {
  const { phase } = m.state;
  if (phase === 'expanding' || phase === 'backfilling' || phase === 'contracting' || phase === 'reverting') return true;
  return phase === 'expanded' && m.spec.backfill !== undefined && m.state.backfill?.finishedAt === undefined && !['Aborted', 'Failed', 'Succeeded'].includes(m.rollout.status.phase);
}

/** Percent done (one decimal), from the rows copied and the last count of those left; undefined before the first count. */
export function backfillPercent(b: BackfillProgress): number | undefined {
  if (b.finishedAt !== undefined) return 100;
  if (b.remaining === undefined) return undefined;
  const total = b.rows + b.remaining;
  return total === 0 ? 100 : Math.min(100, Math.floor((b.rows / total) * 1000) / 10);
}

/** Milliseconds left at the rate so far, measured on the server's clock (started → last batch), so a skewed browser clock does not matter. */
export function backfillEtaMs(b: BackfillProgress): number | undefined {
  if (b.finishedAt !== undefined) return 0;
  const elapsed = b.updatedAt - b.startedAt;
  if (b.remaining === undefined || b.rows === 0 || elapsed <= 0) return undefined;
  return Math.round((b.remaining / b.rows) * elapsed);
}

/** 75_000 → "1m15s", as the CLI prints durations. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  let rest = Math.round(ms / 1000);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}

/** "orders.customer → client (text)". */
export function describeChange(spec: MigrationSpec): string | undefined {
  const c = spec.columnChange;
  return c === undefined ? undefined : `${c.table}.${c.from} → ${c.to} (${c.type})`;
}
