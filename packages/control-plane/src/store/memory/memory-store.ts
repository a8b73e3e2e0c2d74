import { isTerminal, VersionConflictError } from '@sluice/domain';
import type { AnalysisTemplate, NewReleaseEvent, Phase, ReleaseEvent, Revision, Rollout, Segment, Service, Target, Webhook } from '@sluice/domain';
import type {
  AnalysisTemplateStore,
  EventLog,
  ExperimentStore,
  FlagStore,
  MetricSampleStore,
  RolloutFilter,
  RevisionStore,
  RolloutStore,
  SegmentStore,
  ServiceStore,
  Store,
  TargetStore,
  StoreTransaction,
  WebhookDeliveryStore,
  WebhookStore,
} from '../store.js';
import { checkExpectedVersion, checkRevision, closedStoreError, revisionConflict } from '../store-input.js';
import { delegateFlags } from '../flag-store-support.js';
import { TransactionLease, TransactionScope } from '../transaction-scope.js';
import { MemoryExperiments, memoryExperimentStore } from './memory-experiments.js';
import { listMemoryEvents, type MemoryEventRow } from './memory-events.js';
import { MemoryFlags, memoryFlagStore } from './memory-flags.js';
import { memoryMetricSamples } from './memory-metric-samples.js';
import { memoryWebhookDeliveries } from './memory-webhook-deliveries.js';
import { memoryTokens } from './memory-tokens.js';
import type { TokenStore } from '../token-store.js';
import { copyCoordination, emptyCoordination, memoryDataPlaneReports, memoryLeaseCheck, memoryLeaseStore, memoryPublishedRoutes, type MemoryCoordination } from './memory-coordination.js';
import { delegateRoutes, type DataPlaneReportStore, type LeaseCheck, type LeaseStore, type PublishedRouteStore } from '../coordination.js';

/** Records are kept as JSON text, so callers can never share or mutate stored state. */
interface StoredService {
  readonly version: number;
  readonly json: string;
}
interface StoredRollout extends StoredService {
  readonly service: string;
  readonly phase: Phase;
  readonly createdAt: number;
}
interface StoredRevision {
  readonly service: string;
  readonly number: number;
  readonly json: string;
}
type StoredEvent = MemoryEventRow;

interface MemoryState {
  readonly services: Map<string, StoredService>;
  readonly rollouts: Map<string, StoredRollout>;
  readonly segments: Map<string, StoredService>;
  readonly analysisTemplates: Map<string, StoredService>;
  readonly targets: Map<string, StoredService>;
  readonly webhooks: Map<string, StoredService>;
  /** By revisionKey(service, number). */
  readonly revisions: Map<string, StoredRevision>;
  /** Append-only and shared between snapshots; a snapshot sees the first `eventCount`. */
  readonly events: StoredEvent[];
  eventCount: number;
  readonly experiments: MemoryExperiments;
  readonly flags: MemoryFlags;
  readonly coordination: MemoryCoordination;
}

/**
 * In-process Store for tests and `--store memory`. Transactions run one at a time on a
 * copy-on-write snapshot that replaces the committed state only when `work` succeeds.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory';
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
  readonly metricSamples: MetricSampleStore = memoryMetricSamples((operation) => this.#check(operation));
  readonly webhookDeliveries: WebhookDeliveryStore = memoryWebhookDeliveries((operation) => this.#check(operation));
  readonly tokens: TokenStore = memoryTokens((operation) => this.#check(operation));
  readonly dataPlaneReports: DataPlaneReportStore = memoryDataPlaneReports((operation) => this.#check(operation));
  readonly leases: LeaseStore = memoryLeaseStore(
    (operation) => this.#check(operation),
    (work) => this.transaction(async () => work(this.#pending?.coordination ?? this.#state.coordination)),
  );
  readonly routes: PublishedRouteStore;
  /** The snapshot of the transaction running now (leases write through it). */
  #pending: MemoryState | undefined;
  #state: MemoryState = {
    services: new Map(),
    rollouts: new Map(),
    segments: new Map(),
    analysisTemplates: new Map(),
    targets: new Map(),
    webhooks: new Map(),
    revisions: new Map(),
    events: [],
    eventCount: 0,
    experiments: new MemoryExperiments(),
    flags: new MemoryFlags(),
    coordination: emptyCoordination(),
  };
  #nextSeq = 1;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #scope = new TransactionScope();

  constructor() {
    const read = (operation: string) => {
      this.#check(operation);
      return new MemoryTransaction(this.#state, () => this.#nextSeq, new TransactionLease());
    };
    this.services = {
      get: async (name) => read('services.get').services.get(name),
      list: async () => read('services.list').services.list(),
      save: (service, expected) => this.transaction((tx) => tx.services.save(service, expected)),
    };
    this.rollouts = {
      get: async (name) => read('rollouts.get').rollouts.get(name),
      list: async (filter) => read('rollouts.list').rollouts.list(filter),
      save: (rollout, expected) => this.transaction((tx) => tx.rollouts.save(rollout, expected)),
    };
    this.segments = {
      get: async (name) => read('segments.get').segments.get(name),
      list: async () => read('segments.list').segments.list(),
      save: (segment, expected) => this.transaction((tx) => tx.segments.save(segment, expected)),
    };
    this.targets = {
      get: async (name) => read('targets.get').targets.get(name),
      list: async () => read('targets.list').targets.list(),
      save: (target, expected) => this.transaction((tx) => tx.targets.save(target, expected)),
    };
    this.webhooks = {
      get: async (name) => read('webhooks.get').webhooks.get(name),
      list: async () => read('webhooks.list').webhooks.list(),
      save: (webhook, expected) => this.transaction((tx) => tx.webhooks.save(webhook, expected)),
    };
    this.analysisTemplates = {
      get: async (name) => read('analysisTemplates.get').analysisTemplates.get(name),
      list: async () => read('analysisTemplates.list').analysisTemplates.list(),
      save: (template, expected) => this.transaction((tx) => tx.analysisTemplates.save(template, expected)),
    };
    this.revisions = {
      append: (revision) => this.transaction((tx) => tx.revisions.append(revision)),
      list: async (service) => read('revisions.list').revisions.list(service),
      get: async (service, number) => read('revisions.get').revisions.get(service, number),
    };
    this.events = {
      append: (events) => this.transaction((tx) => tx.events.append(events)),
      list: async (filter) => read('events.list').events.list(filter),
    };
    this.experiments = {
      get: async (name) => read('experiments.get').experiments.get(name),
      list: async (filter) => read('experiments.list').experiments.list(filter),
      save: (experiment, expected) => this.transaction((tx) => tx.experiments.save(experiment, expected)),
      counts: async (name) => read('experiments.counts').experiments.counts(name),
      saveCounts: (name, counts) => this.transaction((tx) => tx.experiments.saveCounts(name, counts)),
      marks: async (name, keys) => read('experiments.marks').experiments.marks(name, keys),
      addMarks: (name, marks) => this.transaction((tx) => tx.experiments.addMarks(name, marks)),
    };
    this.flags = delegateFlags(async (operation, run) => run(read(operation).flags), (run) => this.transaction((tx) => run(tx.flags)));
    this.routes = delegateRoutes(async (operation, run) => run(read(operation).routes), (run) => this.transaction((tx) => run(tx.routes)));
  }

  async transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    this.#check('transaction()');
    const release = await this.#lock();
    try {
      this.#check('transaction()');
      const snapshot = copyState(this.#state);
      const lease = new TransactionLease();
      const tx = new MemoryTransaction(snapshot, () => this.#nextSeq++, lease);
      this.#pending = snapshot;
      try {
        const result = await this.#scope.run(() => work(tx));
        this.#state = snapshot;
        snapshot.experiments.commit();
        return result;
      } finally {
        this.#pending = undefined;
        lease.finish();
        // A rolled-back append may have pushed past the committed count; drop those entries.
        this.#state.events.length = this.#state.eventCount;
        this.#state.flags.discardUncommitted();
      }
    } finally {
      release();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #check(operation: string): void {
    if (this.#closed) throw closedStoreError(this.kind, operation);
    this.#scope.assertOutside(operation);
  }

  /** A FIFO mutex: resolves with a release function once every earlier holder has released. */
  async #lock(): Promise<() => void> {
    let release!: () => void;
    const previous = this.#tail;
    this.#tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    return release;
  }
}

function copyState(state: MemoryState): MemoryState {
  return {
    services: new Map(state.services),
    rollouts: new Map(state.rollouts),
    segments: new Map(state.segments),
    analysisTemplates: new Map(state.analysisTemplates),
    targets: new Map(state.targets),
    webhooks: new Map(state.webhooks),
    revisions: new Map(state.revisions),
    events: state.events,
    eventCount: state.eventCount,
    experiments: state.experiments.snapshot(),
    flags: state.flags.snapshot(),
    coordination: copyCoordination(state.coordination),
  };
}

/** A view over one state: the committed state for plain reads, a snapshot inside a transaction. */
class MemoryTransaction implements StoreTransaction {
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
  readonly leases: LeaseCheck;
  readonly routes: PublishedRouteStore;

  constructor(state: MemoryState, takeSeq: () => number, lease: TransactionLease) {
    this.leases = memoryLeaseCheck(state.coordination, lease);
    this.routes = memoryPublishedRoutes(state.coordination, lease);
    this.experiments = memoryExperimentStore(state.experiments, lease);
    this.flags = memoryFlagStore(state.flags, lease);
    this.services = namedRecords<Service>('Service', 'services', state.services, lease);
    this.segments = namedRecords<Segment>('Segment', 'segments', state.segments, lease);
    this.analysisTemplates = namedRecords<AnalysisTemplate>('AnalysisTemplate', 'analysisTemplates', state.analysisTemplates, lease);
    this.targets = namedRecords<Target>('Target', 'targets', state.targets, lease);
    this.webhooks = namedRecords<Webhook>('Webhook', 'webhooks', state.webhooks, lease);
    this.rollouts = {
      get: async (name) => {
        lease.check('rollouts.get');
        return parseVersioned<Rollout>(state.rollouts.get(name));
      },
      list: async (filter) => {
        lease.check('rollouts.list');
        return listRollouts(state, filter ?? {});
      },
      save: async (rollout, expected) => {
        lease.check('rollouts.save');
        const next = nextVersion('Rollout', rollout.name, state.rollouts.get(rollout.name)?.version, expected);
        const json = bodyJson(rollout);
        const { service } = rollout.spec;
        const { phase, createdAt } = rollout.status;
        state.rollouts.set(rollout.name, { version: next, json, service, phase, createdAt });
        return { ...(JSON.parse(json) as Omit<Rollout, 'version'>), version: next };
      },
    };
    this.revisions = revisionRecords(state.revisions, lease);
    this.events = {
      append: async (events) => {
        lease.check('events.append');
        return events.map((event) => appendEvent(state, event, takeSeq()));
      },
      list: async (filter) => {
        lease.check('events.list');
        return listMemoryEvents(state, filter ?? {});
      },
    };
  }
}

/** get/list/save over records kept by name only (services, segments, analysis templates). */
function namedRecords<T extends { readonly name: string; readonly version: number }>(
  kind: string,
  label: string,
  records: Map<string, StoredService>,
  lease: TransactionLease,
) {
  return {
    get: async (name: string) => {
      lease.check(`${label}.get`);
      return parseVersioned<T>(records.get(name));
    },
    list: async () => {
      lease.check(`${label}.list`);
      return [...records.keys()].sort(compareText).map((name) => parseVersioned<T>(records.get(name)) as T);
    },
    save: async (record: T, expected: number) => {
      lease.check(`${label}.save`);
      const next = nextVersion(kind, record.name, records.get(record.name)?.version, expected);
      const json = bodyJson(record);
      records.set(record.name, { version: next, json });
      return { ...(JSON.parse(json) as Omit<T, 'version'>), version: next } as T;
    },
  };
}

const revisionKey = (service: string, number: number) => `${service}\u0000${number}`;

/** append/list/get over the revisions of every service, kept as JSON text. */
function revisionRecords(records: Map<string, StoredRevision>, lease: TransactionLease): RevisionStore {
  const parse = (stored: StoredRevision | undefined) => (stored === undefined ? undefined : (JSON.parse(stored.json) as Revision));
  return {
    append: async (revision) => {
      lease.check('revisions.append');
      checkRevision(revision);
      const key = revisionKey(revision.service, revision.number);
      if (records.has(key)) throw revisionConflict(revision.service, revision.number);
      const json = JSON.stringify(revision);
      records.set(key, { service: revision.service, number: revision.number, json });
      return JSON.parse(json) as Revision;
    },
    list: async (service) => {
      lease.check('revisions.list');
      const mine = [...records.values()].filter((r) => r.service === service).sort((a, b) => a.number - b.number);
      return mine.map((r) => parse(r) as Revision);
    },
    get: async (service, number) => {
      lease.check('revisions.get');
      return parse(records.get(revisionKey(service, number)));
    },
  };
}

function nextVersion(kind: string, name: string, current: number | undefined, expected: number): number {
  checkExpectedVersion(kind, name, expected);
  if ((current ?? 0) !== expected) throw new VersionConflictError(kind, name, expected, current);
  return expected + 1;
}

/** The stored JSON of a record: everything but `version`, which the store owns. */
function bodyJson(record: { readonly version: number }): string {
  const { version: _version, ...body } = record;
  return JSON.stringify(body);
}

function parseVersioned<T>(stored: StoredService | undefined): T | undefined {
  if (stored === undefined) return undefined;
  return { ...(JSON.parse(stored.json) as object), version: stored.version } as T;
}

/** Code-point order, the same as SQLite's BINARY and Postgres's "C" collation. */
function compareText(a: string, b: string): number {
  const left = [...a].map((c) => c.codePointAt(0) ?? 0);
  const right = [...b].map((c) => c.codePointAt(0) ?? 0);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return left.length - right.length;
}

function listRollouts(state: MemoryState, filter: RolloutFilter): Rollout[] {
  const matches = [...state.rollouts.entries()].filter(
    ([, r]) =>
      (filter.service === undefined || r.service === filter.service) &&
      (filter.activeOnly !== true || !isTerminal(r.phase)),
  );
  matches.sort(([an, a], [bn, b]) => a.createdAt - b.createdAt || compareText(an, bn));
  return matches.map(([, stored]) => parseVersioned<Rollout>(stored) as Rollout);
}

function appendEvent(state: MemoryState, event: NewReleaseEvent, seq: number): ReleaseEvent {
  const { seq: _ignored, ...body } = event as NewReleaseEvent & { seq?: unknown };
  const json = JSON.stringify(body);
  // Events past `eventCount` belong to this snapshot only until it commits.
  state.events.length = state.eventCount;
  state.events.push({
    seq,
    service: event.service,
    actor: event.actor,
    subjectKind: event.subject.kind,
    subjectName: event.subject.name,
    type: event.type,
    json,
  });
  state.eventCount = state.events.length;
  return { seq, ...(JSON.parse(json) as NewReleaseEvent) };
}
