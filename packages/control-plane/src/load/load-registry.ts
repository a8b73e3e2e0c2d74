import { Phase, type Rollout } from '@sluice/domain';
import type { LoadRun } from './load-generator.js';

/** Most generators one control plane runs at once (one per active load step). */
export const MAX_LOAD_RUNS = 64;

/** The key of the generator a load step owns: a new start (startedAt) is a new generator. */
export function loadKey(rollout: string, stepIndex: number, startedAt: number): string {
  return `${rollout}#${stepIndex}#${startedAt}`;
}

/**
 * The key of the generator the rollout's current step owns, as its stored status says; undefined when
 * it owns none (not progressing or paused, another step, no load state). Callers pass these keys to
 * `stopExcept` so generators of steps that ended (completed, aborted, deleted rollouts) stop.
 */
export function activeLoadKey(rollout: Rollout): string | undefined {
  const { status } = rollout;
  if (status.phase !== Phase.Progressing && status.phase !== Phase.Paused) return undefined;
  const state = status.stepState;
  if (state?.load === undefined || state.stepIndex !== status.stepIndex) return undefined;
  return loadKey(rollout.name, state.stepIndex, state.load.startedAt);
}

/**
 * The load generators this process runs, so the load executor finds its generator on later passes.
 * In memory only: after a restart the executor starts a new generator for the step's remaining time.
 * Ended generators stay until removed, so a later pass can read their final totals.
 */
export class LoadRegistry {
  readonly #runs = new Map<string, LoadRun>();
  readonly #max: number;
  #closed = false;

  constructor(options: { readonly maxRuns?: number } = {}) {
    this.#max = options.maxRuns ?? MAX_LOAD_RUNS;
  }

  get(key: string): LoadRun | undefined {
    return this.#runs.get(key);
  }

  keys(): string[] {
    return [...this.#runs.keys()];
  }

  get size(): number {
    return this.#runs.size;
  }

  /** False after stopAll, or when MAX_LOAD_RUNS generators are registered. */
  canStart(): boolean {
    return !this.#closed && this.#runs.size < this.#max;
  }

  /**
   * Starts a generator under `key` (unless one is there: that one is returned). Undefined, starting
   * nothing, when canStart() is false. Errors thrown by `start` propagate.
   */
  start(key: string, start: () => LoadRun): LoadRun | undefined {
    const existing = this.#runs.get(key);
    if (existing) return existing;
    if (!this.canStart()) return undefined;
    const run = start();
    this.#runs.set(key, run);
    return run;
  }

  /** Stops (if running) and forgets the generator under `key`. */
  remove(key: string): void {
    this.#runs.get(key)?.stop();
    this.#runs.delete(key);
  }

  /** Stops and forgets every generator whose key is not in `activeKeys`; returns their keys. */
  stopExcept(activeKeys: Iterable<string | undefined>): string[] {
    const keep = new Set(activeKeys);
    const stopped = this.keys().filter((key) => !keep.has(key));
    for (const key of stopped) this.remove(key);
    return stopped;
  }

  /** For shutdown: stops every generator, waits until each has ended, and starts no more. */
  async stopAll(): Promise<void> {
    this.#closed = true;
    const runs = [...this.#runs.values()];
    this.#runs.clear();
    for (const run of runs) run.stop();
    await Promise.all(runs.map((run) => run.done));
  }
}
