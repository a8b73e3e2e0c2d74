import { EMPTY_EXPERIMENT_COUNTS, VersionConflictError, type Experiment, type ExperimentCounts } from '@sluice/domain';
import type { ExperimentStore } from '../store.js';
import { checkExpectedVersion } from '../store-input.js';
import type { TransactionLease } from '../transaction-scope.js';

interface StoredExperiment {
  readonly version: number;
  readonly json: string;
  readonly service: string | undefined;
  readonly phase: string;
}

type Marks = Map<string, Map<string, Set<string>>>;

/**
 * The experiments part of the memory store's state. Experiments and counts are copied per transaction
 * like the other records; marks can be many (one per user and conversion), so a transaction writes
 * them to its own overlay over the committed marks, merged in only when it commits.
 */
export class MemoryExperiments {
  readonly records: Map<string, StoredExperiment>;
  readonly counts: Map<string, string>;
  readonly #committed: Marks;
  readonly #pending: Marks = new Map();

  constructor(records = new Map<string, StoredExperiment>(), counts = new Map<string, string>(), committed: Marks = new Map()) {
    this.records = records;
    this.counts = counts;
    this.#committed = committed;
  }

  /** A transaction's copy: its writes stay its own until commit(). */
  snapshot(): MemoryExperiments {
    return new MemoryExperiments(new Map(this.records), new Map(this.counts), this.#committed);
  }

  /** Makes the overlay's marks committed (called once the transaction's state replaced the old one). */
  commit(): void {
    for (const [experiment, byKey] of this.#pending) {
      const target = this.#committed.get(experiment) ?? new Map<string, Set<string>>();
      for (const [key, marks] of byKey) target.set(key, new Set([...(target.get(key) ?? []), ...marks]));
      this.#committed.set(experiment, target);
    }
    this.#pending.clear();
  }

  marksOf(experiment: string, key: string): readonly string[] {
    return [...(this.#committed.get(experiment)?.get(key) ?? []), ...(this.#pending.get(experiment)?.get(key) ?? [])];
  }

  add(experiment: string, key: string, mark: string): void {
    const byKey = this.#pending.get(experiment) ?? new Map<string, Set<string>>();
    byKey.set(key, (byKey.get(key) ?? new Set()).add(mark));
    this.#pending.set(experiment, byKey);
  }
}

/** Code-point order, like SQLite's BINARY and Postgres's "C" collation. */
const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The ExperimentStore over one state (committed for plain reads, a snapshot in a transaction). */
export function memoryExperimentStore(state: MemoryExperiments, lease: TransactionLease): ExperimentStore {
  const parse = (stored: StoredExperiment | undefined): Experiment | undefined =>
    stored === undefined ? undefined : { ...(JSON.parse(stored.json) as Omit<Experiment, 'version'>), version: stored.version };
  return {
    get: async (name) => {
      lease.check('experiments.get');
      return parse(state.records.get(name));
    },
    list: async (filter = {}) => {
      lease.check('experiments.list');
      const names = [...state.records.keys()].sort(byName);
      return names.map((n) => state.records.get(n) as StoredExperiment)
        .filter((r) => (filter.service === undefined || r.service === filter.service) && (filter.runningOnly !== true || r.phase === 'Running'))
        .map((r) => parse(r) as Experiment);
    },
    save: async (experiment, expected) => {
      lease.check('experiments.save');
      checkExpectedVersion('Experiment', experiment.name, expected);
      const current = state.records.get(experiment.name)?.version;
      if ((current ?? 0) !== expected) throw new VersionConflictError('Experiment', experiment.name, expected, current);
      const { version: _version, ...body } = experiment;
      const json = JSON.stringify(body);
      state.records.set(experiment.name, { version: expected + 1, json, service: experiment.spec.service, phase: experiment.status.phase });
      return parse(state.records.get(experiment.name)) as Experiment;
    },
    counts: async (name) => {
      lease.check('experiments.counts');
      const json = state.counts.get(name);
      return json === undefined ? EMPTY_EXPERIMENT_COUNTS : (JSON.parse(json) as ExperimentCounts);
    },
    saveCounts: async (name, counts) => {
      lease.check('experiments.saveCounts');
      state.counts.set(name, JSON.stringify(counts));
    },
    marks: async (name, keys) => {
      lease.check('experiments.marks');
      const found = new Map<string, ReadonlySet<string>>();
      for (const key of keys) {
        const marks = state.marksOf(name, key);
        if (marks.length > 0) found.set(key, new Set(marks));
      }
      return found;
    },
    addMarks: async (name, marks) => {
      lease.check('experiments.addMarks');
      for (const { key, mark } of marks) state.add(name, key, mark);
    },
  };
}
