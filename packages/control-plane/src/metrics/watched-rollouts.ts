import { isTerminal, type Rollout } from '@sluice/domain';
import type { RolloutStore } from '../store/store.js';

/** How long after its end a rollout's service is still sampled (the charts show the aftermath). */
export const RECENT_ROLLOUT_MS = 10 * 60_000;

interface Watched {
  readonly service: string;
  readonly stable: string;
  readonly target: string;
  /** When it ended; undefined while active. */
  readonly endedAt?: number;
}

function watched(rollout: Rollout, endedAt?: number): Watched {
  const base = { service: rollout.spec.service, stable: rollout.status.stable, target: rollout.spec.target };
  return endedAt === undefined ? base : { ...base, endedAt };
}

/**
 * The rollouts whose services the metric history samples: every non-terminal one, and those that
 * ended less than RECENT_ROLLOUT_MS ago. Reads every rollout once (at the first pass), then only the
 * active ones each pass, plus one `get` for each rollout that stopped being active.
 */
export class WatchedRollouts {
  readonly #rollouts: Pick<RolloutStore, 'list' | 'get'>;
  readonly #watched = new Map<string, Watched>();
  #primed = false;

  constructor(rollouts: Pick<RolloutStore, 'list' | 'get'>) {
    this.#rollouts = rollouts;
  }

  /** Service → the versions that must be sampled even without traffic (each rollout's stable and target). */
  async services(now: number): Promise<Map<string, Set<string>>> {
    await this.#refresh(now);
    const out = new Map<string, Set<string>>();
    for (const w of this.#watched.values()) {
      let versions = out.get(w.service);
      if (versions === undefined) out.set(w.service, (versions = new Set()));
      versions.add(w.stable).add(w.target);
    }
    return out;
  }

  async #refresh(now: number): Promise<void> {
    const listed = await this.#rollouts.list(this.#primed ? { activeOnly: true } : {});
    this.#primed = true;
    const active = new Set<string>();
    for (const rollout of listed) {
      if (!isTerminal(rollout.status.phase)) {
        active.add(rollout.name);
        this.#watched.set(rollout.name, watched(rollout));
      } else {
        this.#watched.set(rollout.name, watched(rollout, rollout.status.finishedAt ?? rollout.status.updatedAt));
      }
    }
    for (const [name, w] of this.#watched) {
      if (w.endedAt === undefined && !active.has(name)) await this.#ended(name, now);
    }
    for (const [name, w] of this.#watched) {
      if (w.endedAt !== undefined && now - w.endedAt >= RECENT_ROLLOUT_MS) this.#watched.delete(name);
    }
  }

  /** A rollout that was active and no longer is: it ended (or was deleted) since the last pass. */
  async #ended(name: string, now: number): Promise<void> {
    const rollout = await this.#rollouts.get(name);
    if (rollout === undefined) {
      this.#watched.delete(name);
      return;
    }
    this.#watched.set(name, watched(rollout, rollout.status.finishedAt ?? now));
  }
}
