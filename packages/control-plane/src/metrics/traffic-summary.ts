import type { ErrorCause } from '@sluice/proxy';
import { countAboveMs, latencyQuantileMs } from './latency-histogram.js';
import { CAUSE_OFFSET, ERROR_CAUSES, LATENCY_OFFSET, SLOT_STRIDE, STATUS_CLASSES, type StatusClass } from './traffic-slot.js';

/** Latency of the requests in a window, in milliseconds; null fields when there were no requests. */
export interface LatencySummary {
  /** Requests measured (every request is). */
  readonly count: number;
  /** Percentiles by nearest rank, within LATENCY_RELATIVE_ERROR of the true value (see latency-histogram.ts). */
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  /** Exact. */
  readonly max: number | null;
  /** Exact. */
  readonly mean: number | null;
}

/** What one series or an aggregate of series did during some whole seconds. */
export interface TrafficSummary {
  /** Requests finished. */
  readonly requests: number;
  /** Requests the proxy or the upstream failed (the sum of byCause); a 5xx the upstream sent is in byClass only. */
  readonly errors: number;
  /** Requests by the status sent to the client; every class is present. */
  readonly byClass: Readonly<Record<StatusClass, number>>;
  /** Failed requests by cause; every cause is present. */
  readonly byCause: Readonly<Record<ErrorCause, number>>;
  readonly latencyMs: LatencySummary;
}

/** One second of an answer. */
export interface SecondSummary extends TrafficSummary {
  /** Start of the second, ms since the epoch. */
  readonly startMs: number;
}

/** Rounds to a microsecond, so answers do not carry float noise. */
function roundMs(ms: number): number | null {
  return Number.isFinite(ms) ? Math.round(ms * 1000) / 1000 : null;
}

/** A running sum of slots, in the slot layout; reused across seconds to keep queries cheap. */
export class TrafficTally {
  readonly #counts = new Float64Array(SLOT_STRIDE);
  #sumMs = 0;
  #maxMs = 0;

  reset(): void {
    this.#counts.fill(0);
    this.#sumMs = 0;
    this.#maxMs = 0;
  }

  /** Adds one stored slot: SLOT_STRIDE counters from `counts[base]`, and its duration sum and max. */
  addSlot(counts: ArrayLike<number>, base: number, sumMs: number, maxMs: number): void {
    for (let i = 0; i < SLOT_STRIDE; i++) this.#counts[i]! += counts[base + i]!;
    this.#sumMs += sumMs;
    if (maxMs > this.#maxMs) this.#maxMs = maxMs;
  }

  addTally(other: TrafficTally): void {
    this.addSlot(other.#counts, 0, other.#sumMs, other.#maxMs);
  }

  /** Requests slower than `thresholdMs`, to bucket resolution (see countAboveMs). */
  above(thresholdMs: number): number {
    return countAboveMs(this.#counts, LATENCY_OFFSET, thresholdMs);
  }

  summary(): TrafficSummary {
    const counts = this.#counts;
    const byClass = {} as Record<StatusClass, number>;
    let requests = 0;
    STATUS_CLASSES.forEach((name, i) => {
      byClass[name] = counts[i]!;
      requests += counts[i]!;
    });
    const byCause = {} as Record<ErrorCause, number>;
    let errors = 0;
    ERROR_CAUSES.forEach((name, i) => {
      byCause[name] = counts[CAUSE_OFFSET + i]!;
      errors += counts[CAUSE_OFFSET + i]!;
    });
    return { requests, errors, byClass, byCause, latencyMs: this.#latency(requests) };
  }

  #latency(count: number): LatencySummary {
    const quantile = (q: number) => roundMs(latencyQuantileMs(this.#counts, LATENCY_OFFSET, count, q, this.#maxMs));
    if (count === 0) return { count, p50: null, p90: null, p99: null, max: null, mean: null };
    return { count, p50: quantile(0.5), p90: quantile(0.9), p99: quantile(0.99), max: roundMs(this.#maxMs), mean: roundMs(this.#sumMs / count) };
  }
}
