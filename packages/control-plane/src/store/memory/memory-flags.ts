import { VersionConflictError, type Flag, type FlagRevision, type FlagUsage } from '@sluice/domain';
import {
  checkFlagQuery,
  compareCodePoints,
  compareUsage,
  DEFAULT_FLAG_CHANGES_LIMIT,
  DEFAULT_FLAG_HISTORY_LIMIT,
  mergeFlagUsage,
} from '../flag-store-support.js';
import type { FlagStore } from '../store.js';
import { checkExpectedVersion } from '../store-input.js';
import type { TransactionLease } from '../transaction-scope.js';

interface StoredFlag {
  readonly version: number;
  readonly json: string;
}
interface StoredFlagRevision {
  readonly seq: number;
  readonly name: string;
  readonly version: number;
  /** FlagRevision without seq, name and version. */
  readonly json: string;
}

/**
 * The flags part of the memory store's state. Flags and usage are copied per transaction like the
 * other records; the history only grows, so like the event log it is one array shared by every
 * snapshot, each seeing its first `count` entries. A rolled-back transaction's entries past the
 * committed count are dropped by discardUncommitted().
 */
export class MemoryFlags {
  readonly records: Map<string, StoredFlag>;
  readonly usage: Map<string, FlagUsage>;
  readonly #history: StoredFlagRevision[];
  #count: number;

  constructor(records = new Map<string, StoredFlag>(), usage = new Map<string, FlagUsage>(), history: StoredFlagRevision[] = [], count = 0) {
    this.records = records;
    this.usage = usage;
    this.#history = history;
    this.#count = count;
  }

  /** A transaction's copy: its writes stay its own until it replaces the committed state. */
  snapshot(): MemoryFlags {
    return new MemoryFlags(new Map(this.records), new Map(this.usage), this.#history, this.#count);
  }

  /** Called on the committed state after a transaction ended: forgets history it did not commit. */
  discardUncommitted(): void {
    this.#history.length = this.#count;
  }

  /** The committed-or-own history entries, oldest first. */
  get history(): readonly StoredFlagRevision[] {
    return this.#history.slice(0, this.#count);
  }

  /** seq strictly increases: one more than the last entry this state sees. */
  append(entry: Omit<StoredFlagRevision, 'seq'>): number {
    const seq = this.latestSeq() + 1;
    this.#history.length = this.#count;
    this.#history.push({ seq, ...entry });
    this.#count = this.#history.length;
    return seq;
  }

  latestSeq(): number {
    return this.#history[this.#count - 1]?.seq ?? 0;
  }

  /** Entries with seq > afterSeq, oldest first (seqs increase, so binary search for the first). */
  after(afterSeq: number, limit: number): readonly StoredFlagRevision[] {
    let low = 0;
    let high = this.#count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.#history[mid]?.seq ?? Infinity) <= afterSeq) low = mid + 1;
      else high = mid;
    }
    return this.#history.slice(low, Math.min(this.#count, low + limit));
  }
}

const parseFlag = (stored: StoredFlag | undefined): Flag | undefined =>
  stored === undefined ? undefined : { ...(JSON.parse(stored.json) as Omit<Flag, 'version'>), version: stored.version };

const parseRevision = (stored: StoredFlagRevision): FlagRevision => {
  const { seq, name, version } = stored;
  return { seq, name, version, ...(JSON.parse(stored.json) as Pick<FlagRevision, 'change' | 'spec'>) };
};

const usageKey = (flag: string, environment: string) => `${flag}\u0000${environment}`;

/** The FlagStore over one state (committed for plain reads, a snapshot in a transaction). */
export function memoryFlagStore(state: MemoryFlags, lease: TransactionLease): FlagStore {
  return {
    get: async (name) => {
      lease.check('flags.get');
      return parseFlag(state.records.get(name));
    },
    list: async () => {
      lease.check('flags.list');
      return [...state.records.keys()].sort(compareCodePoints).map((n) => parseFlag(state.records.get(n)) as Flag);
    },
    save: async (flag, expected, change) => {
      lease.check('flags.save');
      checkExpectedVersion('Flag', flag.name, expected);
      const current = state.records.get(flag.name)?.version;
      if ((current ?? 0) !== expected) throw new VersionConflictError('Flag', flag.name, expected, current);
      const { version: _version, ...body } = flag;
      const version = expected + 1;
      state.records.set(flag.name, { version, json: JSON.stringify(body) });
      state.append({ name: flag.name, version, json: JSON.stringify({ change, spec: flag.spec }) });
      return parseFlag(state.records.get(flag.name)) as Flag;
    },
    history: async (name, limit = DEFAULT_FLAG_HISTORY_LIMIT) => {
      lease.check('flags.history');
      checkFlagQuery('limit', limit);
      const mine = state.history.filter((r) => r.name === name).reverse();
      return mine.slice(0, limit).map(parseRevision);
    },
    revision: async (name, version) => {
      lease.check('flags.revision');
      const found = state.history.find((r) => r.name === name && r.version === version);
      return found === undefined ? undefined : parseRevision(found);
    },
    changesSince: async (afterSeq, limit = DEFAULT_FLAG_CHANGES_LIMIT) => {
      lease.check('flags.changesSince');
      checkFlagQuery('afterSeq', afterSeq);
      checkFlagQuery('limit', limit);
      return state.after(afterSeq, limit).map(parseRevision);
    },
    latestSeq: async () => {
      lease.check('flags.latestSeq');
      return state.latestSeq();
    },
    addUsage: async (usage) => {
      lease.check('flags.addUsage');
      for (const entry of mergeFlagUsage(usage)) {
        const key = usageKey(entry.flag, entry.environment);
        const seen = state.usage.get(key);
        const evaluations = (seen?.evaluations ?? 0) + entry.evaluations;
        const lastEvaluatedAt = Math.max(seen?.lastEvaluatedAt ?? 0, entry.lastEvaluatedAt);
        state.usage.set(key, { ...entry, evaluations, lastEvaluatedAt });
      }
    },
    usage: async () => {
      lease.check('flags.usage');
      return [...state.usage.values()].map((u) => ({ ...u })).sort(compareUsage);
    },
  };
}
