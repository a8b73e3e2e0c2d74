import {
  backfillPending,
  changeMigration,
  EventType,
  formatDuration,
  migrationOf,
  passPointOfNoReturn,
  patchRollout,
  requestAbort,
  type EventDraft,
  type MigrationContractStep,
  type MigrationSpec,
  type Rollout,
  type RolloutChange,
} from '@sluice/domain';
import type { StepContext, StepExecutor, StepProgress } from '../orchestrator/step-executor.js';
import { failureText } from './migration-errors.js';
import type { SchemaMigrator } from './schema-migrator.js';

/**
 * contract: the migration's point of no return. Waits until the backfill is done, the data plane
 * serves 100 % on the target and the stable version has had no traffic for `drain`, then for a
 * person's approval (`sluice approve`); records `contracting` together with the point of no return,
 * then runs the contract SQL (idempotent: a crash runs it again) and records `contracted`. A failure
 * from here on holds the rollout for a person instead of rolling back.
 */
export function createMigrationContractExecutor(migrator: SchemaMigrator): StepExecutor<MigrationContractStep> {
  return {
    kind: 'migrationContract',
    async advance(step, ctx): Promise<StepProgress> {
      const { rollout, now } = ctx;
      const spec = rollout.spec.migration;
      const state = migrationOf(rollout);
      if (spec === undefined || state === undefined || spec.contract === undefined) return { kind: 'done', why: 'no contract to run' };
      if (state.phase === 'contracted') return { kind: 'done', why: 'contract ran: the stable version\'s schema is gone (point of no return)' };
      if (state.phase === 'contracting') return runContract(rollout, spec, migrator, now);
      const stepState = rollout.status.stepState?.stepIndex === rollout.status.stepIndex ? rollout.status.stepState : undefined;
      if (stepState === undefined) return { kind: 'change', change: started(rollout, step, now) };
      const waiting = await notYet(ctx, step, stepState.startedAt);
      if (waiting !== undefined) return waiting;
      if (stepState.approval === undefined) {
        const who = step.approvers === undefined ? 'anyone' : step.approvers.join(' or ');
        return { kind: 'wait', why: `Waiting for approval by ${who} to contract the schema — the point of no return (sluice approve ${rollout.name}, or sluice reject)` };
      }
      const reason = `contract approved by ${stepState.approval.by}${stepState.approval.comment ? `: ${stepState.approval.comment}` : ''}`;
      const ponr = passPointOfNoReturn(rollout, `schema contract (${reason})`, now);
      const contracting = changeMigration(ponr.rollout, { ...state, phase: 'contracting' }, `Contracting the schema: ${reason}`, now);
      return { kind: 'change', change: { rollout: contracting.rollout, events: [...ponr.events, ...contracting.events] } };
    },
  };
}

function started(rollout: Rollout, step: MigrationContractStep, now: number): RolloutChange {
  const reason = `Contract waits for 100% on ${rollout.spec.target}, ${formatDuration(step.drainMs)} of drain and approval${step.message === undefined ? '' : `: ${step.message}`}`;
  const event: EventDraft = { type: EventType.StepStarted, reason, data: { step: rollout.status.stepIndex, kind: 'migrationContract' } };
  return patchRollout(rollout, { stepState: { stepIndex: rollout.status.stepIndex, startedAt: now }, message: reason }, now, [event]);
}

/** What contract still waits for before approval matters: backfill, 100 % served, the drain. */
async function notYet(ctx: StepContext, step: MigrationContractStep, since: number): Promise<StepProgress | undefined> {
  const { rollout, now } = ctx;
  const pending = backfillPending(rollout);
  if (pending !== undefined) return { kind: 'wait', why: pending, until: now + 1000 };
  const observed = await ctx.traffic.observeSplit(rollout.spec.service, ctx.signal);
  if (rollout.status.canaryWeight !== 100 || observed.canary !== rollout.spec.target || observed.weight !== 100) {
    return { kind: 'wait', why: `Contract waits until ${rollout.spec.target} serves 100% of traffic`, until: now + 1000 };
  }
  const drainedAt = since + step.drainMs;
  if (now < drainedAt) return { kind: 'wait', why: `Draining ${rollout.status.stable} before contract (${formatDuration(drainedAt - now)} left)`, until: drainedAt };
  return undefined;
}

async function runContract(rollout: Rollout, spec: MigrationSpec, migrator: SchemaMigrator, now: number): Promise<StepProgress> {
  try {
    const result = await migrator.runPhase(spec, 'contract');
    const reason = `Schema contracted: ${result.statements} statement(s)${result.retries === 0 ? '' : ` after ${result.retries} lock retries`}`;
    const state = migrationOf(rollout) ?? { phase: 'contracting' as const };
    return { kind: 'change', change: changeMigration(rollout, { ...state, phase: 'contracted', contractedAt: now }, reason, now) };
  } catch (error) {
    // Past the point of no return a failure holds the rollout for a person (domain requestAbort).
    return { kind: 'change', change: requestAbort(rollout, 'failure', `Contract failed: ${failureText(error)}; fix the database and promote to run contract again`, now) };
  }
}
