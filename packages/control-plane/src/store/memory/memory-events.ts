import type { NewReleaseEvent, ReleaseEvent } from '@sluice/domain';
import type { EventFilter } from '../store.js';
import { eventTypeMatches, eventWindow } from '../store-input.js';

/** An event as the memory store keeps it: the fields filters read, and the rest as JSON text. */
export interface MemoryEventRow {
  readonly seq: number;
  readonly service: string;
  readonly actor: string;
  readonly subjectKind: string;
  readonly subjectName: string;
  readonly type: string;
  readonly json: string;
}

/** The committed events a snapshot sees: the first `eventCount`, in increasing seq. */
export interface MemoryEventLog {
  readonly events: readonly MemoryEventRow[];
  readonly eventCount: number;
}

function matches(e: MemoryEventRow, filter: EventFilter): boolean {
  if (filter.service !== undefined && e.service !== filter.service) return false;
  if (filter.actor !== undefined && e.actor !== filter.actor) return false;
  if (filter.source !== undefined && (JSON.parse(e.json) as { source?: string }).source !== filter.source) return false;
  const { subject } = filter;
  if (subject !== undefined && (e.subjectKind !== subject.kind || e.subjectName !== subject.name)) return false;
  return eventTypeMatches(e.type, filter);
}

/** `events.list` of the memory store: a binary search to the seq window, then a scan in `order`. */
export function listMemoryEvents(log: MemoryEventLog, filter: EventFilter): ReleaseEvent[] {
  const { limit, afterSeq, beforeSeq, desc } = eventWindow(filter);
  const first = firstAfter(log, afterSeq ?? 0);
  const end = beforeSeq === undefined ? log.eventCount : firstAfter(log, beforeSeq - 1);
  const out: ReleaseEvent[] = [];
  for (let k = 0; k < end - first && out.length < limit; k++) {
    const e = log.events[desc ? end - 1 - k : first + k];
    if (e === undefined || !matches(e, filter)) continue;
    out.push({ seq: e.seq, ...(JSON.parse(e.json) as NewReleaseEvent) });
  }
  return out;
}

/** Index of the first committed event with seq > afterSeq (seqs are increasing, so binary search). */
function firstAfter(log: MemoryEventLog, afterSeq: number): number {
  let low = 0;
  let high = log.eventCount;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((log.events[mid]?.seq ?? Infinity) <= afterSeq) low = mid + 1;
    else high = mid;
  }
  return low;
}
