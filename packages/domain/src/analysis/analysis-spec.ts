import type { GateSettings } from './gate.js';
import type { ErrorRateOptions, LatencyExceedanceOptions } from './sequential.js';
import type { BaselineDirection } from './baseline.js';
import type { MannWhitneyOptions } from './mann-whitney.js';
import type { BurstOptions } from './burst.js';

/**
 * What an AnalysisTemplate, an analysis step and a checklist verification say to measure and how to
 * judge it. Plain data: the spec package builds it from YAML, the control plane runs it.
 */

/** Where a metric comes from. Each kind maps to one MetricProvider in the control plane. */
export type ProviderSpec =
  /** The built-in proxy's per-version windows; the query is a metric name (requests, errors, error-rate, latency-p99 …). */
  | { readonly kind: 'builtin' }
  /** A Prometheus server; the query is PromQL. */
  | { readonly kind: 'prometheus'; readonly address: string }
  /** An HTTP endpoint answering JSON; the query is a URL (absolute or relative to baseUrl). */
  | { readonly kind: 'web'; readonly baseUrl?: string; readonly jsonPath?: string; readonly headers?: Readonly<Record<string, string>> }
  /** PostgreSQL (postgres://…) or SQLite (sqlite:path) queried read-only; the query is SQL returning one number. */
  | { readonly kind: 'sql'; readonly url: string }
  /** A command run without a shell; the query is its argv, and the number it prints last is the value. */
  | { readonly kind: 'command' };

export type ProviderKind = ProviderSpec['kind'];

/**
 * How measurements become a verdict. threshold judges the canary's value alone; every other judge
 * measures the canary and the stable version over the same window.
 */
export type JudgeSpec =
  /** Argo's successCondition/failureCondition over `result` (the canary's value), e.g. `result < 0.01`. */
  | { readonly kind: 'threshold'; readonly successCondition?: string; readonly failureCondition?: string }
  /** Canary vs stable value with an absolute and/or relative tolerance. */
  | {
      readonly kind: 'baseline';
      readonly direction?: BaselineDirection;
      readonly absoluteTolerance?: number;
      readonly relativeTolerance?: number;
    }
  /** Kayenta's Mann-Whitney classifier over the two sides' samples (a vector or range query). */
  | { readonly kind: 'mannWhitney'; readonly options: MannWhitneyOptions }
  /**
   * Always-valid sequential test of the error rates, over everything since the analysis started, with the
   * fast path. `requestsQuery` and `errorsQuery` count each side (defaults: builtin "requests" and "errors").
   */
  | { readonly kind: 'errorRate'; readonly requestsQuery: string; readonly errorsQuery: string; readonly options: Partial<ErrorRateOptions> }
  /**
   * Sequential test of the share of requests slower than the stable version's `quantile` (its p99 by
   * default): referenceQuery gives that latency in ms on the stable side, aboveQuery (with {{thresholdMs}})
   * counts slower requests, requestsQuery counts all. Defaults suit the builtin provider.
   */
  | {
      readonly kind: 'latency';
      readonly quantile: number;
      readonly referenceQuery: string;
      readonly aboveQuery: string;
      readonly requestsQuery: string;
      readonly options: Partial<LatencyExceedanceOptions>;
    }
  /**
   * The guardian's change-point check: canary errors over the last few seconds (each of `windowsSeconds`)
   * against stable's rate over `baselineSeconds`. Fails on a burst; never fails slowly, never passes on
   * little data. Queries default to the builtin "requests" and "errors".
   */
  | {
      readonly kind: 'errorBurst';
      readonly requestsQuery: string;
      readonly errorsQuery: string;
      readonly windowsSeconds: readonly number[];
      readonly baselineSeconds: number;
      readonly options: Partial<BurstOptions>;
    };

export type JudgeKind = JudgeSpec['kind'];

/** Judges that compare canary with stable (and so query both versions). */
export function comparesWithStable(judge: JudgeSpec): boolean {
  return judge.kind !== 'threshold';
}

/** Judges whose evidence accumulates from the start of the analysis (sequential tests). */
export function isCumulative(judge: JudgeSpec): boolean {
  return judge.kind === 'errorRate' || judge.kind === 'latency';
}

/** One query to one provider, judged once. */
export interface MetricCheck {
  readonly provider: ProviderSpec;
  /** In the provider's language, with {{placeholders}}. Not needed by errorRate and latency judges. */
  readonly query?: string;
  readonly judge: JudgeSpec;
  /**
   * The window measured, ending now. Undefined: the metric's interval for point judges, everything
   * since the analysis started for sequential judges.
   */
  readonly windowMs?: number;
  /** Longest one provider call may take. */
  readonly timeoutMs: number;
  /** Provider attempts after the first, with backoff. */
  readonly retries: number;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;
export const DEFAULT_CHECK_RETRIES = 2;

/** A metric of an analysis: a check repeated every interval, its verdicts folded by a gate. */
export interface AnalysisMetric extends MetricCheck {
  readonly name: string;
  readonly intervalMs: number;
  /** Wait before the first measurement (so the window has data). Default: one interval. */
  readonly initialDelayMs?: number;
  readonly gate: GateSettings;
}

export const DEFAULT_ANALYSIS_INTERVAL_MS = 10_000;

export interface TemplateArg {
  readonly name: string;
  /** The default; an argument without one must be given by the step that uses the template. */
  readonly value?: string;
}

export interface AnalysisTemplateSpec {
  readonly args: readonly TemplateArg[];
  readonly metrics: readonly AnalysisMetric[];
}

/** A reusable set of metrics, judges and gate settings, with arguments. */
export interface AnalysisTemplate {
  readonly name: string;
  readonly spec: AnalysisTemplateSpec;
  /** Optimistic-concurrency version; 0 before the first save. */
  readonly version: number;
}

/** Which templates an analysis runs, with the arguments it passes them. */
export interface AnalysisRef {
  readonly templates: readonly string[];
  readonly args: Readonly<Record<string, string>>;
}

/** Arguments every analysis gets without declaring them. */
export const BUILTIN_ARGS = ['service', 'version', 'canary', 'stable', 'rollout', 'window', 'thresholdMs'] as const;
