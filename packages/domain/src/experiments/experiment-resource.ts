/**
 * The Experiment resource as the control plane keeps it: the spec (an ExperimentSpec whose metrics
 * are read from conversion events), its status, and the counts its events added up to. The counts are
 * sufficient statistics per variant, so nothing per user is kept but the marks that make exposures and
 * conversions count once per user (see attribute-events.ts).
 */
import type { ProviderSpec } from '../analysis/analysis-spec.js';
import type { ExperimentResult } from './report-types.js';
import type { ConversionStats, ExperimentData, ExperimentMetric, ExperimentMetricStats, ExperimentSpec, MeanStats } from './experiment-spec.js';

/** A metric computed from conversion events named `event`. */
export interface EventMetric extends ExperimentMetric {
  /** The event name, e.g. "checkout" (POST /api/v1/events, or an SDK's track call). */
  readonly event: string;
}

/**
 * A conversion-like metric of a version experiment read from a metric provider (the built-in proxy's
 * windows, Prometheus …): per variant, successQuery over totalQuery with {{version}} set to the
 * variant's version, over the experiment's running time. The counts are requests, not users, so they
 * are not independent samples: such metrics suit guardrails better than the primary.
 */
export interface ProviderMetric extends ExperimentMetric {
  readonly kind: 'conversion';
  readonly provider: ProviderSpec;
  /** The count that "converted", e.g. builtin "errors". */
  readonly successQuery: string;
  /** The count it is out of, e.g. builtin "requests". */
  readonly totalQuery: string;
}

export type ExperimentResourceMetric = EventMetric | ProviderMetric;

export const isProviderMetric = (metric: ExperimentResourceMetric): metric is ProviderMetric => 'provider' in metric;

/** Provider metrics' counts per variant, by metric name then variant name (computed when the report is read). */
export type ProviderMetricStats = Readonly<Record<string, Readonly<Record<string, ConversionStats>>>>;

export interface ExperimentResourceSpec extends ExperimentSpec {
  /**
   * The service whose versions the variants serve (version variants), or only a label for the events
   * of a flag experiment. Version experiments own the service's traffic split while they run.
   */
  readonly service?: string;
  readonly primaryMetric: ExperimentResourceMetric;
  readonly guardrailMetrics: readonly ExperimentResourceMetric[];
}

export type ExperimentPhase = 'Running' | 'Stopped' | 'Promoted';

/** The result when the experiment stopped or was promoted; while it runs the report is computed on each read. */
export interface ExperimentResultRecord {
  readonly result: ExperimentResult;
  readonly winner: string | null;
  /** Milliseconds since the epoch. */
  readonly at: number;
}

export interface ExperimentPromotion {
  readonly variant: string;
  /** The version made stable, for a version experiment. */
  readonly version?: string;
  /** Promoted without the report naming it the winner. */
  readonly forced: boolean;
}

export interface ExperimentStatus {
  readonly phase: ExperimentPhase;
  /** When it was applied and began counting events (ms since epoch). */
  readonly startedAt: number;
  /** When it stopped counting (stopped or promoted). */
  readonly endedAt?: number;
  /** Who stopped or promoted it, and why. */
  readonly endedBy?: string;
  readonly reason?: string;
  readonly promoted?: ExperimentPromotion;
  readonly result?: ExperimentResultRecord;
}

export interface Experiment {
  readonly name: string;
  readonly spec: ExperimentResourceSpec;
  readonly status: ExperimentStatus;
  /** Optimistic-concurrency version; 0 before the first save. */
  readonly version: number;
}

/** What an experiment's events added up to, per variant. */
export interface ExperimentCounts {
  /** Distinct users exposed, by variant. */
  readonly exposures: Readonly<Record<string, number>>;
  /** Conversion metrics: distinct exposed users who converted, by metric then variant. */
  readonly conversions: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Mean metrics: count, sum and sum of squares of the values, by metric then variant. */
  readonly values: Readonly<Record<string, Readonly<Record<string, MeanStats>>>>;
  /** Exposures refused because the experiment already had MAX_EXPERIMENT_USERS users. */
  readonly droppedExposures: number;
}

export const EMPTY_EXPERIMENT_COUNTS: ExperimentCounts = Object.freeze({ exposures: {}, conversions: {}, values: {}, droppedExposures: 0 });

/** The name of the mark that records a user's exposure (other marks are conversion metric names). */
export const EXPOSURE_EVENT = '$exposure';

/** Event names that metrics may read; names starting with "$" are reserved ($exposure). */
export const EVENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:/-]*$/;
export const MAX_EVENT_NAME_LENGTH = 200;

/** Users (distinct keys) an experiment counts at most; later exposures are dropped and counted. */
export const MAX_EXPERIMENT_USERS = 1_000_000;

export const experimentMetrics = (spec: ExperimentResourceSpec): readonly ExperimentResourceMetric[] => [spec.primaryMetric, ...spec.guardrailMetrics];

/** The metrics read from events (the others come from providers). */
export const eventMetrics = (spec: ExperimentResourceSpec): readonly EventMetric[] =>
  experimentMetrics(spec).filter((m): m is EventMetric => !isProviderMetric(m));

/** The metrics read from providers. */
export const providerMetrics = (spec: ExperimentResourceSpec): readonly ProviderMetric[] => experimentMetrics(spec).filter(isProviderMetric);

/** True when every variant serves a version of the service (the proxy allocates the traffic). */
export const isVersionExperiment = (spec: ExperimentResourceSpec): boolean =>
  spec.variants.length > 0 && spec.variants.every((v) => 'version' in v.serves);

/** The version a variant serves, if it serves one. */
export function variantVersion(spec: ExperimentResourceSpec, variant: string): string | undefined {
  const serves = spec.variants.find((v) => v.name === variant)?.serves;
  return serves !== undefined && 'version' in serves ? serves.version : undefined;
}

/**
 * The counts as the report reads them: an event conversion metric's users are the variant's exposed
 * users; a provider metric's counts are `providers`' (missing: no data yet).
 */
export function experimentData(spec: ExperimentResourceSpec, counts: ExperimentCounts, providers: ProviderMetricStats = {}): ExperimentData {
  const metrics: Record<string, Record<string, ExperimentMetricStats>> = {};
  for (const metric of experimentMetrics(spec)) {
    const byVariant: Record<string, ExperimentMetricStats> = {};
    for (const { name } of spec.variants) {
      if (isProviderMetric(metric)) byVariant[name] = providers[metric.name]?.[name] ?? { users: 0, conversions: 0 };
      else if (metric.kind === 'conversion') byVariant[name] = { users: counts.exposures[name] ?? 0, conversions: counts.conversions[metric.name]?.[name] ?? 0 };
      else byVariant[name] = counts.values[metric.name]?.[name] ?? { n: 0, sum: 0, sumSquares: 0 };
    }
    metrics[metric.name] = byVariant;
  }
  return { exposures: { ...counts.exposures }, metrics };
}

/** Users counted over all variants. */
export const totalExposures = (counts: ExperimentCounts): number => Object.values(counts.exposures).reduce((s, n) => s + n, 0);
