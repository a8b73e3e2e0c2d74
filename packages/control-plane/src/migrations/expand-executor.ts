import {
  changeMigration,
  closeRun,
  EventType,
  holdForPerson,
  migrationOf,
  nextDue,
  patchRollout,
  requestAbort,
  startRun,
  describeBackfill,
  type AnalysisRunState,
  type EventDraft,
  type MigrationExpandStep,
  type MigrationSpec,
  type Rollout,
  type StepState,
} from '@sluice/domain';
import { decidedEvent, measureDue, resolvedFor, type AnalysisDeps } from '../analysis/run-analysis.js';
import type { StepExecutor, StepProgress } from '../orchestrator/step-executor.js';
import { failureText } from './migration-errors.js';
import type { SchemaMigrator } from './schema-migrator.js';

export interface MigrationStepDeps {
  readonly migrator: SchemaMigrator;
  readonly analysis?: AnalysisDeps | undefined;
}

/**
 * The first step of a migration rollout, before any traffic reaches the target: records `expanding`,
 * runs expand (lock_timeout, retries; CONCURRENTLY statements alone), records `expanded`; then the
 * compatibility gate — the stable version's checks against the expanded schema — and, when the
 * backfill must be done before traffic, waits for it. A failure rolls back, and the rollback's
 * `migration` operation runs down.
 */
export function createMigrationExpandExecutor(deps: MigrationStepDeps): StepExecutor<MigrationExpandStep> {
  return {
    kind: 'migrationExpand',
    async advance(_step, ctx): Promise<StepProgress> {
      const { rollout, now } = ctx;
      const spec = rollout.spec.migration;
      const state = migrationOf(rollout);
      if (spec === undefined || state === undefined) return { kind: 'done', why: 'no migration' };
      if (state.phase === 'pending') {
        const reason = `Expanding the schema before ${rollout.spec.target} gets traffic${spec.columnChange ? ` (${spec.columnChange.table}.${spec.columnChange.from} → ${spec.columnChange.to})` : ''}`;
        const started = changeMigration(rollout, { phase: 'expanding' }, reason, now);
        const event: EventDraft = { type: EventType.StepStarted, reason, data: { step: rollout.status.stepIndex, kind: 'migrationExpand' } };
        return { kind: 'change', change: { rollout: withStepState(started.rollout, now), events: [event, ...started.events] } };
      }
      if (state.phase === 'expanding') return expand(rollout, spec, deps.migrator, now);
      if (state.checkedAt === undefined) return compatibilityGate(rollout, spec, deps.analysis, ctx.signal, now);
      if (spec.backfill?.before === 'traffic' && state.phase !== 'backfilled') {
        const progress = state.backfill === undefined ? 'starting' : describeBackfill(state.backfill, now);
        return { kind: 'wait', why: `Backfill must finish before ${rollout.spec.target} gets traffic: ${progress}`, until: state.backfill?.nextAt ?? now };
      }
      return { kind: 'done', why: `schema expanded${spec.compatibility ? ', compatibility gate passed' : ''}${spec.backfill?.before === 'traffic' ? ', backfill done' : ''}` };
    },
  };
}

function withStepState(rollout: Rollout, now: number): Rollout {
  return { ...rollout, status: { ...rollout.status, stepState: { stepIndex: rollout.status.stepIndex, startedAt: now } } };
}

async function expand(rollout: Rollout, spec: MigrationSpec, migrator: SchemaMigrator, now: number): Promise<StepProgress> {
  try {
    const result = await migrator.runPhase(spec, 'expand');
    const checked = spec.compatibility === undefined ? { checkedAt: now } : {};
    const retried = result.retries === 0 ? '' : ` after ${result.retries} lock retr${result.retries === 1 ? 'y' : 'ies'}`;
    const reason = `Schema expanded: ${result.statements} statement(s) in ${result.transactions} transaction(s)${result.alone === 0 ? '' : ` and ${result.alone} alone (CONCURRENTLY)`}${retried}`;
    return { kind: 'change', change: changeMigration(rollout, { phase: 'expanded', expandedAt: now, ...checked }, reason, now) };
  } catch (error) {
    return { kind: 'change', change: requestAbort(rollout, 'failure', `Expand failed: ${failureText(error)}; rolling back (down runs)`, now) };
  }
}

function currentState(rollout: Rollout, now: number): StepState {
  const s = rollout.status.stepState;
  return s !== undefined && s.stepIndex === rollout.status.stepIndex ? s : { stepIndex: rollout.status.stepIndex, startedAt: now };
}

/** The stable version's checks against the expanded schema: passed → backfill may start; failed → roll back; undecided → a person. */
async function compatibilityGate(rollout: Rollout, spec: MigrationSpec, analysis: AnalysisDeps | undefined, signal: AbortSignal, now: number): Promise<StepProgress> {
  const ref = spec.compatibility;
  const state = migrationOf(rollout) ?? { phase: 'expanded' as const };
  const pass = (why: string): StepProgress => ({ kind: 'change', change: changeMigration(rollout, { ...state, checkedAt: now }, `Compatibility gate: ${why}`, now) });
  if (ref === undefined) return pass('none configured');
  if (analysis === undefined) return { kind: 'wait', why: 'Compatibility gate: no metric providers configured' };
  const step = currentState(rollout, now);
  const resolved = await resolvedFor(step.analysis, ref, analysis);
  const run = step.analysis;
  if (run === undefined) {
    const started = startRun(resolved.metrics, now, resolved.args);
    const reason = `Compatibility gate: checks of ${rollout.status.stable} against the expanded schema (${resolved.metrics.map((m) => m.key).join(', ')})`;
    return withRun(rollout, step, started, now, [{ type: EventType.StepStarted, reason, data: { step: rollout.status.stepIndex, kind: 'compatibility' } }]);
  }
  if (run.status === 'passed') return pass(`passed (${run.reason})`);
  if (run.status === 'failed') return { kind: 'change', change: requestAbort(rollout, 'failure', `Compatibility gate failed: ${run.reason}; rolling back (down runs)`, now) };
  if (run.status !== 'running') {
    if (rollout.status.holdReleased === 'analysis') return pass(`a person went on past an ${run.status} gate (${run.reason})`);
    if (rollout.status.hold !== undefined) return { kind: 'wait', why: `${rollout.status.hold.reason} (waiting for a person)` };
    return { kind: 'change', change: holdForPerson(rollout, 'analysis', `Compatibility gate ${run.status}: ${run.reason}. Promote to go on, or abort to roll back`, now) };
  }
  const measured = await measureDue(run, resolved, { rollout, service: rollout.spec.service, source: 'step', now, signal }, analysis);
  if (measured.events.length > 0) return withRun(rollout, step, measured.run, now, measured.events);
  const until = nextDue(run);
  if (until === undefined) {
    const closed = closeRun(run);
    return withRun(rollout, step, closed, now, closed.status === 'running' ? [] : [decidedEvent(closed, 'step')]);
  }
  return { kind: 'wait', why: `Compatibility gate: ${run.reason}`, until };
}

function withRun(rollout: Rollout, state: StepState, run: AnalysisRunState, now: number, events: EventDraft[]): StepProgress {
  const message = `Compatibility gate: ${run.reason}`;
  return { kind: 'change', change: patchRollout(rollout, { stepState: { ...state, analysis: run }, message }, now, events) };
}
