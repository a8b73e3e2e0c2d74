import type { ConditionVars } from '@sluice/domain';
import { clampDurationMs, LATENCY_BUCKETS, latencyBucket, latencyQuantileMs } from '../metrics/latency-histogram.js';

/** Response status classes counted by a load generator; `other` is anything outside 200..599. */
export type StatusClass = '2xx' | '3xx' | '4xx' | '5xx' | 'other';

/** A load generator's running totals. Latencies are NaN until a request has completed with a response or a timeout. */
export interface LoadStats {
  /** Requests put on the wire. */
  readonly sent: number;
  /** Sent requests with an outcome: a response read to its end, a network error or a timeout. */
  readonly completed: number;
  readonly inFlight: number;
  /** Responses with status ≥ 500, network errors and timeouts. */
  readonly errors: number;
  /** Requests that did not finish within the per-request timeout (also counted in `errors`). */
  readonly timeouts: number;
  /** Requests not sent because `maxInFlight` requests were already in flight. */
  readonly dropped: number;
  /** Requests not sent because the generator itself fell more than a second behind its schedule (a stalled event loop). */
  readonly skipped: number;
  readonly statusClasses: Readonly<Record<StatusClass, number>>;
  /** errors / completed (0 before anything completed). */
  readonly errorRate: number;
  /** Latency of responses (read to the end) and timeouts, from a fixed log-scale histogram (±4.4 %). */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** The variables a load step's `stopWhen` may use. */
export const LOAD_CONDITION_VARIABLES: readonly string[] = ['requests', 'errors', 'errorRate', 'p50Ms', 'p99Ms', 'timeouts'];

function statusClass(status: number): StatusClass {
  if (status >= 200 && status < 300) return '2xx';
  if (status >= 300 && status < 400) return '3xx';
  if (status >= 400 && status < 500) return '4xx';
  if (status >= 500 && status < 600) return '5xx';
  return 'other';
}

/** Counters and a fixed-size latency histogram: memory does not grow with the number of requests. */
export class LoadTally {
  readonly #histogram = new Float64Array(LATENCY_BUCKETS);
  #samples = 0;
  #maxMs = 0;
  #sent = 0;
  #completed = 0;
  #errors = 0;
  #timeouts = 0;
  #dropped = 0;
  #skipped = 0;
  readonly #classes: Record<StatusClass, number> = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, other: 0 };

  sent(): void {
    this.#sent += 1;
  }
  dropped(): void {
    this.#dropped += 1;
  }
  skipped(count: number): void {
    this.#skipped += count;
  }

  /** A response read to its end. */
  response(status: number, latencyMs: number): void {
    this.#completed += 1;
    this.#classes[statusClass(status)] += 1;
    if (status >= 500) this.#errors += 1;
    this.#latency(latencyMs);
  }

  /** A connection refused or reset, or a malformed response: no latency is recorded. */
  networkError(): void {
    this.#completed += 1;
    this.#errors += 1;
  }

  timeout(latencyMs: number): void {
    this.#completed += 1;
    this.#errors += 1;
    this.#timeouts += 1;
    this.#latency(latencyMs);
  }

  #latency(ms: number): void {
    const clamped = clampDurationMs(ms);
    const bucket = latencyBucket(clamped);
    this.#histogram[bucket] = (this.#histogram[bucket] ?? 0) + 1;
    this.#samples += 1;
    if (clamped > this.#maxMs) this.#maxMs = clamped;
  }

  snapshot(inFlight: number): LoadStats {
    const quantile = (q: number): number => latencyQuantileMs(this.#histogram, 0, this.#samples, q, this.#maxMs);
    return {
      sent: this.#sent,
      completed: this.#completed,
      inFlight,
      errors: this.#errors,
      timeouts: this.#timeouts,
      dropped: this.#dropped,
      skipped: this.#skipped,
      statusClasses: { ...this.#classes },
      errorRate: this.#completed === 0 ? 0 : this.#errors / this.#completed,
      p50Ms: quantile(0.5),
      p99Ms: quantile(0.99),
      maxMs: this.#samples === 0 ? NaN : this.#maxMs,
    };
  }
}

/** The values `stopWhen` is evaluated over; `requests` counts completed requests, as `errorRate` does. */
export function loadConditionVars(stats: LoadStats): ConditionVars {
  return { requests: stats.completed, errors: stats.errors, errorRate: stats.errorRate, p50Ms: stats.p50Ms, p99Ms: stats.p99Ms, timeouts: stats.timeouts };
}

/** A number for people: at most 3 decimals, "n/a" for NaN. */
export function formatLoadNumber(value: number): string {
  if (Number.isNaN(value)) return 'n/a';
  return String(Math.round(value * 1000) / 1000);
}

/** "120 sent, 3 errors (2.5%), 1 timeout, 4 dropped, p50 3.1 ms, p99 12 ms". */
export function describeLoadTotals(stats: LoadStats): string {
  const parts = [`${stats.sent} sent`, `${stats.errors} errors (${formatLoadNumber(stats.errorRate * 100)}%)`];
  if (stats.timeouts > 0) parts.push(`${stats.timeouts} timeouts`);
  if (stats.dropped > 0) parts.push(`${stats.dropped} dropped at maxInFlight`);
  if (stats.skipped > 0) parts.push(`${stats.skipped} skipped behind schedule`);
  parts.push(`p50 ${formatLoadNumber(stats.p50Ms)} ms`, `p99 ${formatLoadNumber(stats.p99Ms)} ms`);
  return parts.join(', ');
}

/** Totals as event data: JSON-safe (NaN latencies become null). */
export function loadTotalsData(stats: LoadStats): Record<string, unknown> {
  const ms = (v: number): number | null => (Number.isNaN(v) ? null : Math.round(v * 1000) / 1000);
  return {
    sent: stats.sent,
    completed: stats.completed,
    errors: stats.errors,
    timeouts: stats.timeouts,
    dropped: stats.dropped,
    skipped: stats.skipped,
    errorRate: stats.errorRate,
    statusClasses: { ...stats.statusClasses },
    p50Ms: ms(stats.p50Ms),
    p99Ms: ms(stats.p99Ms),
    maxMs: ms(stats.maxMs),
  };
}
