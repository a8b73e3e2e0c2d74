import type { Rollout } from '@sluice/domain';
import type { Store } from '../store/store.js';
import { afterCommit, commitChange, writeCommit, type Commit, type Stamp } from './commit.js';

interface Pending {
  readonly commit: Commit;
  readonly stamp: Stamp;
  readonly resolve: (saved: Rollout) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for the controller's pass: the commits that rollouts reconciled side by side ask for
 * in the same turn of the event loop are written in one transaction (one disk sync instead of one
 * each). Each caller still gets exactly commitChange's outcome: when the group fails (a version
 * conflict of one rollout, anything else), nothing of it is written and every commit of the group is
 * retried on its own, so only the one that conflicted sees the error.
 */
export class CommitBatcher {
  readonly #store: Store;
  #queue: Pending[] = [];
  #scheduled = false;

  constructor(store: Store) {
    this.#store = store;
  }

  /** Same contract as commitChange(store, commit, stamp). */
  commit(commit: Commit, stamp: Stamp): Promise<Rollout> {
    return new Promise<Rollout>((resolve, reject) => {
      this.#queue.push({ commit, stamp, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => void this.#drain());
    });
  }

  /** One group at a time: what queues while a group is being written goes into the next group. */
  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue;
        this.#queue = [];
        await this.#flush(batch);
      }
    } finally {
      this.#scheduled = false;
    }
  }

  async #flush(batch: readonly Pending[]): Promise<void> {
    if (batch.length === 1) return this.#alone(batch[0]!);
    let saved: Rollout[];
    try {
      saved = await this.#store.transaction(async (tx) => {
        const out: Rollout[] = [];
        for (const p of batch) out.push(await writeCommit(tx, p.commit, p.stamp));
        return out;
      });
    } catch {
      for (const p of batch) await this.#alone(p);
      return;
    }
    batch.forEach((p, i) => {
      try {
        afterCommit(p.commit);
        p.resolve(saved[i]!);
      } catch (error) {
        p.reject(error);
      }
    });
  }

  async #alone(p: Pending): Promise<void> {
    try {
      p.resolve(await commitChange(this.#store, p.commit, p.stamp));
    } catch (error) {
      p.reject(error);
    }
  }
}
