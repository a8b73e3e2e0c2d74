import {
  DEFAULT_CHECK_TIMEOUT_MS, isSluiceError, providerMetrics,
  type ConversionStats, type Experiment, type ProviderMetric, type ProviderMetricStats, type UnavailableMetric,
} from '@sluice/domain';
import type { ProviderResolver } from '../providers/provider-factory.js';
import type { MetricResult } from '../providers/metric-provider.js';

/** What the providers of an experiment's provider metrics answered, and what they could not. */
export interface ProviderStatsResult {
  readonly stats: ProviderMetricStats;
  readonly unavailable: readonly UnavailableMetric[];
}

export const NO_PROVIDER_STATS: ProviderStatsResult = Object.freeze({ stats: {}, unavailable: [] });

/** Reads experiments' provider metrics at `nowMs` (the end of the window of a running experiment). */
export type ProviderStatsReader = (experiment: Experiment, nowMs: number) => Promise<ProviderStatsResult>;

/** A count: one number ≥ 0 (or a vector of one), no data being 0. Prometheus' increase() may be fractional: rounded. */
function countOf(result: MetricResult, query: string): number {
  if (result.kind === 'no-data') return 0;
  const value = Array.isArray(result.value) ? (result.value.length === 1 ? result.value[0] : Number.NaN) : result.value;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`${query} answered ${JSON.stringify(result.value)}, expected one count ≥ 0`);
  }
  return Math.round(value);
}

async function variantStats(resolve: ProviderResolver, metric: ProviderMetric, args: Record<string, string>, window: { fromMs: number; toMs: number }): Promise<ConversionStats> {
  // One attempt, with the analyses' timeout: a report is read by a person, who can ask again.
  const provider = resolve({ provider: metric.provider, timeoutMs: DEFAULT_CHECK_TIMEOUT_MS, retries: 0 });
  const [success, total] = await Promise.all([metric.successQuery, metric.totalQuery].map((query) => provider.measure({ query, args, ...window })));
  const conversions = countOf(success!, metric.successQuery);
  const users = countOf(total!, metric.totalQuery);
  if (conversions > users) throw new Error(`${metric.successQuery} (${conversions}) is more than ${metric.totalQuery} (${users})`);
  return { users, conversions };
}

/**
 * The counts of an experiment's provider metrics per variant, over its running time: from startedAt to
 * endedAt, or to `nowMs` while it runs. Queries get {{service}}, the variant's {{version}} and
 * {{window}} (the running time in seconds, e.g. "3600s"). A query that fails, or answers something
 * other than a count, makes that metric of that variant unavailable (the report is then inconclusive).
 */
export async function providerExperimentStats(experiment: Experiment, resolve: ProviderResolver, nowMs: number): Promise<ProviderStatsResult> {
  const metrics = providerMetrics(experiment.spec);
  if (metrics.length === 0) return NO_PROVIDER_STATS;
  const fromMs = experiment.status.startedAt;
  const toMs = Math.max(fromMs, experiment.status.endedAt ?? nowMs);
  const window = `${Math.max(1, Math.ceil((toMs - fromMs) / 1000))}s`;
  const stats: Record<string, Record<string, ConversionStats>> = {};
  const unavailable: UnavailableMetric[] = [];
  await Promise.all(metrics.flatMap((metric) => experiment.spec.variants.map(async (variant) => {
    if (!('version' in variant.serves)) return;
    const args = { service: experiment.spec.service ?? '', version: variant.serves.version, window };
    try {
      (stats[metric.name] ??= {})[variant.name] = await variantStats(resolve, metric, args, { fromMs, toMs });
    } catch (error) {
      unavailable.push({ metric: metric.name, variant: variant.name, message: isSluiceError(error) || error instanceof Error ? error.message : String(error) });
    }
  })));
  unavailable.sort((a, b) => `${a.metric}/${a.variant}`.localeCompare(`${b.metric}/${b.variant}`));
  return { stats, unavailable };
}

/** The reader over `resolve`, with the clock's now. */
export const providerStatsReader = (resolve: ProviderResolver): ProviderStatsReader => (experiment, nowMs) => providerExperimentStats(experiment, resolve, nowMs);
