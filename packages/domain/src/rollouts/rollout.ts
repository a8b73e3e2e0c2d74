import type { EventDraft } from '../events/release-event.js';
import type { FlagBaseline } from '../flags/flag-step.js';
import type { MirrorSpec, RouteRuleSpec } from '../traffic/routing.js';
import { isTerminal, Phase } from './phase.js';
import type { Step } from './step.js';
import type { AnalysisRef } from '../analysis/analysis-spec.js';
import type { AnalysisRunState } from '../analysis/analysis-run.js';
import type { RollbackCheckState, StepState } from './step-state.js';
import type { Exposure, ExposureBudget, GuardRunState, GuardSpec } from '../guard/guard-spec.js';
import type { RollbackPlan } from './rollback-plan.js';
import type { AbortCause } from './transition.js';
import type { BlueGreenStrategy } from './blue-green.js';
import type { WavesStrategy } from '../waves/waves.js';
import type { RollingStrategy, Scale } from './rolling.js';
import type { TargetsProgress } from '../waves/wave-progress.js';
import type { MigrationSpec } from '../migrations/migration-spec.js';
import type { MigrationState } from '../migrations/migration-state.js';

export interface CanaryStrategy {
  readonly kind: 'canary';
  readonly steps: readonly Step[];
}
/**
 * Every strategy runs `steps` on the same state machine: a canary lists them, blue-green expands its
 * spec into them (blue-green.ts), waves into one `wave` step per wave plus its bake and gate (waves/),
 * rolling into one `rollingBatches` step (rolling.ts).
 */
export type Strategy = CanaryStrategy | BlueGreenStrategy | WavesStrategy | RollingStrategy;

/**
 * Why a rollout waits for a person, and whether the hold itself paused it (so releasing it resumes).
 * `manual`: a person paused it (`sluice pause`); `resume` (or `promote`) releases it.
 */
export interface Hold {
  readonly source: 'analysis' | 'background' | 'guard' | 'budget' | 'adaptive' | 'irreversible' | 'manual';
  readonly reason: string;
  readonly at: number;
  readonly paused: boolean;
}

export interface RolloutSpec {
  readonly service: string;
  /** The version being rolled out; a key of the service's `versions`. */
  readonly target: string;
  readonly strategy: Strategy;
  /**
   * How long the rollout may wait for a ready instance of the target before it fails and rolls
   * back (Argo's progressDeadlineSeconds with abort on). Default DEFAULT_PROGRESS_DEADLINE_MS.
   */
  readonly progressDeadlineMs?: number;
  /** The release guardian's conditions; absent: DEFAULT_GUARD. */
  readonly guard?: GuardSpec;
  /** Caps on exposure before an analysis has passed for the target. */
  readonly exposureBudget?: ExposureBudget;
  /** Analysis that runs beside the steps (Argo's spec.strategy.canary.analysis). */
  readonly analysis?: { readonly background?: BackgroundAnalysis };
  /** The schema migration tied to the rollout's phases (expand before traffic, backfill, contract after 100 %). */
  readonly migration?: MigrationSpec;
}

/** Runs from step `fromStep` (0-based index) until the rollout ends; a failure aborts the rollout. */
export interface BackgroundAnalysis extends AnalysisRef {
  readonly fromStep: number;
}

/** Ten minutes, as Argo Rollouts and Flagger default to. */
export const DEFAULT_PROGRESS_DEADLINE_MS = 600_000;

/**
 * True when the rollout has gone `progressDeadline` without any recorded change while waiting
 * for its target: the caller then fails it, which returns all traffic to stable.
 */
export function pastProgressDeadline(rollout: Rollout, now: number): boolean {
  const deadline = rollout.spec.progressDeadlineMs ?? DEFAULT_PROGRESS_DEADLINE_MS;
  return now - rollout.status.updatedAt >= deadline;
}

export interface RolloutStatus {
  readonly phase: Phase;
  /** Index of the step being executed; equals steps.length once every step is done. */
  readonly stepIndex: number;
  /** Percent of traffic the controller wants on the target (0..100). */
  readonly canaryWeight: number;
  /** The stable version when the rollout was created: what abort returns traffic to. */
  readonly stable: string;
  /** Set while in a timed pause: when the pause ends (ms since epoch). Stored, not a timer. */
  readonly pauseUntil?: number;
  /** Set while paused: when the pause began. */
  readonly pausedAt?: number;
  /** Why the rollout is aborting or aborted. */
  readonly abortCause?: AbortCause;
  /** A promote request for the current (indefinite or timed) pause. */
  readonly promoteRequested?: boolean;
  /**
   * The rollout's own match rules, in the order its steps added them (segments by name). They go
   * before the service's static routes; abort and promotion clear them.
   */
  readonly rules?: readonly RouteRuleSpec[];
  /** Mirroring to the target set by a setMirror step; abort and promotion clear it. */
  readonly mirror?: MirrorSpec;
  /** What the current step has done so far (analysis gates, approval, checklist, load). */
  readonly stepState?: StepState;
  /** The guardian's run, from the first exposed request to the end. */
  readonly guard?: GuardRunState;
  /** What the rollout has exposed to its target so far. */
  readonly exposure?: Exposure;
  /** An analysis (step or background) has passed for the target: the exposure budget no longer caps it. */
  readonly verified?: boolean;
  /** The background analysis, once it has started. */
  readonly background?: AnalysisRunState;
  /** An analysis waits for a person (inconclusive or halted): `promote` releases it, `abort` rolls back. */
  readonly hold?: Hold;
  /** A person released the hold of this source; its analysis goes on (and clears this). */
  readonly holdReleased?: Hold['source'];
  /** Set once a step did what cannot be undone (a schema contract): failures then hold instead of rolling back. */
  readonly pointOfNoReturn?: { readonly step: number; readonly at: number; readonly reason: string };
  /** Set when the rollout starts rolling back: its operations and which are done. */
  readonly rollbackPlan?: RollbackPlan;
  /** Waves: each selected target's wave, step, weight and phase (assigned when the first wave starts). */
  readonly targets?: TargetsProgress;
  /** Waves: the index of the wave started last. */
  readonly wave?: number;
  /** Rollback verifications owed by checklist items whose operation ran; run during an abort. */
  readonly rollbackChecks?: readonly RollbackCheckState[];
  /**
   * Flags the rollout's setFlag steps changed, each environment's settings as they were before the
   * first change (recorded before the flag is written), so the rollback plan's `flags` op restores them.
   */
  readonly flagBaselines?: Readonly<Record<string, FlagBaseline>>;
  /**
   * Rolling strategy: replicas per version (target and stable) the rollout wants the runtime to run,
   * instead of the spec's; set from the first batch, restored by the rollback plan's `runtime` op.
   */
  readonly scale?: Scale;
  /** The schema migration's phase and backfill progress (absent until it starts). */
  readonly migration?: MigrationState;
  /** Last human-readable explanation of the state. */
  readonly message: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly finishedAt?: number;
}

export interface Rollout {
  readonly name: string;
  readonly spec: RolloutSpec;
  readonly status: RolloutStatus;
  /** Who created it: the actor of the apply (absent for rollouts stored before this was recorded). */
  readonly createdBy?: string;
  /** Optimistic-concurrency version; 0 before the first save. */
  readonly version: number;
}

/** A state change together with the events that describe it; both are saved in one transaction. */
export interface RolloutChange {
  readonly rollout: Rollout;
  readonly events: readonly EventDraft[];
}

export function createRollout(name: string, spec: RolloutSpec, stable: string, now: number, createdBy?: string): Rollout {
  return {
    name,
    spec,
    ...(createdBy === undefined ? {} : { createdBy }),
    version: 0,
    status: {
      phase: Phase.Pending,
      stepIndex: 0,
      canaryWeight: 0,
      stable,
      message: 'Waiting for the controller to start the rollout',
      createdAt: now,
      updatedAt: now,
    },
  };
}

export function isActive(rollout: Rollout): boolean {
  return !isTerminal(rollout.status.phase);
}

export function currentStep(rollout: Rollout): Step | undefined {
  return rollout.spec.strategy.steps[rollout.status.stepIndex];
}

/** Which version serves what share, as the rollout wants it now. */
export interface DesiredSplit {
  readonly stable: string;
  readonly canary?: string;
  /** Percent of traffic on `canary`. 0 when there is no canary. */
  readonly weight: number;
}

export function desiredSplit(rollout: Rollout): DesiredSplit {
  const { phase, stable, canaryWeight } = rollout.status;
  if (phase === Phase.Aborting && stableEmptyWhileRollingBack(rollout)) return { stable, canary: rollout.spec.target, weight: canaryWeight };
  if (phase === Phase.Aborting || phase === Phase.Aborted || phase === Phase.Failed) {
    return { stable, weight: 0 };
  }
  if (phase === Phase.Succeeded) return { stable: rollout.spec.target, weight: 0 };
  return { stable, canary: rollout.spec.target, weight: canaryWeight };
}

/**
 * A rolling rollout rolling back whose stable has no instance left (possible with maxSurge 0): its
 * traffic stays where it is until the stable is back (the rollback raises `status.scale` once the
 * stable has a ready instance), instead of going to a version with nothing to serve it.
 */
export function stableEmptyWhileRollingBack(rollout: Rollout): boolean {
  return rollout.spec.strategy.kind === 'rolling' && rollout.status.phase === Phase.Aborting && rollout.status.scale?.[rollout.status.stable] === 0;
}

/** Spec equality for idempotent apply: the same spec re-applied is "unchanged". */
export function sameRolloutSpec(a: RolloutSpec, b: RolloutSpec): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
