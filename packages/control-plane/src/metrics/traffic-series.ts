import type { ErrorCause } from '@sluice/proxy';
import { clampDurationMs, EXPORT_BUCKET_COUNT, exportBucket, latencyBucket } from './latency-histogram.js';
import { CAUSE_OFFSET, ERROR_CAUSES, LATENCY_OFFSET, SLOT_STRIDE, STATUS_CLASSES, type StatusClass } from './traffic-slot.js';
import type { TrafficTally } from './traffic-summary.js';

// Layout of the cumulative totals: class and cause counters as in a slot, then the export buckets
// (not cumulative), then the duration sum in ms.
const TOTAL_EXPORT_OFFSET = LATENCY_OFFSET;
const TOTAL_SUM = TOTAL_EXPORT_OFFSET + EXPORT_BUCKET_COUNT;
const TOTAL_STRIDE = TOTAL_SUM + 1;

/** Everything a series counted since it was created, for the Prometheus export. */
export interface SeriesTotals {
  readonly service: string;
  readonly version: string;
  readonly route: string;
  readonly requests: number;
  readonly byClass: Readonly<Record<StatusClass, number>>;
  readonly byCause: Readonly<Record<ErrorCause, number>>;
  /** Requests per export bucket (EXPORT_BUCKETS_SECONDS, then +Inf); not cumulative. */
  readonly durationBuckets: readonly number[];
  readonly durationSumMs: number;
}

/**
 * One (service, version, route): a ring of `slots` one-second slots plus cumulative totals.
 * All storage is allocated up front, so `add` allocates nothing.
 */
export class TrafficSeries {
  readonly service: string;
  readonly version: string;
  readonly route: string;
  /** The latest second (ms / 1000, floored) anything was added in; -1 before the first. */
  lastSecond = -1;
  readonly #slots: number;
  /** Counters, SLOT_STRIDE per slot (see traffic-slot.ts). */
  readonly #counts: Uint32Array;
  /** Per slot: the sum, then the max, of its durations in ms. */
  readonly #durations: Float64Array;
  /** The second each slot holds; -1 for a slot never used. A slot is valid only for that exact second. */
  readonly #seconds: Float64Array;
  readonly #totals = new Float64Array(TOTAL_STRIDE);

  constructor(service: string, version: string, route: string, slots: number) {
    this.service = service;
    this.version = version;
    this.route = route;
    this.#slots = slots;
    this.#counts = new Uint32Array(slots * SLOT_STRIDE);
    this.#durations = new Float64Array(slots * 2);
    this.#seconds = new Float64Array(slots).fill(-1);
  }

  /** Counts one request finished in `second`. `cause` is an index in ERROR_CAUSES, or -1 when it did not fail. */
  add(second: number, classIndex: number, durationMs: number, cause: number): void {
    const slot = second % this.#slots;
    // A slot that holds another second (older, or newer after the clock stepped back) is stale: reuse it.
    if (this.#seconds[slot] !== second) this.#clear(slot, second);
    const ms = clampDurationMs(durationMs);
    const base = slot * SLOT_STRIDE;
    const counts = this.#counts;
    const totals = this.#totals;
    counts[base + classIndex]! += 1;
    counts[base + LATENCY_OFFSET + latencyBucket(ms)]! += 1;
    totals[classIndex]! += 1;
    totals[TOTAL_EXPORT_OFFSET + exportBucket(ms)]! += 1;
    totals[TOTAL_SUM]! += ms;
    if (cause >= 0) {
      counts[base + CAUSE_OFFSET + cause]! += 1;
      totals[CAUSE_OFFSET + cause]! += 1;
    }
    const durations = this.#durations;
    durations[slot * 2]! += ms;
    if (ms > durations[slot * 2 + 1]!) durations[slot * 2 + 1] = ms;
    if (second > this.lastSecond) this.lastSecond = second;
  }

  /** Adds what this series counted in `second` to `tally`; nothing if that second is not held. */
  addSecondTo(second: number, tally: TrafficTally): void {
    const slot = second % this.#slots;
    if (this.#seconds[slot] !== second) return;
    tally.addSlot(this.#counts, slot * SLOT_STRIDE, this.#durations[slot * 2]!, this.#durations[slot * 2 + 1]!);
  }

  totals(): SeriesTotals {
    const t = this.#totals;
    const byClass = Object.fromEntries(STATUS_CLASSES.map((name, i) => [name, t[i]!])) as Record<StatusClass, number>;
    const byCause = Object.fromEntries(ERROR_CAUSES.map((name, i) => [name, t[CAUSE_OFFSET + i]!])) as Record<ErrorCause, number>;
    let requests = 0;
    for (let i = 0; i < STATUS_CLASSES.length; i++) requests += t[i]!;
    return {
      service: this.service,
      version: this.version,
      route: this.route,
      requests,
      byClass,
      byCause,
      durationBuckets: Array.from(t.subarray(TOTAL_EXPORT_OFFSET, TOTAL_SUM)),
      durationSumMs: t[TOTAL_SUM]!,
    };
  }

  #clear(slot: number, second: number): void {
    this.#counts.fill(0, slot * SLOT_STRIDE, (slot + 1) * SLOT_STRIDE);
    this.#durations[slot * 2] = 0;
    this.#durations[slot * 2 + 1] = 0;
    this.#seconds[slot] = second;
  }
}
