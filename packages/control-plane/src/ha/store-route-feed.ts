import type { DataPlaneReport, PublishedRoute, StoredDataPlaneReport } from '@sluice/domain';
import type { DataPlaneReports, RouteFeed } from '../data-plane-sync/route-feed.js';
import type { Logger } from '../platform/logger.js';
import type { Store } from '../store/store.js';

export interface StoreRouteFeedOptions {
  readonly store: Pick<Store, 'routes' | 'dataPlaneReports'>;
  readonly log: Logger;
  /** How often the store is asked for a newer generation while a data plane listens. Default 200 ms. */
  readonly pollMs?: number;
}

/**
 * The published route tables as every control-plane replica streams them: read from the store (the
 * leader may be another process), with subscribers woken when a poll finds a newer generation. Polls
 * only while a data plane is connected.
 */
export class StoreRouteFeed implements RouteFeed, DataPlaneReports {
  readonly #options: StoreRouteFeedOptions;
  readonly #listeners = new Set<() => void>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #seen = -1;
  #polling = false;

  constructor(options: StoreRouteFeedOptions) {
    this.#options = options;
  }

  snapshot(): Promise<{ readonly generation: number; readonly routes: readonly PublishedRoute[] }> {
    return this.#options.store.routes.live();
  }

  changesSince(after: number, limit: number): Promise<readonly PublishedRoute[]> {
    return this.#options.store.routes.changesSince(after, limit);
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    this.#timer ??= setInterval(() => void this.#poll(), this.#options.pollMs ?? 200);
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.close();
    };
  }

  record(report: DataPlaneReport, receivedAt: number): Promise<void> {
    return this.#options.store.dataPlaneReports.record(report, receivedAt);
  }

  list(since: number): Promise<readonly StoredDataPlaneReport[]> {
    return this.#options.store.dataPlaneReports.list(since);
  }

  /** Stops polling (at shutdown). */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const [newer] = await this.#options.store.routes.changesSince(Math.max(0, this.#seen), 1);
      if (this.#seen >= 0 && newer === undefined) return;
      this.#seen = newer === undefined ? 0 : (await this.#options.store.routes.live()).generation;
      for (const listener of [...this.#listeners]) listener();
    } catch (error) {
      this.#options.log.warn('route feed poll failed; retrying', { error: error instanceof Error ? error.message : String(error) });
    } finally {
      this.#polling = false;
    }
  }
}
