import type { AnalysisTemplate, EventType, NewReleaseEvent, ReleaseEvent, Revision, Rollout, Segment, Service } from '@sluice/domain';

/**
 * Persistence, one narrow interface per aggregate. Writes are optimistic: `save(x, expectedVersion)`
 * succeeds only if the stored version still equals `expectedVersion` (0 = must not exist yet) and
 * returns the record with its new version; otherwise it throws VersionConflictError.
 */
export interface ServiceStore {
  get(name: string): Promise<Service | undefined>;
  /** Sorted by name. */
  list(): Promise<readonly Service[]>;
  /** Returns the saved service carrying its new version (expectedVersion + 1). */
  save(service: Service, expectedVersion: number): Promise<Service>;
}

export interface RolloutFilter {
  readonly service?: string;
  /** Only rollouts in a non-terminal phase. */
  readonly activeOnly?: boolean;
}

export interface RolloutStore {
  get(name: string): Promise<Rollout | undefined>;
  /** Sorted by creation time, then name. */
  list(filter?: RolloutFilter): Promise<readonly Rollout[]>;
  /** Returns the saved rollout carrying its new version (expectedVersion + 1). */
  save(rollout: Rollout, expectedVersion: number): Promise<Rollout>;
}

export interface SegmentStore {
  get(name: string): Promise<Segment | undefined>;
  /** Sorted by name. */
  list(): Promise<readonly Segment[]>;
  /** Returns the saved segment carrying its new version (expectedVersion + 1). */
  save(segment: Segment, expectedVersion: number): Promise<Segment>;
}

export interface AnalysisTemplateStore {
  get(name: string): Promise<AnalysisTemplate | undefined>;
  /** Sorted by name. */
  list(): Promise<readonly AnalysisTemplate[]>;
  /** Returns the saved template carrying its new version (expectedVersion + 1). */
  save(template: AnalysisTemplate, expectedVersion: number): Promise<AnalysisTemplate>;
}

export interface EventFilter {
  readonly service?: string;
  readonly subject?: { readonly kind: 'Service' | 'Rollout'; readonly name: string };
  /** Only events with seq > afterSeq. */
  readonly afterSeq?: number;
  /** Only events of these types. */
  readonly types?: readonly EventType[];
  /** No events of these types (applied after `types`). */
  readonly excludeTypes?: readonly EventType[];
  /** At most this many, oldest first (default 1000). */
  readonly limit?: number;
}

export interface EventLog {
  /** Appends events in order and returns them with their store-assigned, increasing `seq`. */
  append(events: readonly NewReleaseEvent[]): Promise<readonly ReleaseEvent[]>;
  /** Oldest first. */
  list(filter?: EventFilter): Promise<readonly ReleaseEvent[]>;
}

/**
 * The revisions of each service, append-only. A revision is recorded in the same transaction as the
 * change of stable version it describes (see Revision).
 */
export interface RevisionStore {
  /**
   * Records a revision and returns it. Throws VersionConflictError when the service already has a
   * revision with that number (another writer recorded it first); nothing is written then.
   */
  append(revision: Revision): Promise<Revision>;
  /** The service's revisions, lowest number first. */
  list(service: string): Promise<readonly Revision[]>;
  get(service: string, number: number): Promise<Revision | undefined>;
}

/** What a transaction may touch. Everything written through it commits together or not at all. */
export interface StoreTransaction {
  readonly services: ServiceStore;
  readonly rollouts: RolloutStore;
  readonly segments: SegmentStore;
  readonly analysisTemplates: AnalysisTemplateStore;
  readonly revisions: RevisionStore;
  readonly events: EventLog;
}

export interface Store extends StoreTransaction {
  /** "sqlite", "postgres" or "memory". */
  readonly kind: string;
  /**
   * Runs `work` in one serialisable unit: if it throws (VersionConflictError included), nothing it
   * wrote is kept and the error is rethrown. Reads inside see the transaction's own writes.
   * `work` may run more than once (PostgreSQL retries serialisation failures), so it must do
   * nothing outside `tx`. Use only `tx` inside: calling the store itself from `work` throws.
   */
  transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  /** Releases connections and file handles. Idempotent. */
  close(): Promise<void>;
}
