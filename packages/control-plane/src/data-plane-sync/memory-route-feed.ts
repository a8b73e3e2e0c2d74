import type { RouteSpec, TrafficSplit } from '@sluice/domain';
import type { DataPlaneReport, DataPlaneReports, PublishedRoute, RouteFeed, StoredDataPlaneReport } from './route-feed.js';

/**
 * A RouteFeed and DataPlaneReports in memory, for tests: `publish` and `remove` write entries with the
 * next generation and wake every subscriber, as the store-backed feed does when it polls.
 */
export class MemoryRouteFeed implements RouteFeed, DataPlaneReports {
  /** Every entry written, oldest first (tombstones included). */
  readonly #log: PublishedRoute[] = [];
  readonly #listeners = new Set<() => void>();
  readonly #reports = new Map<string, StoredDataPlaneReport>();
  #generation = 0;

  get generation(): number {
    return this.#generation;
  }

  /** Publishes `route` serving `split`; answers the entry written. */
  publish(route: RouteSpec, split: TrafficSplit): PublishedRoute {
    return this.#write({ service: route.service, generation: ++this.#generation, route, split });
  }

  /** Writes a tombstone for `service`. */
  remove(service: string): PublishedRoute {
    return this.#write({ service, generation: ++this.#generation, removed: true });
  }

  async snapshot(): Promise<{ readonly generation: number; readonly routes: readonly PublishedRoute[] }> {
    const latest = new Map<string, PublishedRoute>();
    for (const entry of this.#log) latest.set(entry.service, entry);
    return { generation: this.#generation, routes: [...latest.values()].filter((e) => e.removed !== true) };
  }

  async changesSince(after: number, limit: number): Promise<readonly PublishedRoute[]> {
    return this.#log.filter((e) => e.generation > after).slice(0, limit);
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get subscribers(): number {
    return this.#listeners.size;
  }

  async record(report: DataPlaneReport, receivedAt: number): Promise<void> {
    this.#reports.set(report.id, { ...report, receivedAt });
  }

  async list(since: number): Promise<readonly StoredDataPlaneReport[]> {
    return [...this.#reports.values()].filter((r) => r.receivedAt >= since).sort((a, b) => a.id.localeCompare(b.id));
  }

  #write(entry: PublishedRoute): PublishedRoute {
    this.#log.push(entry);
    for (const listener of [...this.#listeners]) listener();
    return entry;
  }
}
