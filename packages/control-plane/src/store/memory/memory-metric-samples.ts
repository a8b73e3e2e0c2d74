import { checkMetricSamples, checkPruneTime, compareSamples, metricSampleLimit } from '../metric-samples-input.js';
import type { MetricSample, MetricSampleQuery, MetricSampleStore } from '../store.js';

/** First index in `sorted` (by at, then version) whose sample is not before (at, version). */
function lowerBound(sorted: readonly MetricSample[], at: number, version: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const s = sorted[mid] as MetricSample;
    if (s.at < at || (s.at === at && s.version < version)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The memory store's metric history: per service, samples sorted by (at, version). Appends of the
 * newest second (the usual case) go at the end; older ones are inserted in place.
 */
export function memoryMetricSamples(check: (operation: string) => void): MetricSampleStore {
  const byService = new Map<string, MetricSample[]>();
  const insert = (sample: MetricSample): boolean => {
    let sorted = byService.get(sample.service);
    if (sorted === undefined) byService.set(sample.service, (sorted = []));
    const last = sorted.at(-1);
    const i = last === undefined || compareSamples(last, sample) < 0 ? sorted.length : lowerBound(sorted, sample.at, sample.version);
    const there = sorted[i];
    if (there !== undefined && there.at === sample.at && there.version === sample.version) return false;
    const { service, version, at, requests, errors, p50Ms, p99Ms } = sample;
    sorted.splice(i, 0, { service, version, at, requests, errors, p50Ms, p99Ms });
    return true;
  };
  return {
    append: async (samples) => {
      check('metricSamples.append');
      checkMetricSamples(samples);
      let added = 0;
      for (const sample of samples) if (insert(sample)) added++;
      return added;
    },
    list: async (query: MetricSampleQuery) => {
      check('metricSamples.list');
      const limit = metricSampleLimit(query);
      const sorted = byService.get(query.service) ?? [];
      const versions = query.versions === undefined ? undefined : new Set(query.versions);
      const out: MetricSample[] = [];
      for (let i = lowerBound(sorted, query.from, ''); i < sorted.length && out.length < limit; i++) {
        const s = sorted[i] as MetricSample;
        if (s.at >= query.to) break;
        if (versions === undefined || versions.has(s.version)) out.push({ ...s });
      }
      return out;
    },
    prune: async (olderThan) => {
      check('metricSamples.prune');
      checkPruneTime(olderThan);
      let removed = 0;
      for (const [service, sorted] of byService) {
        const cut = lowerBound(sorted, olderThan, '');
        sorted.splice(0, cut);
        removed += cut;
        if (sorted.length === 0) byService.delete(service);
      }
      return removed;
    },
  };
}
