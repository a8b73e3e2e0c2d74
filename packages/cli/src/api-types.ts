import type {
  AnalysisTemplateSpec,
  Experiment,
  Flag,
  FlagEvaluation,
  FlagRevision,
  StaleFlag,
  ExperimentReport,
  ObservedSplit,
  ReleaseEvent,
  Revision,
  RolloutSpec,
  RolloutStatus,
  SegmentSpec,
  ServiceSpec,
  ServiceStatus,
} from '@sluice/domain';

/** The shapes of docs/api.md, as the CLI reads them. */

export interface ApplyResult {
  readonly kind: string;
  readonly name: string;
  readonly action: 'created' | 'configured' | 'unchanged';
}

export interface ApplyResponse {
  readonly dryRun: boolean;
  readonly results: readonly ApplyResult[];
}

export interface WorkloadInstanceView {
  readonly id: string;
  readonly pid?: number;
  readonly endpoint?: string;
  readonly state: string;
  readonly restarts: number;
}

export interface WorkloadView {
  readonly version: string;
  readonly desiredReplicas: number;
  readonly readyEndpoints: readonly string[];
  readonly instances: readonly WorkloadInstanceView[];
}

export interface ServiceView {
  readonly name: string;
  readonly version: number;
  readonly spec: ServiceSpec;
  readonly status: ServiceStatus;
  /** Name of the rollout in progress, if any. */
  readonly activeRollout?: string;
  /** What the data plane reports it serves; absent when it cannot be observed. */
  readonly traffic?: ObservedSplit;
  readonly workloads?: readonly WorkloadView[];
  /** Why the control plane cannot serve the service as declared (e.g. a listener it could not open). */
  readonly problem?: string;
}

/** GET /services/{name}/revisions: a revision, whether it is current, and whether `undo` may return to it. */
export interface RevisionView extends Revision {
  readonly current: boolean;
  /** When it stopped being current (ms since epoch); absent for the current revision. */
  readonly supersededAt?: number;
  readonly undoable: boolean;
  /** Why undo cannot return to it. */
  readonly reason?: string;
}

export interface StepView {
  readonly index: number;
  readonly kind: string;
  readonly description: string;
  readonly state: 'done' | 'current' | 'pending';
}

export interface RolloutView {
  readonly name: string;
  readonly version: number;
  readonly spec: RolloutSpec;
  readonly status: RolloutStatus;
  readonly steps: readonly StepView[];
  /** What the controller is waiting for, as of its last pass (e.g. a ready instance, the data plane). */
  readonly waitingFor?: string;
  /** The last 20 events, oldest first (only on GET /rollouts/{name}). */
  readonly events?: readonly ReleaseEvent[];
}

export interface SegmentView {
  readonly name: string;
  readonly version: number;
  readonly spec: SegmentSpec;
  /** What the segment steers now: services whose routes and active rollouts whose rules name it. */
  readonly usedBy: { readonly services: readonly string[]; readonly rollouts: readonly string[] };
}

export interface AnalysisTemplateView {
  readonly name: string;
  readonly version: number;
  readonly spec: AnalysisTemplateSpec;
  /** The active rollouts whose analysis steps or background analysis name the template. */
  readonly usedBy: { readonly rollouts: readonly string[] };
}

/** GET /rollouts/{name}/decisions: AnalysisMeasured (data is a MeasurementRecord), AnalysisDecided, ChecklistItemChanged, ApprovalRecorded and LoadFinished events. */
export interface DecisionList {
  readonly decisions: readonly ReleaseEvent[];
}

export interface ItemList<T> {
  readonly items: readonly T[];
}

/** One spec file for a multi-file apply: `{ "files": [SpecFile] }`. */
export interface SpecFile {
  /** The name used in error positions. */
  readonly name: string;
  readonly text: string;
}

/** GET /experiments/{name}: the experiment, its bucket ranges, the users it counted and its report. */
export interface ExperimentView extends Experiment {
  readonly allocation: readonly { readonly variant: string; readonly weight: number; readonly from: number; readonly to: number }[];
  readonly users: number;
  readonly droppedExposures: number;
  readonly report: ExperimentReport;
}

/** GET /flags[/{name}]: a flag and, per environment, whether it is on, its default rollout and how many rules and overrides it has. */
export interface FlagView extends Flag {
  readonly environments: Readonly<Record<string, { readonly enabled: boolean; readonly rollout: number; readonly rules: number; readonly overrides: number }>>;
}

/** GET /flags/{name}/history: the flag's versions, newest first. */
export type { FlagRevision };

/** GET /flags/stale: flags that have done their job, with what to do about each. */
export interface StaleFlagReport {
  readonly unusedDays: number;
  readonly items: readonly StaleFlag[];
}

/** POST /flags/{name}/environments/{env}: what to change (at least one of enabled, rollout, variantWeights). */
export interface FlagEnvironmentChange {
  readonly enabled?: boolean;
  readonly rollout?: number;
  readonly variantWeights?: Readonly<Record<string, number>>;
  readonly reason?: string;
}

/** POST /flags/evaluate with one flag: the evaluation and the snapshot (seq) it was made against. */
export interface FlagEvaluationView extends FlagEvaluation {
  readonly environment: string;
  readonly seq: number;
  readonly flag: string;
}

/** One version's series of GET /rollouts/{name}/metrics: per second, null where nothing was served. */
export interface MetricSeries {
  readonly version: string;
  readonly role: 'stable' | 'canary';
  readonly t: readonly number[];
  readonly requests: readonly number[];
  readonly errors?: readonly number[];
  readonly errorRate: readonly (number | null)[];
  readonly p50Ms: readonly (number | null)[];
  readonly p99Ms: readonly (number | null)[];
}

/** A guard threshold drawn on a chart: a number, or a number with a label (and what it is relative to). */
export type Threshold = number | { readonly value: number; readonly label?: string; readonly relativeTo?: string; readonly ratio?: number };

/** GET /rollouts/{name}/metrics[?after=ms]: the rollout's per-version traffic over time, its steps and the guard's limits. */
export interface RolloutMetrics {
  readonly rollout: string;
  readonly service: string;
  readonly stable: string;
  readonly canary: string;
  readonly from: number;
  readonly to: number;
  readonly stepMs: number;
  readonly truncated?: boolean;
  readonly series: readonly MetricSeries[];
  readonly thresholds: Readonly<Record<string, Threshold | undefined>>;
  readonly steps: readonly { readonly index: number; readonly kind: string; readonly startedAt: number; readonly description: string }[];
}

/** The query of GET /events: filters (exact), seq bounds, order and page size. */
export interface EventQuery {
  readonly service?: string | undefined;
  readonly actor?: string | undefined;
  /** Comma-separated event types. */
  readonly type?: string | undefined;
  /** `Kind/name`, e.g. `Rollout/shop-v2`. */
  readonly subject?: string | undefined;
  readonly after?: number | undefined;
  readonly before?: number | undefined;
  readonly order?: 'asc' | 'desc' | undefined;
  readonly limit?: number | undefined;
}
