// The fixed log-scale latency buckets of the traffic windows, and percentiles read from them.
//
// Bucket 0 holds 0..0.25 ms; bucket k (1..143) holds (2^(-2+(k-1)/8), 2^(-2+k/8)] ms, 8 buckets per
// doubling (the same scheme as Prometheus native histograms, schema 3); bucket 144 holds everything
// above 2^15.875 ms (about 60.1 s). A percentile is reported as the geometric middle of the bucket that
// holds the nearest-rank sample, clamped to the largest duration seen. So for a true value from 0.25 ms
// to 60.1 s the estimate is within LATENCY_RELATIVE_ERROR (2^(1/16) - 1, about 4.4%) of it; below
// 0.25 ms it is within 0.125 ms; above 60.1 s the estimate is the largest duration seen.

const PER_DOUBLING = 8;
/** log2 of the upper bound of bucket 0: 0.25 ms. */
const LOWEST_LOG2 = -2;
/** Last bounded bucket: its upper bound 2^(-2 + 143/8) ms is the first one at or above 60 s. */
const LAST_BOUNDED = 143;

/** Number of latency buckets kept per second and series (underflow and overflow included). */
export const LATENCY_BUCKETS = LAST_BOUNDED + 2;

/** Worst relative error of a percentile estimate for durations from 0.25 ms to 60 s. */
export const LATENCY_RELATIVE_ERROR = 2 ** (1 / (2 * PER_DOUBLING)) - 1;

/** Upper bounds (seconds) of the Prometheus histogram `sluice_proxy_request_duration_seconds`; +Inf is implied. */
export const EXPORT_BUCKETS_SECONDS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Number of export buckets, +Inf included. */
export const EXPORT_BUCKET_COUNT = EXPORT_BUCKETS_SECONDS.length + 1;

const EXPORT_BOUNDS_MS = Float64Array.from(EXPORT_BUCKETS_SECONDS, (s) => s * 1000);

/** Longest duration recorded; longer (or infinite) ones are clamped so sums stay finite. */
const MAX_DURATION_MS = 86_400_000;

/** A recorded duration: negative and NaN become 0, and huge values are clamped to one day. */
export function clampDurationMs(ms: number): number {
  return ms > 0 ? (ms < MAX_DURATION_MS ? ms : MAX_DURATION_MS) : 0;
}

/** Index (0..LATENCY_BUCKETS-1) of the fine bucket that holds `ms` (a clamped duration). */
export function latencyBucket(ms: number): number {
  if (ms <= 0.25) return 0;
  const k = Math.ceil((Math.log2(ms) - LOWEST_LOG2) * PER_DOUBLING);
  return k > LAST_BOUNDED ? LAST_BOUNDED + 1 : k;
}

/** Index (0..EXPORT_BUCKET_COUNT-1) of the export bucket that holds `ms`; the last one is +Inf. */
export function exportBucket(ms: number): number {
  let i = 0;
  while (i < EXPORT_BOUNDS_MS.length && ms > EXPORT_BOUNDS_MS[i]!) i++;
  return i;
}

/** Upper bound in ms of fine bucket `k` (Infinity for the overflow bucket). */
export function latencyBucketUpperMs(k: number): number {
  return k > LAST_BOUNDED ? Infinity : 2 ** (LOWEST_LOG2 + k / PER_DOUBLING);
}

/** The value reported for samples in bucket `k`: its geometric middle (half the bound for bucket 0). */
function representativeMs(k: number, maxMs: number): number {
  if (k === 0) return 0.125;
  if (k > LAST_BOUNDED) return maxMs;
  return 2 ** (LOWEST_LOG2 + (k - 0.5) / PER_DOUBLING);
}

/**
 * Estimates the `q` quantile (0 < q ≤ 1) of `count` samples whose bucket counts are
 * `histogram[offset .. offset + LATENCY_BUCKETS)`, by nearest rank. NaN when `count` is 0.
 */
export function latencyQuantileMs(histogram: ArrayLike<number>, offset: number, count: number, q: number, maxMs: number): number {
  if (count <= 0) return NaN;
  const rank = Math.max(1, Math.ceil(q * count));
  let seen = 0;
  for (let k = 0; k < LATENCY_BUCKETS; k++) {
    seen += histogram[offset + k]!;
    if (seen >= rank) return Math.min(representativeMs(k, maxMs), maxMs);
  }
  return maxMs;
}

/**
 * Samples in the buckets above the one holding `thresholdMs`: the requests slower than the threshold,
 * counted to bucket resolution (a sample in the threshold's own bucket, within 4.4 % of it, is not
 * counted). The same boundary applies to every series, so canary and baseline compare fairly.
 */
export function countAboveMs(histogram: ArrayLike<number>, offset: number, thresholdMs: number): number {
  const from = latencyBucket(clampDurationMs(thresholdMs)) + 1;
  let above = 0;
  for (let k = from; k < LATENCY_BUCKETS; k++) above += histogram[offset + k]!;
  return above;
}
