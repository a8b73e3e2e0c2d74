import { flagBaselineKey, type Rollout } from '@sluice/domain';

/**
 * Evaluations SDKs reported as "on" per flag environment, fed by the metrics routes (Sluice's and
 * Unleash's) and read by the guardian as the exposure of a rollout whose setFlag steps changed those
 * flags: what a flag ramp exposed, in the same `requests` count a traffic ramp has. SDKs report in
 * batches (every 60 s by default), so this lags by up to one batch.
 */
export class FlagEvaluationCounter {
  readonly #on = new Map<string, number>();

  /** Adds `enabled` evaluations of `flag` in `environment`. */
  record(environment: string, flag: string, enabled: number): void {
    if (!(enabled > 0)) return;
    const key = flagBaselineKey(flag, environment);
    // Bounded: at most one entry per flag environment an SDK reported; dropped when read or at 10,000.
    if (!this.#on.has(key) && this.#on.size >= 10_000) this.#on.clear();
    this.#on.set(key, (this.#on.get(key) ?? 0) + enabled);
  }

  /** The "on" evaluations of the rollout's flag environments since the last call (then zero again). */
  take(rollout: Rollout): number {
    let total = 0;
    for (const key of Object.keys(rollout.status.flagBaselines ?? {})) {
      total += this.#on.get(key) ?? 0;
      this.#on.delete(key);
    }
    return total;
  }
}
