import { flagStateFor, toFeatureDefinition, toSegmentDefinitions, type DeltaEvent, type FlagRevision, type FlagState, type SegmentDefinition } from '@sluice/domain';
import type { Store } from '../store/store.js';
import type { FlagNotice } from './flag-hub.js';

/** An environment's flag definitions as of `seq` (the newest flag version they include). */
export interface FlagSnapshot {
  readonly environment: string;
  readonly seq: number;
  readonly state: FlagState;
}

/**
 * The snapshot of `environment`. `seq` is read before the flags, so a version saved meanwhile is
 * either in the snapshot or announced after it (never lost; at worst sent twice, which is harmless).
 */
export async function readSnapshot(store: Store, environment: string): Promise<FlagSnapshot> {
  const seq = await store.flags.latestSeq();
  const [flags, segments] = await Promise.all([store.flags.list(), store.segments.list()]);
  return { environment, seq, state: flagStateFor(flags, segments, environment) };
}

/** The newest revision of each flag among `revisions`, in seq order. */
function newestPerFlag(revisions: readonly FlagRevision[]): FlagRevision[] {
  const newest = new Map<string, FlagRevision>();
  for (const r of revisions) newest.set(r.name, r);
  return [...newest.values()].sort((a, b) => a.seq - b.seq);
}

/** Unleash delta events for one environment: a feature-updated per changed flag, segment updates and removals. */
export function deltaEvents(notice: FlagNotice, environment: string, previousSegments: readonly SegmentDefinition[] | undefined): DeltaEvent[] {
  const events: DeltaEvent[] = [];
  if (notice.segments !== undefined) {
    const now = new Set(notice.segments.map((s) => s.id));
    for (const s of previousSegments ?? []) if (!now.has(s.id)) events.push({ type: 'segment-removed', eventId: notice.seq, segmentId: s.id });
    for (const segment of notice.segments) events.push({ type: 'segment-updated', eventId: notice.seq, segment });
  }
  for (const r of newestPerFlag(notice.revisions)) {
    const flag = { name: r.name, spec: r.spec, version: r.version, createdAt: r.change.at, updatedAt: r.change.at };
    events.push({ type: 'feature-updated', eventId: r.seq, feature: toFeatureDefinition(flag, environment) });
  }
  return events;
}

/** The changes after `afterSeq` as one notice, or undefined when they are too many to replay (send a snapshot). */
export async function changesAfter(store: Store, afterSeq: number): Promise<FlagNotice | undefined> {
  const latest = await store.flags.latestSeq();
  if (afterSeq > latest) return undefined;
  const revisions = await store.flags.changesSince(afterSeq, 5000);
  if (revisions.length === 5000) return undefined;
  return { revisions, seq: revisions.at(-1)?.seq ?? afterSeq, segments: toSegmentDefinitions(await store.segments.list()) };
}
