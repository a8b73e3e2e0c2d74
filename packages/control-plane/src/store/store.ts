import type { TokenStore } from './token-store.js';
import type { DataPlaneReportStore, LeaseCheck, LeaseStore, PublishedRouteStore } from './coordination.js';
import type { AnalysisTemplate, EventSubjectKind, EventType, Experiment, ExperimentCounts, ExperimentMark, Flag, FlagChange, FlagRevision, FlagUsage, NewReleaseEvent, ReleaseEvent, Revision, Rollout, Segment, Service, Target, Webhook, WebhookDelivery } from '@sluice/domain';

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
  readonly subject?: { readonly kind: EventSubjectKind; readonly name: string };
  /** Only events recorded for this actor (exact). */
  readonly actor?: string;
  /** Only events recorded for requests from this client address (exact, as `ReleaseEvent.source` holds it). */
  readonly source?: string;
  /** Only events with seq > afterSeq. */
  readonly afterSeq?: number;
  /** Only events with seq < beforeSeq. */
  readonly beforeSeq?: number;
  /** `asc` (default): oldest first, the limit keeps the oldest; `desc`: newest first, the limit keeps the newest. */
  readonly order?: 'asc' | 'desc';
  /** Only events of these types. */
  readonly types?: readonly EventType[];
  /** No events of these types (applied after `types`). */
  readonly excludeTypes?: readonly EventType[];
  /** At most this many, in `order` (default 1000). */
  readonly limit?: number;
}

export interface EventLog {
  /** Appends events in order and returns them with their store-assigned, increasing `seq`. */
  append(events: readonly NewReleaseEvent[]): Promise<readonly ReleaseEvent[]>;
  /** Oldest first unless `filter.order` is `desc`. */
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

export interface ExperimentFilter {
  readonly service?: string;
  /** Only experiments in phase Running. */
  readonly runningOnly?: boolean;
}

/**
 * Experiments, the counts their events added up to, and the marks that make a user's exposure and
 * each conversion count once (see the domain's attributeEvents). Counts and marks of one batch of
 * events are written in the same transaction.
 */
export interface ExperimentStore {
  get(name: string): Promise<Experiment | undefined>;
  /** Sorted by name. */
  list(filter?: ExperimentFilter): Promise<readonly Experiment[]>;
  /** Returns the saved experiment carrying its new version (expectedVersion + 1). */
  save(experiment: Experiment, expectedVersion: number): Promise<Experiment>;
  /** The experiment's counts; EMPTY_EXPERIMENT_COUNTS before any were saved. */
  counts(name: string): Promise<ExperimentCounts>;
  saveCounts(name: string, counts: ExperimentCounts): Promise<void>;
  /** The marks recorded for these keys of the experiment: key → marks (keys without marks are absent). */
  marks(name: string, keys: readonly string[]): Promise<ReadonlyMap<string, ReadonlySet<string>>>;
  /** Records marks; one already recorded stays as it is. */
  addMarks(name: string, marks: readonly ExperimentMark[]): Promise<void>;
}

/** Targets: data planes (and runtimes) in a region, cluster or zone that waves select by label. */
export interface TargetStore {
  get(name: string): Promise<Target | undefined>;
  /** Sorted by name. */
  list(): Promise<readonly Target[]>;
  /** Returns the saved target carrying its new version (expectedVersion + 1). */
  save(target: Target, expectedVersion: number): Promise<Target>;
}

/**
 * Feature flags and their history. Every save appends the saved version to the history with who,
 * when and why, in the same write; `seq` orders the versions of all flags, so a stream resumes from
 * the last `seq` a client saw.
 */
export interface FlagStore {
  get(name: string): Promise<Flag | undefined>;
  /** Sorted by name. */
  list(): Promise<readonly Flag[]>;
  /**
   * Returns the saved flag carrying its new version (expectedVersion + 1) and records that version
   * in the history with `change`. Throws VersionConflictError as every save does.
   */
  save(flag: Flag, expectedVersion: number, change: FlagChange): Promise<Flag>;
  /** The flag's versions, newest first, at most `limit` (default 100). */
  history(name: string, limit?: number): Promise<readonly FlagRevision[]>;
  revision(name: string, version: number): Promise<FlagRevision | undefined>;
  /** Versions of any flag with seq > `afterSeq`, oldest first, at most `limit` (default 1000). */
  changesSince(afterSeq: number, limit?: number): Promise<readonly FlagRevision[]>;
  /** The highest seq recorded (0 before the first save). */
  latestSeq(): Promise<number>;
  /** Adds evaluation counts; lastEvaluatedAt keeps the newest. */
  addUsage(usage: readonly FlagUsage[]): Promise<void>;
  /** Evaluation counts of every flag and environment, sorted by flag then environment. */
  usage(): Promise<readonly FlagUsage[]>;
}

/** One second of one version's traffic, as the metric history keeps it (see MetricSampleStore). */
export interface MetricSample {
  readonly service: string;
  readonly version: string;
  /** Start of the second, ms since the epoch (a whole second). */
  readonly at: number;
  /** Requests finished in that second. */
  readonly requests: number;
  /** Of those, the ones the client got a 5xx for (the builtin provider's `errors`). */
  readonly errors: number;
  /** Latency percentiles in ms; null when there were no requests. */
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

export interface MetricSampleQuery {
  readonly service: string;
  /** Only these versions; every version when absent. */
  readonly versions?: readonly string[];
  /** ms since the epoch: `from` inclusive, `to` exclusive. */
  readonly from: number;
  readonly to: number;
  /** At most this many, 1 to MAX_METRIC_SAMPLES_PER_LIST (the default). */
  readonly limit?: number;
}

/** The most samples one `metricSamples.list` answers. */
export const MAX_METRIC_SAMPLES_PER_LIST = 50_000;
/** The most samples one `metricSamples.append` takes. */
export const MAX_METRIC_SAMPLES_PER_APPEND = 50_000;

/**
 * Per-second metric history (the release center's charts). Not part of transactions: samples are
 * written on their own, one batch per second. Unique per (service, version, at): appending a sample
 * that is already stored keeps the stored one, so several writers never duplicate a second.
 */
export interface MetricSampleStore {
  /** Stores the batch in one transaction; returns how many were new. Throws INVALID_REQUEST for a malformed sample (nothing is written). */
  append(samples: readonly MetricSample[]): Promise<number>;
  /** Ordered by `at`, then version; at most `limit`. */
  list(query: MetricSampleQuery): Promise<readonly MetricSample[]>;
  /** Deletes every sample with `at` < olderThan; returns how many. */
  prune(olderThan: number): Promise<number>;
}

/** Webhook resources: where rollout events are POSTed (see notifications/). */
export interface WebhookStore {
  get(name: string): Promise<Webhook | undefined>;
  /** Sorted by name. */
  list(): Promise<readonly Webhook[]>;
  /** Returns the saved webhook carrying its new version (expectedVersion + 1). */
  save(webhook: Webhook, expectedVersion: number): Promise<Webhook>;
}

/** The most deliveries one `webhookDeliveries.due` or `deadLetters` answers. */
export const MAX_WEBHOOK_DELIVERIES_PER_LIST = 1000;

/**
 * The webhook delivery queue, its dead letters and the cursor into the event log up to which events
 * were turned into deliveries. Outside transactions: each call is one atomic write of its own.
 */
export interface WebhookDeliveryStore {
  /** The seq of the last event turned into deliveries (0 before any). */
  cursor(): Promise<number>;
  /**
   * Stores the deliveries and moves the cursor to `cursor` in one write. A delivery whose id is
   * already stored is kept as it is; the cursor never moves back.
   */
  enqueue(deliveries: readonly WebhookDelivery[], cursor: number): Promise<void>;
  /** Pending deliveries with nextAttemptAt ≤ now, by nextAttemptAt then id, at most `limit`. */
  due(now: number, limit: number): Promise<readonly WebhookDelivery[]>;
  get(id: string): Promise<WebhookDelivery | undefined>;
  /** Replaces a stored delivery (its attempts, state and schedule); nothing when it is gone. */
  update(delivery: WebhookDelivery): Promise<void>;
  /** Forgets a delivery (done); nothing when it is gone. */
  remove(id: string): Promise<void>;
  /** A webhook's dead deliveries, oldest event first, at most `limit`. */
  deadLetters(webhook: string, limit: number): Promise<readonly WebhookDelivery[]>;
}

/** What a transaction may touch. Everything written through it commits together or not at all. */
export interface StoreTransaction {
  /** The fencing check of a leader's writes (see coordination.ts). */
  readonly leases: LeaseCheck;
  /** Route tables published to remote data planes. */
  readonly routes: PublishedRouteStore;
  readonly services: ServiceStore;
  readonly rollouts: RolloutStore;
  readonly segments: SegmentStore;
  readonly analysisTemplates: AnalysisTemplateStore;
  readonly revisions: RevisionStore;
  readonly events: EventLog;
  readonly experiments: ExperimentStore;
  readonly targets: TargetStore;
  readonly flags: FlagStore;
  readonly webhooks: WebhookStore;
}

export interface Store extends StoreTransaction {
  /** "sqlite", "postgres" or "memory". */
  readonly kind: string;
  /** Leader election among control-plane replicas; outside transactions (see LeaseStore). */
  readonly leases: LeaseStore;
  /** What remote data planes report they serve; outside transactions. */
  readonly dataPlaneReports: DataPlaneReportStore;
  /** Per-second metric history; outside transactions (see MetricSampleStore). */
  readonly metricSamples: MetricSampleStore;
  /** Webhook deliveries, dead letters and the cursor; outside transactions (see WebhookDeliveryStore). */
  readonly webhookDeliveries: WebhookDeliveryStore;
  /** API tokens; outside transactions (see TokenStore). */
  readonly tokens: TokenStore;
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
