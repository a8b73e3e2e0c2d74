// The layout of one second of one series in the traffic windows, and the bounded label sets it
// counts by. Counts are kept in typed arrays indexed by these offsets, so recording allocates nothing.
import type { ErrorCause } from '@sluice/proxy';
import { LATENCY_BUCKETS } from './latency-histogram.js';

/** Response classes counted per series. "499" (the client left first) is kept apart from 4xx. */
export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '499', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

const CAUSE_INDEX: Readonly<Record<ErrorCause, number>> = {
  refused: 0,
  timeout: 1,
  reset: 2,
  'no-endpoint': 3,
  limit: 4,
  'bad-request': 5,
  other: 6,
};

/** Error causes counted per series, in index order. */
export const ERROR_CAUSES = Object.keys(CAUSE_INDEX) as readonly ErrorCause[];

/** Label value that replaces a service, version or route beyond its cardinality limit. Names in specs cannot start with "_". */
export const OTHER_LABEL = '_other';

/** Offset of the first cause counter in a slot; the class counters start at 0. */
export const CAUSE_OFFSET = STATUS_CLASSES.length;
/** Offset of the first latency bucket in a slot. */
export const LATENCY_OFFSET = CAUSE_OFFSET + ERROR_CAUSES.length;
/** Counters per slot: classes, causes, latency buckets. */
export const SLOT_STRIDE = LATENCY_OFFSET + LATENCY_BUCKETS;

/** Index of the class of `status` in STATUS_CLASSES. Statuses outside 100..599 count as 5xx (a server-side fault). */
export function statusClassIndex(status: number): number {
  if (status === 499) return 4;
  if (status >= 100 && status < 600) {
    const hundreds = Math.floor(status / 100);
    return hundreds === 5 ? 5 : hundreds - 1;
  }
  return 5;
}

/**
 * Index of the observation's cause in ERROR_CAUSES, or -1 when the request did not fail. A failure
 * with no cause, or with one this build does not know, counts as "other".
 */
export function causeIndex(cause: ErrorCause | undefined, error: string | undefined): number {
  if (cause === undefined) return error === undefined ? -1 : CAUSE_INDEX.other;
  return CAUSE_INDEX[cause] ?? CAUSE_INDEX.other;
}
