import type { AnalysisRunState } from '../analysis/analysis-run.js';

/**
 * What the current step has done so far, stored in the rollout's status so any process continues it
 * after a crash. Cleared when the step completes.
 */
export interface StepState {
  /** The step this state belongs to; state for another index is stale and ignored. */
  readonly stepIndex: number;
  readonly startedAt: number;
  readonly analysis?: AnalysisRunState;
  readonly approval?: ApprovalRecord;
  readonly checklist?: readonly ChecklistItemState[];
  readonly load?: LoadState;
  /** An adaptive step: the weight it holds now and since when it has been healthy there. */
  readonly adaptive?: { readonly weight: number; readonly since: number };
}

/** Who let the rollout go on, when and why. */
export interface ApprovalRecord {
  readonly by: string;
  readonly at: number;
  readonly comment?: string;
}

export type ChecklistItemPhase = 'pending' | 'awaiting-person' | 'verifying' | 'passed' | 'failed';

export interface ChecklistItemState {
  readonly name: string;
  readonly phase: ChecklistItemPhase;
  /** When the operation finished (or the person confirmed it). */
  readonly operatedAt?: number;
  /** A person's confirmation of an instruction. */
  readonly confirmed?: ApprovalRecord;
  /** When verification started, and when it is next due. */
  readonly verifyStartedAt?: number;
  readonly nextAt?: number;
  /** The last outcome, for people. */
  readonly detail?: string;
}

/** A load step's generator: when it started (a restart resumes it for what is left). */
export interface LoadState {
  readonly startedAt: number;
  /** The generator's last reported totals, for status views. */
  readonly sent?: number;
  readonly errors?: number;
}

/** A checklist item's rollback verification, run once traffic is back on stable after an abort. */
export interface RollbackCheckState {
  readonly step: number;
  readonly item: string;
  readonly phase: 'pending' | 'passed' | 'failed';
  readonly startedAt?: number;
  readonly nextAt?: number;
  readonly detail?: string;
}
