import { MAX_METRIC_SAMPLES_PER_APPEND, type MetricSample, type Store } from '../store.js';
import { openStore } from '../open-store.js';

/** One version's made-up traffic: steady requests with a fixed error share and latencies. */
export interface SyntheticVersion {
  readonly version: string;
  readonly requestsPerSecond: number;
  /** Share of requests that fail, 0..1 (spread evenly: 5 % of 100/s is 5 errors every second). */
  readonly errorRate?: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
}

export interface SyntheticSamplesOptions {
  readonly service: string;
  readonly versions: readonly SyntheticVersion[];
  /** First second, ms since the epoch (rounded down to a whole second). */
  readonly from: number;
  readonly seconds: number;
}

/** ±10 % around `ms`, the same for the same second, so charts have texture and tests stay exact. */
function wobble(ms: number, second: number): number {
  return Math.round(ms * (1 + 0.1 * Math.sin(second / 7)) * 1000) / 1000;
}

/**
 * Per-second samples of `seconds` seconds from `from` for each version, time-ordered: what the
 * metric history would have stored for steady traffic. Deterministic.
 */
export function syntheticMetricSamples(options: SyntheticSamplesOptions): MetricSample[] {
  const start = Math.floor(options.from / 1000);
  const out: MetricSample[] = [];
  for (let i = 0; i < options.seconds; i++) {
    for (const v of options.versions) {
      const requests = Math.max(0, Math.round(v.requestsPerSecond));
      const rate = v.errorRate ?? 0;
      // Cumulative rounding: the errors of the first n seconds are always round(n × requests × rate).
      const errors = Math.min(requests, Math.round((i + 1) * requests * rate) - Math.round(i * requests * rate));
      const p50 = requests === 0 ? null : wobble(v.p50Ms ?? 20, start + i);
      const p99 = requests === 0 ? null : wobble(v.p99Ms ?? 120, start + i);
      out.push({ service: options.service, version: v.version, at: (start + i) * 1000, requests, errors, p50Ms: p50, p99Ms: p99 });
    }
  }
  return out;
}

/** Appends samples through the store's public API, in batches it accepts; returns how many were new. */
export async function seedMetricSamples(store: Pick<Store, 'metricSamples'>, samples: readonly MetricSample[]): Promise<number> {
  let added = 0;
  for (let i = 0; i < samples.length; i += MAX_METRIC_SAMPLES_PER_APPEND) {
    added += await store.metricSamples.append(samples.slice(i, i + MAX_METRIC_SAMPLES_PER_APPEND));
  }
  return added;
}

/**
 * Writes samples into the SQLite store of `dataDir` (what `sluice server --data-dir` opens) before a
 * server starts, e.g. 30 minutes of two versions for a page-load test. Opens and closes the store.
 */
export async function seedMetricSamplesInDataDir(dataDir: string, samples: readonly MetricSample[]): Promise<number> {
  const store = await openStore({ dataDir });
  try {
    return await seedMetricSamples(store, samples);
  } finally {
    await store.close();
  }
}
