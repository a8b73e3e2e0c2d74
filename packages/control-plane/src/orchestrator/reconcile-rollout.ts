import {
  changeWeight,
  completeStep,
  currentStep,
  ErrorCode,
  EventType,
  finishPromotion,
  formatDuration,
  promotedStatus,
  isSluiceError,
  budgetHold,
  isTerminal,
  nextDue,
  pastProgressDeadline,
  Phase,
  requestAbort,
  startRollout,
  type Clock,
  type Rollout,
  type RolloutChange,
  type Service,
  backfillDueAt,
  backfillPending,
} from '@sluice/domain';
import { backfillStep } from '../migrations/migration-actions.js';
import type { SchemaMigrator } from '../migrations/schema-migrator.js';
import type { AnalysisDeps } from '../analysis/run-analysis.js';
import type { Guardian } from '../guard/guardian.js';
import type { Logger } from '../platform/logger.js';
import type { Store } from '../store/store.js';
import type { TrafficRouter } from '../traffic/traffic-router.js';
import { commitChange, type Commit, type Stamp } from './commit.js';
import type { StepExecutorRegistry } from './step-executor.js';
import { loadSegments, rolloutSplit, sameRulesAndMirror, sameSplit, type SegmentLookup } from './traffic-split.js';
import { advanceRollback, type FlagRestorer } from './rollback.js';
import { backgroundAnalysis, type VerificationAction } from './verification-actions.js';
import { syncTargetTraffic } from '../waves/target-traffic.js';
import type { TargetRouting } from '../waves/target-routers.js';

export interface RolloutReconcileDeps {
  readonly store: Store;
  readonly traffic: TrafficRouter;
  readonly executors: StepExecutorRegistry;
  readonly clock: Clock;
  readonly log: Logger;
  readonly readyBackends: (service: Service) => Readonly<Record<string, readonly string[]>>;
  /** Metric providers and templates for analysis, checklist and rollback verifications. */
  readonly analysis?: AnalysisDeps | undefined;
  /** The release guardian; absent (tests of other parts), no rollout is guarded. */
  readonly guardian?: Guardian | undefined;
  /** The Targets' data planes (waves); absent, the rollout moves only the service's own data plane. */
  readonly targets?: TargetRouting | undefined;
  /** Restores flags during a rollback (the plan's `flags` op). */
  readonly flags?: FlagRestorer | undefined;
  /** Runs rollouts' schema migrations (backfill batches, down on rollback). */
  readonly migrator?: SchemaMigrator | undefined;
  /** The segments (and flags) as stored at the start of the controller's pass; absent, read on every iteration. */
  readonly segments?: SegmentLookup | undefined;
  /** Writes a commit (commitChange's contract); the controller's pass groups them (CommitBatcher). Default: commitChange. */
  readonly commit?: ((commit: Commit, stamp: Stamp) => Promise<Rollout>) | undefined;
}

interface PassContext {
  readonly rollout: Rollout;
  readonly service: Service;
  /** The segments as stored at the start of this pass. */
  readonly segments: SegmentLookup;
  readonly now: number;
  readonly deps: RolloutReconcileDeps;
  readonly signal: AbortSignal;
}

type ActionResult =
  | { readonly kind: 'next' }
  | { readonly kind: 'commit'; readonly commit: Omit<Commit, 'base'> }
  | { readonly kind: 'wait'; readonly why: string; readonly until?: number };

/** Where a rollout stands after a reconcile: finished, or waiting (until a time or an outside event). */
export type ReconcileOutcome =
  | { readonly kind: 'finished'; readonly phase: Phase }
  | {
      readonly kind: 'waiting';
      readonly why: string;
      readonly until?: number;
      /** The wait is for a time only (a pause's end, the next measurement), not for an outside event (readiness, a person). */
      readonly timed?: boolean;
    };

const NEXT: ActionResult = { kind: 'next' };
const commitOf = (change: RolloutChange): ActionResult => ({ kind: 'commit', commit: { rollout: change } });

/** Pending → Progressing, after checking the target still exists. */
async function startIfPending({ rollout, service, now }: PassContext): Promise<ActionResult> {
  if (rollout.status.phase !== Phase.Pending) return NEXT;
  if (!service.spec.versions[rollout.spec.target]) {
    return commitOf(requestAbort(rollout, 'failure', `Service ${service.name} has no version ${rollout.spec.target}`, now));
  }
  return commitOf(startRollout(rollout, now));
}

/** Makes the data plane serve what the stored status says. Idempotent: it only acts on a difference. */
async function syncTraffic({ rollout, service, segments, deps, signal }: PassContext): Promise<ActionResult> {
  const want = rolloutSplit(rollout, service, segments);
  const observed = await deps.traffic.observeSplit(service.name, signal);
  if (!sameSplit(observed, want)) await deps.traffic.setSplit(service.name, want, signal);
  return NEXT;
}

/** Each Target's data plane serves its view of the stored status; while promoting, waits until every target serves 100 %. */
async function syncTargets({ rollout, service, segments, deps, signal }: PassContext): Promise<ActionResult> {
  if (deps.targets === undefined) return NEXT;
  const why = await syncTargetTraffic(rollout, service, segments, deps.targets, signal);
  return why === undefined ? NEXT : { kind: 'wait', why };
}

/** Aborting → Aborted/Failed once the data plane serves stable only, without the rollout's rules or mirror. */
async function completeAbort({ rollout, service, segments, now, deps, signal }: PassContext): Promise<ActionResult> {
  if (rollout.status.phase !== Phase.Aborting) return NEXT;
  const wanted = rolloutSplit(rollout, service, segments);
  const action = await advanceRollback({ rollout, service, wanted, traffic: deps.traffic, analysis: deps.analysis, now, signal, targets: deps.targets, readyBackends: deps.readyBackends, flags: deps.flags, migrator: deps.migrator });
  if (action.kind === 'change' && rollout.spec.strategy.kind === 'rolling' && isTerminal(action.change.rollout.status.phase)) {
    return { kind: 'commit', commit: { rollout: action.change, service: targetIdle(rollout, service, now) } };
  }
  return fromVerification(action);
}

/**
 * A rolled-back rolling rollout leaves its target idle, in the same transaction as it ends: the
 * rollback plan already brought it to 0 instances, and without the rollout's scale the service
 * reconcile would otherwise start it again at its spec's replicas. A rollout targeting it wakes it.
 */
function targetIdle(rollout: Rollout, service: Service, now: number): NonNullable<Commit['service']> {
  const { target } = rollout.spec;
  const next: Service = { ...service, status: { ...service.status, idle: { ...service.status.idle, [target]: now } } };
  const reason = `Version ${target} is idle: rollout ${rollout.name} rolled it back to 0 instances; a rollout targeting it starts it again`;
  return { next, base: service, events: [{ type: EventType.WorkloadChanged, from: 'running', to: 'idle', reason, data: { version: target } }] };
}

function fromVerification(action: VerificationAction): ActionResult {
  if (action.kind === 'change') return commitOf(action.change);
  if (action.kind === 'wait') return action;
  return NEXT;
}

/** The release guardian: every condition every second from the first exposed request to the end. */
async function runGuard({ rollout, now, deps, signal }: PassContext): Promise<ActionResult> {
  if (deps.guardian === undefined) return NEXT;
  const result = await deps.guardian.check(rollout, now, signal);
  return result.kind === 'change' ? commitOf(result.change) : NEXT;
}

/** The background analysis, beside the steps: measures when due, rolls back on failure, holds when undecided. */
async function runBackground({ rollout, now, deps, signal }: PassContext): Promise<ActionResult> {
  return fromVerification(await backgroundAnalysis(rollout, deps.analysis, now, signal));
}

/** The migration's backfill, beside the steps: one batch when due, its progress committed. */
async function runBackfill({ rollout, now, deps }: PassContext): Promise<ActionResult> {
  if (deps.migrator === undefined) return NEXT;
  const change = await backfillStep(rollout, deps.migrator, now);
  return change === undefined ? NEXT : commitOf(change);
}

/** Ready instances the target needs before everyone goes to it: all of them for blue-green (a full environment), else one. */
function instancesNeeded(rollout: Rollout, service: Service): number {
  const source = service.spec.versions[rollout.spec.target];
  return rollout.spec.strategy.kind === 'blueGreen' && source?.kind === 'run' ? source.run.replicas : 1;
}

/** Promoting: 100 % on the target, verified, then the target becomes the service's stable version. */
async function promote(ctx: PassContext): Promise<ActionResult> {
  const { rollout, service, now, deps, signal } = ctx;
  if (rollout.status.phase !== Phase.Promoting) return NEXT;
  const backfilling = backfillPending(rollout);
  if (backfilling !== undefined) return { kind: 'wait', why: `${backfilling} before promoting`, until: backfillDueAt(rollout) ?? now + 1000 };
  const target = rollout.spec.target;
  const ready = deps.readyBackends(service)[target]?.length ?? 0;
  const needed = instancesNeeded(rollout, service);
  if (ready < needed) {
    const what = needed === 1 ? `a ready instance of ${target}` : `every instance of ${target} to be ready (${ready} of ${needed})`;
    if (pastProgressDeadline(rollout, now)) {
      return commitOf(requestAbort(rollout, 'failure', `${needed === 1 ? `No ready instance of ${target}` : `Only ${ready} of ${needed} instances of ${target} ready`} to promote (progress deadline): rolling back`, now));
    }
    return { kind: 'wait', why: `Waiting for ${what} before promoting` };
  }
  if (rollout.status.canaryWeight !== 100) return commitOf(changeWeight(rollout, 100, now));
  const observed = await deps.traffic.observeSplit(service.name, signal);
  if (observed.canary !== target || observed.weight !== 100 || !sameRulesAndMirror(observed, rolloutSplit(rollout, service, ctx.segments))) {
    return { kind: 'wait', why: `Waiting for the data plane to serve 100% on ${target}` };
  }
  // Blue-green keeps blue running for its scaleDownDelay (an instant undo), then the service reconcile retires it.
  // A rolling rollout already replaced blue's instances: its last ones are retired (drained) at once.
  const keepWarmMs = rollout.spec.strategy.kind === 'blueGreen' ? rollout.spec.strategy.blueGreen.scaleDownDelayMs : rollout.spec.strategy.kind === 'rolling' ? 0 : undefined;
  const next: Service = { ...service, status: promotedStatus(service, target, { now, ...(keepWarmMs === undefined ? {} : { keepWarmMs }) }) };
  const warm = next.status.warmUntil?.[service.status.stable] === undefined || keepWarmMs === 0 ? '' : `; ${service.status.stable} stays running for ${formatDuration(keepWarmMs ?? 0)} for an instant undo`;
  const reason = `Rollout ${rollout.name} promoted ${target} to stable (revision ${next.status.revision})${warm}`;
  const events = [{ type: EventType.StableChanged, from: service.status.stable, to: target, reason }];
  // The new revision is recorded in the same transaction as the promotion (`sluice history`, `sluice undo`).
  const revision = { service: service.name, number: next.status.revision, stable: target, spec: service.spec, createdAt: now, actor: 'controller', rollout: rollout.name, outcome: 'promoted' as const };
  return { kind: 'commit', commit: { rollout: finishPromotion(rollout, now), service: { next, base: service, events, revision } } };
}

/** Runs the current step's executor; records completion and moves on. */
async function advanceStep(ctx: PassContext): Promise<ActionResult> {
  const { rollout, service, now, deps, signal } = ctx;
  if (rollout.status.phase !== Phase.Progressing && rollout.status.phase !== Phase.Paused) return NEXT;
  const step = currentStep(rollout);
  if (!step) return commitOf(completeStep(rollout, now, 'no steps left'));
  // A guard, budget, irreversible or manual hold stops the steps until a person decides; analysis and adaptive holds are their steps' own.
  const hold = rollout.status.hold;
  if (hold !== undefined && (hold.source === 'guard' || hold.source === 'budget' || hold.source === 'irreversible' || hold.source === 'manual')) return { kind: 'wait', why: `${hold.reason} (waiting for a person)` };
  // Past the point of no return a failed check holds instead of rolling back; a person's promote goes on past it.
  if (rollout.status.holdReleased === 'irreversible' && VERIFYING_STEPS.has(step.kind)) {
    return commitOf(completeStep(rollout, now, 'a person went on past its failure, beyond the point of no return'));
  }
  const overBudget = budgetHold(rollout, now);
  if (overBudget !== undefined) return commitOf(overBudget);
  const readyBackends = await servedBackends(deps.traffic, service.name, deps.readyBackends(service), signal);
  const { segments } = ctx;
  const wantedSplit = (r: Rollout) => rolloutSplit(r, service, segments);
  const desiredReplicas = Object.fromEntries(Object.entries(service.spec.versions).flatMap(([v, source]) => (source.kind === 'run' ? [[v, source.run.replicas]] : [])));
  const progress = await deps.executors.advance(step, { rollout, now, traffic: deps.traffic, signal, readyBackends, desiredReplicas, segments, wantedSplit });
  if (progress.kind === 'change') return commitOf(progress.change);
  if (progress.kind === 'done') return commitOf(completeStep(rollout, now, progress.why));
  return progress.until === undefined ? { kind: 'wait', why: progress.why } : progress;
}

/**
 * The ready instances the data plane already routes to: a step may send traffic to a version only
 * once its endpoints are in the data plane's table, not merely ready in the runtime (an instance can
 * become ready between the service reconcile that pushes endpoints and this pass; an nginx or HAProxy
 * takes a reload to add it).
 */
async function servedBackends(traffic: TrafficRouter, service: string, ready: Readonly<Record<string, readonly string[]>>, signal: AbortSignal): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const [version, endpoints] of Object.entries(ready)) {
    const routed = await Promise.all(endpoints.map((e) => traffic.upstreamUse(service, e, signal).then((u) => u.routed === 'all', () => false)));
    out[version] = endpoints.filter((_, i) => routed[i]);
  }
  return out;
}

const VERIFYING_STEPS: ReadonlySet<string> = new Set(['analysis', 'checklist', 'load', 'adaptive']);

/** The reconcile pass: small idempotent actions in order; the first that has work to do wins. */
const ACTIONS = [startIfPending, syncTraffic, syncTargets, completeAbort, runGuard, runBackfill, promote, runBackground, advanceStep] as const;

/** The earliest time the background analysis needs a pass, so a long step wait does not delay it. */
function backgroundDue(rollout: Rollout): number | undefined {
  const run = rollout.status.background;
  return run === undefined || run.status !== 'running' || isTerminal(rollout.status.phase) ? undefined : nextDue(run);
}

const MAX_COMMITS_PER_CALL = 50;

/**
 * Drives one rollout as far as it can go now. Reads the truth from the store on every pass, so it
 * can be called at any time, by any process, after any crash.
 */
export async function reconcileRollout(name: string, deps: RolloutReconcileDeps, signal: AbortSignal): Promise<ReconcileOutcome> {
  for (let i = 0; i < MAX_COMMITS_PER_CALL; i++) {
    const rollout = await deps.store.rollouts.get(name);
    if (!rollout) return { kind: 'finished', phase: Phase.Aborted };
    const service = await deps.store.services.get(rollout.spec.service);
    if (!service) return { kind: 'waiting', why: `Service ${rollout.spec.service} does not exist` };
    const segments = deps.segments ?? (await loadSegments(deps.store.segments, deps.store.flags));
    const ctx: PassContext = { rollout, service, segments, now: deps.clock.now(), deps, signal };
    let result: ActionResult = NEXT;
    for (const action of ACTIONS) {
      result = await action(ctx);
      if (result.kind !== 'next') break;
    }
    if (result.kind === 'wait') {
      const until = Math.min(result.until ?? Infinity, backgroundDue(rollout) ?? Infinity, backfillDueAt(rollout) ?? Infinity, deps.guardian?.due(rollout.name) ?? Infinity);
      return { kind: 'waiting', why: result.why, ...(Number.isFinite(until) ? { until } : {}), ...(result.until === undefined ? {} : { timed: true }) };
    }
    if (result.kind === 'next') {
      if (isTerminal(rollout.status.phase)) return { kind: 'finished', phase: rollout.status.phase };
      return { kind: 'waiting', why: rollout.status.message };
    }
    // Stopping: what this pass decided may rest on work the stop interrupted; the next process redoes it.
    if (signal.aborted) return { kind: 'waiting', why: 'The control plane is stopping' };
    try {
      const commit: Commit = { ...result.commit, base: rollout };
      const stamp: Stamp = { actor: 'controller', at: ctx.now };
      await (deps.commit === undefined ? commitChange(deps.store, commit, stamp) : deps.commit(commit, stamp));
    } catch (error) {
      if (!(isSluiceError(error) && error.code === ErrorCode.VERSION_CONFLICT)) throw error;
      deps.log.info('rollout changed while reconciling; re-reading', { rollout: name });
    }
  }
  return { kind: 'waiting', why: 'More work remains; continuing on the next pass' };
}
