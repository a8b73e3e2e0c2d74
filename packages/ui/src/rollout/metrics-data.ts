import type { MetricSeries, RolloutMetrics, Threshold } from './rollout-api';

/** Three hours of per-second points per version: older points are dropped from the charts. */
export const MAX_POINTS = 3 * 3600;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function mergeSeries(old: MetricSeries | undefined, fresh: MetricSeries): MetricSeries {
  if (old === undefined || old.t.length === 0) return fresh;
  const first = fresh.t[0];
  // Points the fresh answer covers replace the held ones (the newest bucket may have been partial).
  let keep = old.t.length;
  if (first !== undefined) while (keep > 0 && old.t[keep - 1]! >= first) keep--;
  const drop = Math.max(0, keep + fresh.t.length - MAX_POINTS);
  const join = <T>(a: readonly T[], b: readonly T[]): T[] => [...a.slice(drop, keep), ...b];
  return {
    version: fresh.version,
    role: fresh.role,
    t: join(old.t, fresh.t),
    requests: join(old.requests, fresh.requests),
    errorRate: join(old.errorRate, fresh.errorRate),
    p50Ms: join(old.p50Ms, fresh.p50Ms),
    p99Ms: join(old.p99Ms, fresh.p99Ms),
  };
}

/** The metrics held so far extended by an answer of `?after=` (series, steps and thresholds). */
export function mergeMetrics(old: RolloutMetrics | undefined, fresh: RolloutMetrics): RolloutMetrics {
  if (old === undefined) return fresh;
  const series = fresh.series.map((s) => mergeSeries(old.series.find((o) => o.role === s.role && o.version === s.version), s));
  for (const o of old.series) if (!series.some((s) => s.role === o.role && s.version === o.version)) series.push(o);
  const steps = new Map(old.steps.map((s) => [s.index, s]));
  for (const s of fresh.steps) steps.set(s.index, s);
  const merged: Mutable<RolloutMetrics> = { ...fresh, from: old.from, series, steps: [...steps.values()].sort((a, b) => a.index - b.index) };
  if (Object.keys(fresh.thresholds).length === 0) merged.thresholds = old.thresholds;
  return merged;
}

/** One version's values on the shared time axis. */
export interface AlignedSide {
  readonly version: string;
  /** Requests per second in each bucket. */
  readonly rps: (number | null)[];
  readonly requests: (number | null)[];
  readonly errorRate: (number | null)[];
  readonly p50Ms: (number | null)[];
  readonly p99Ms: (number | null)[];
}

export interface AlignedMetrics {
  /** Seconds since the epoch (uPlot's time axis). */
  readonly x: number[];
  readonly stable: AlignedSide;
  readonly canary: AlignedSide;
}

function emptySide(version: string, length: number): AlignedSide {
  const nulls = () => new Array<number | null>(length).fill(null);
  return { version, rps: nulls(), requests: nulls(), errorRate: nulls(), p50Ms: nulls(), p99Ms: nulls() };
}

function fill(side: AlignedSide, series: MetricSeries | undefined, index: ReadonlyMap<number, number>, perSecond: number): void {
  if (series === undefined) return;
  series.t.forEach((t, i) => {
    const at = index.get(t);
    if (at === undefined) return;
    const requests = series.requests[i] ?? null;
    side.requests[at] = requests;
    side.rps[at] = requests === null ? null : requests * perSecond;
    side.errorRate[at] = series.errorRate[i] ?? null;
    side.p50Ms[at] = series.p50Ms[i] ?? null;
    side.p99Ms[at] = series.p99Ms[i] ?? null;
  });
}

/** Both versions on one time axis (the union of their points), as uPlot wants its data. */
export function alignMetrics(metrics: RolloutMetrics): AlignedMetrics {
  const stable = metrics.series.find((s) => s.role === 'stable');
  const canary = metrics.series.find((s) => s.role === 'canary');
  const times = [...new Set([...(stable?.t ?? []), ...(canary?.t ?? [])])].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const perSecond = 1000 / Math.max(1, metrics.stepMs);
  const out: AlignedMetrics = { x: times.map((t) => t / 1000), stable: emptySide(metrics.stable, times.length), canary: emptySide(metrics.canary, times.length) };
  fill(out.stable, stable, index, perSecond);
  fill(out.canary, canary, index, perSecond);
  return out;
}

/** Requests in the newest `buckets` points of a side (what the chart shows it serves now). */
export function recentRequests(side: AlignedSide, buckets = 3): number {
  return side.requests.slice(-buckets).reduce<number>((sum, n) => sum + (n ?? 0), 0);
}

/** The last non-null value of a series. */
export function lastValue(values: readonly (number | null)[]): number | undefined {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null && values[i] !== undefined) return values[i]!;
  return undefined;
}

/** A threshold's number and label (the contract allows either form). */
export function thresholdOf(threshold: Threshold | undefined): { readonly value: number; readonly label?: string } | undefined {
  if (threshold === undefined) return undefined;
  if (typeof threshold === 'number') return Number.isFinite(threshold) ? { value: threshold } : undefined;
  return typeof threshold.value === 'number' && Number.isFinite(threshold.value) ? threshold : undefined;
}
