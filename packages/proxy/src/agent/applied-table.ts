import type { DataPlaneReport, ObservedSplit, PublishedRoute, RouteSpec, TrafficSplit, UpstreamUse } from '@sluice/domain';

/** What the table drives: the built-in proxy (tests pass a fake). */
export interface TableProxy {
  upsert(route: RouteSpec, initial: TrafficSplit): Promise<void>;
  setSplit(service: string, split: TrafficSplit): void;
  remove(service: string): Promise<void>;
  observe(service: string): ObservedSplit;
  upstreamUse(service: string, endpoint: string): UpstreamUse;
}

/** An entry that could not be applied, kept to be tried again. */
export interface FailedEntry {
  readonly entry: PublishedRoute;
  readonly error: string;
}

export interface AppliedTableOptions {
  /** Per service, the address to listen on instead of the published route's (`--listen SERVICE=HOST:PORT`). */
  readonly listen?: ReadonlyMap<string, string>;
  /** Told about each entry that could not be applied (it is retried by `retryFailed`). */
  readonly onFailure?: (entry: PublishedRoute, error: string) => void;
}

/** A live entry: a route and its split. */
type LiveEntry = PublishedRoute & { readonly route: RouteSpec; readonly split: TrafficSplit };

function isLive(entry: PublishedRoute): entry is LiveEntry {
  return entry.removed !== true && entry.route !== undefined && entry.split !== undefined;
}

/**
 * The route table a data plane serves, applied to its proxy in generation order: a snapshot replaces
 * the whole table, a change replaces (or, as a tombstone, removes) one service's route. An entry the
 * proxy refuses (its address is taken, say) leaves that service as it was and is retried later; the
 * table's generation still moves on, and the report shows that service at its older generation.
 */
export class AppliedTable {
  readonly #proxy: TableProxy;
  readonly #listen: ReadonlyMap<string, string>;
  readonly #onFailure: ((entry: PublishedRoute, error: string) => void) | undefined;
  /** Entries being served, as published (the listen override is applied only when upserting). */
  readonly #served = new Map<string, LiveEntry>();
  readonly #failed = new Map<string, FailedEntry>();
  /** Every backend endpoint a route has had, so requests still draining from dropped ones are reported. */
  readonly #endpoints = new Map<string, Set<string>>();
  #generation = 0;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(proxy: TableProxy, options: AppliedTableOptions = {}) {
    this.#proxy = proxy;
    this.#listen = options.listen ?? new Map();
    this.#onFailure = options.onFailure;
  }

  /** The newest generation applied (every entry up to it): where a resumed stream starts. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * The table to serve, by service name: what the state file keeps. An entry not applied yet (refused)
   * stands in for the one served, so a restart tries it again rather than skipping past it.
   */
  entries(): PublishedRoute[] {
    const wanted = new Map<string, PublishedRoute>(this.#served);
    for (const [service, { entry }] of this.#failed) wanted.set(service, entry);
    return [...wanted.values()].sort((a, b) => a.service.localeCompare(b.service));
  }

  /** How many services are served now. */
  get size(): number {
    return this.#served.size;
  }

  get failures(): readonly FailedEntry[] {
    return [...this.#failed.values()];
  }

  /** Serves exactly `routes`: each is upserted, every route not among them removed. */
  applySnapshot(generation: number, routes: readonly PublishedRoute[]): Promise<void> {
    return this.#exclusive(() => this.#applySnapshot(generation, routes));
  }

  async #applySnapshot(generation: number, routes: readonly PublishedRoute[]): Promise<void> {
    const keep = new Set<string>();
    for (const entry of routes) {
      if (!isLive(entry)) continue;
      keep.add(entry.service);
      await this.#apply(entry);
    }
    for (const service of [...this.#served.keys(), ...this.#failed.keys()]) {
      if (!keep.has(service)) await this.#remove(service);
    }
    this.#generation = routes.reduce((max, r) => Math.max(max, r.generation), generation);
  }

  /** Applies one change; one at or below the table's generation was already applied and is skipped. Answers whether it was new. */
  applyChange(entry: PublishedRoute): Promise<boolean> {
    return this.#exclusive(() => this.#applyChange(entry));
  }

  async #applyChange(entry: PublishedRoute): Promise<boolean> {
    if (entry.generation <= this.#generation) return false;
    if (entry.removed === true) await this.#remove(entry.service);
    else if (isLive(entry)) await this.#apply(entry);
    else this.#fail(entry, 'the entry has neither a route and split nor removed: true');
    this.#generation = entry.generation;
    return true;
  }

  /** Tries the entries that failed again; answers how many now serve. */
  retryFailed(): Promise<number> {
    return this.#exclusive(async () => {
      let applied = 0;
      for (const { entry } of [...this.#failed.values()]) {
        if (isLive(entry) && (await this.#apply(entry))) applied++;
      }
      return applied;
    });
  }

  /** What this data plane serves, per service (with its entry's generation), and requests in flight per endpoint. */
  report(id: string): DataPlaneReport {
    const services: Record<string, ObservedSplit> = {};
    const inFlight: Record<string, Record<string, number>> = {};
    for (const [service, entry] of this.#served) {
      try {
        services[service] = { ...this.#proxy.observe(service), generation: entry.generation };
        const counts = this.#inFlight(service, entry.route);
        if (Object.keys(counts).length > 0) inFlight[service] = counts;
      } catch {
        // Removed from the proxy between the two reads: not served, so not reported.
      }
    }
    return { id, generation: this.#generation, services, ...(Object.keys(inFlight).length > 0 ? { inFlight } : {}) };
  }

  /** Non-zero in-flight counts; endpoints that left the route are forgotten once nothing is in flight to them. */
  #inFlight(service: string, route: RouteSpec): Record<string, number> {
    const current = new Set(Object.values(route.backends).flat());
    const known = this.#endpoints.get(service) ?? new Set<string>();
    const counts: Record<string, number> = {};
    for (const endpoint of new Set([...known, ...current])) {
      const { inflight } = this.#proxy.upstreamUse(service, endpoint);
      if (inflight > 0) counts[endpoint] = inflight;
      else if (!current.has(endpoint)) known.delete(endpoint);
    }
    return counts;
  }

  async #apply(entry: LiveEntry): Promise<boolean> {
    const listen = this.#listen.get(entry.service) ?? entry.route.listen;
    try {
      await this.#proxy.upsert({ ...entry.route, listen }, entry.split);
      this.#proxy.setSplit(entry.service, entry.split);
    } catch (error) {
      this.#fail(entry, (error as Error).message);
      return false;
    }
    this.#failed.delete(entry.service);
    this.#served.set(entry.service, entry);
    const known = this.#endpoints.get(entry.service) ?? new Set<string>();
    for (const endpoint of Object.values(entry.route.backends).flat()) known.add(endpoint);
    this.#endpoints.set(entry.service, known);
    return true;
  }

  async #remove(service: string): Promise<void> {
    this.#failed.delete(service);
    this.#endpoints.delete(service);
    if (!this.#served.delete(service)) return;
    await this.#proxy.remove(service);
  }

  /** Table changes run one at a time, in call order: a retry never lands between a change's steps. */
  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation, operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #fail(entry: PublishedRoute, error: string): void {
    this.#failed.set(entry.service, { entry, error });
    this.#onFailure?.(entry, error);
  }
}
