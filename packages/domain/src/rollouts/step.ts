import { describeConditions } from '../traffic/describe-rule.js';
import { describeSetFlag } from '../flags/flag-step.js';
import type { ConditionSpec } from '../traffic/routing.js';
import type { AnalysisRef } from '../analysis/analysis-spec.js';
import type { ApprovalStep, ChecklistStep, LoadStep } from './verification-steps.js';
import type { AdaptiveStep } from '../guard/guard-spec.js';
import type { RollingBatchesStep } from './rolling.js';
import type { SetFlagStep } from '../flags/flag-step.js';
import type { MigrationContractStep, MigrationExpandStep } from '../migrations/migration-spec.js';

/**
 * One step of a canary strategy. A discriminated union: later issues add kinds (analysis, checklist,
 * approval, migration, flag), each with its own StepExecutor in the control plane.
 */
export type Step =
  | SetWeightStep
  | PauseStep
  | SetHeaderRouteStep
  | SetSegmentRouteStep
  | SetMirrorStep
  | AnalysisStep
  | ChecklistStep
  | ApprovalStep
  | LoadStep
  | AdaptiveStep
  | PointOfNoReturnStep
  | WaveStep
  | RollingBatchesStep
  | SetFlagStep
  | MigrationExpandStep
  | MigrationContractStep;

/**
 * Runs wave `wave` of a waves strategy (domain/waves/): its targets run the wave's own steps, at most
 * `maxConcurrent` at a time; the step completes once every target of the wave has finished them.
 */
export interface WaveStep {
  readonly kind: 'wave';
  /** 0-based index into the strategy's waves. */
  readonly wave: number;
  readonly name: string;
}

/**
 * Marks what follows as irreversible (a schema contract will set this itself): after it, a breach or a
 * failed check holds the rollout for a person instead of rolling back.
 */
export interface PointOfNoReturnStep {
  readonly kind: 'pointOfNoReturn';
  readonly reason: string;
}

/**
 * Blocks until every metric of the templates is decided. A metric with `count` ends after that many
 * measurements; one without ends when `durationMs` is up (required then).
 */
export interface AnalysisStep extends AnalysisRef {
  readonly kind: 'analysis';
  readonly durationMs?: number;
}

/** Sends `weight` percent of traffic to the canary. 0..100, in steps of 0.01 (10,000 buckets). */
export interface SetWeightStep {
  readonly kind: 'setWeight';
  readonly weight: number;
}

/** Waits `durationMs`, or for `promote` when no duration is given. */
export interface PauseStep {
  readonly kind: 'pause';
  readonly durationMs?: number;
}

/**
 * Adds (or replaces) the rollout's rule `name` sending requests that match every condition to the
 * target. Without `match` it removes the rule, as Argo Rollouts does.
 */
export interface SetHeaderRouteStep {
  readonly kind: 'setHeaderRoute';
  readonly name: string;
  readonly match?: readonly ConditionSpec[];
}

/** Sends a Segment's requests to the target (the rule is named `segment:<name>`), or removes that rule. */
export interface SetSegmentRouteStep {
  readonly kind: 'setSegmentRoute';
  readonly segment: string;
  readonly remove?: boolean;
}

/** Copies `percent` of requests to the target, discarding its responses; 0 stops mirroring. */
export interface SetMirrorStep {
  readonly kind: 'setMirror';
  readonly percent: number;
  readonly maxBodyBytes: number;
}

export type StepKind = Step['kind'];

/** The name of the rollout rule a setSegmentRoute step manages; the colon keeps it apart from setHeaderRoute names. */
export function segmentRouteName(segment: string): string {
  return `segment:${segment}`;
}

/** One line a human reads: "setWeight 20", "pause 30s", "pause (until promoted)". */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'setWeight':
      return `setWeight ${step.weight}`;
    case 'pause':
      return step.durationMs === undefined ? 'pause (until promoted)' : `pause ${step.durationMs / 1000}s`;
    case 'setHeaderRoute':
      return step.match === undefined ? `setHeaderRoute ${step.name} (remove)` : `setHeaderRoute ${step.name}: ${describeConditions(step.match)}`;
    case 'setSegmentRoute':
      return `setSegmentRoute ${step.segment}${step.remove ? ' (remove)' : ''}`;
    case 'setMirror':
      return step.percent === 0 ? 'setMirror 0 (stop)' : `setMirror ${step.percent}%`;
    case 'analysis':
      return `analysis ${step.templates.join(', ')}${step.durationMs === undefined ? '' : ` for ${step.durationMs / 1000}s`}`;
    case 'checklist':
      return `checklist (${step.items.length} item${step.items.length === 1 ? '' : 's'})`;
    case 'approval':
      return step.approvers === undefined ? 'approval' : `approval by ${step.approvers.join(' or ')}`;
    case 'load':
      return `load ${step.rps} rps for ${step.durationMs / 1000}s`;
    case 'pointOfNoReturn':
      return `point of no return: ${step.reason}`;
    case 'wave':
      return `wave ${step.wave + 1} (${step.name})`;
    case 'setFlag':
      return describeSetFlag(step);
    case 'migrationExpand':
      return 'migration: expand (before traffic)';
    case 'migrationContract':
      return `migration: contract after ${step.drainMs / 1000}s of drain and approval${step.approvers === undefined ? '' : ` by ${step.approvers.join(' or ')}`} (point of no return)`;
    case 'rollingBatches':
      return `rolling batches (maxSurge ${step.maxSurge}, maxUnavailable ${step.maxUnavailable})`;
    case 'adaptive':
      return `adaptive ${step.startWeight}% → ${step.maxWeight}% (${step.factor !== undefined ? `×${step.factor}` : `+${step.increment ?? 0}`} every ${step.healthyForMs / 1000}s healthy)`;
  }
}

/** The smallest weight change the data plane can express: one bucket of 10,000. */
export const WEIGHT_RESOLUTION = 0.01;

export function isValidWeight(weight: number): boolean {
  return Number.isFinite(weight) && weight >= 0 && weight <= 100 && Math.abs(weight * 100 - Math.round(weight * 100)) < 1e-9;
}
