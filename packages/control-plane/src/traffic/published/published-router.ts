import { checkSplit, combineUpstreamUse, ErrorCode, SluiceError, type ObservedSplit, type PublishedRoute, type RouteSpec, type StoredDataPlaneReport, type TrafficSplit, type UpstreamUse } from '@sluice/domain';
import type { RouterCapability, TrafficRouter } from '../traffic-router.js';

/** Where the route tables are published and what data planes report (the store, in the composition root). */
export interface RouteTablePort {
  put(route: RouteSpec, split: TrafficSplit): Promise<PublishedRoute>;
  remove(service: string): Promise<PublishedRoute | undefined>;
  get(service: string): Promise<PublishedRoute | undefined>;
  /** Reports received at or after `since`. */
  reports(since: number): Promise<readonly StoredDataPlaneReport[]>;
}

export interface PublishedRouterOptions {
  readonly port: RouteTablePort;
  readonly now: () => number;
  /** A data plane that has not reported for this long is not waited for (it resumes from the table when it returns). Default 10 s. */
  readonly liveWithinMs?: number;
  /** How long a change waits for every live data plane to serve it before failing (the controller retries). Default 10 s. */
  readonly convergeTimeoutMs?: number;
  /** How often convergence is checked. Default 100 ms. */
  readonly pollMs?: number;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * TrafficRouter for remote data planes (`sluice proxy serve`): a change is a write of the service's
 * route table to the store, which every control-plane replica streams to its data planes; it resolves
 * once every live data plane reports serving that generation. Data planes keep serving the last table
 * they have when the control plane is away, so a leader's death never stops traffic.
 */
export class PublishedRouter implements TrafficRouter {
  readonly kind = 'remote';
  readonly capabilities: ReadonlySet<RouterCapability> = new Set<RouterCapability>(['weights', 'sticky', 'header-match', 'source-match', 'flag-match', 'mirror']);
  readonly #options: PublishedRouterOptions;
  readonly #closed = new AbortController();

  constructor(options: PublishedRouterOptions) {
    this.#options = options;
  }

  async upsertRoute(route: RouteSpec, initial: TrafficSplit, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    checkSplit(route.service, initial);
    const current = await this.#options.port.get(route.service);
    if (current?.route !== undefined && same(current.route, route)) return this.#converge(current, signal);
    const written = await this.#options.port.put(route, current?.split ?? initial);
    await this.#converge(written, signal);
  }

  async setSplit(service: string, split: TrafficSplit, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    checkSplit(service, split);
    const current = await this.#entry(service);
    if (same(current.split, split)) return this.#converge(current, signal);
    await this.#converge(await this.#options.port.put(current.route, split), signal);
  }

  async observeSplit(service: string, signal?: AbortSignal): Promise<ObservedSplit> {
    signal?.throwIfAborted();
    const current = await this.#entry(service);
    const served = (await this.#live()).flatMap((r) => {
      const s = r.services[service];
      return s === undefined ? [] : [s];
    });
    if (served.length === 0) return { ...current.split, generation: current.generation };
    // The laggard is what some users are still getting.
    return served.reduce((low, s) => (s.generation < low.generation ? s : low));
  }

  async upstreamUse(service: string, endpoint: string, signal?: AbortSignal): Promise<UpstreamUse> {
    signal?.throwIfAborted();
    const current = await this.#entry(service);
    const listed = Object.values(current.route.backends).some((endpoints) => endpoints.includes(endpoint));
    const parts = (await this.#live()).map((r) => ({ routed: listed ? ('all' as const) : ('none' as const), inflight: r.inFlight?.[service]?.[endpoint] ?? 0 }));
    return parts.length === 0 ? { routed: listed ? 'all' : 'none', inflight: 0 } : combineUpstreamUse(parts);
  }

  async reset(service: string, signal?: AbortSignal): Promise<void> {
    const { stable, salt } = (await this.#entry(service)).split;
    await this.setSplit(service, { stable, weight: 0, salt }, signal);
  }

  async removeRoute(service: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    await this.#options.port.remove(service);
  }

  async close(): Promise<void> {
    this.#closed.abort();
  }

  async #entry(service: string): Promise<PublishedRoute & { route: RouteSpec; split: TrafficSplit }> {
    const current = await this.#options.port.get(service);
    if (current?.route === undefined || current.split === undefined) {
      throw new SluiceError(ErrorCode.SERVICE_NOT_FOUND, `No route is published for service "${service}"`, { details: { service } });
    }
    return current as PublishedRoute & { route: RouteSpec; split: TrafficSplit };
  }

  async #live(): Promise<readonly StoredDataPlaneReport[]> {
    return this.#options.port.reports(this.#options.now() - (this.#options.liveWithinMs ?? 10_000));
  }

  /** Waits until every live data plane serves `entry`'s generation of its service (or a later one). */
  async #converge(entry: PublishedRoute, signal?: AbortSignal): Promise<void> {
    const deadline = this.#options.now() + (this.#options.convergeTimeoutMs ?? 10_000);
    for (;;) {
      const behind = (await this.#live()).filter((r) => r.generation < entry.generation && (r.services[entry.service]?.generation ?? -1) < entry.generation);
      if (behind.length === 0) return;
      if (this.#options.now() >= deadline) {
        throw new SluiceError(ErrorCode.ADAPTER_FAILED, `Data planes ${behind.map((r) => r.id).join(', ')} have not applied generation ${entry.generation} of service "${entry.service}"`, {
          details: { service: entry.service, generation: entry.generation, behind: behind.map((r) => ({ id: r.id, generation: r.generation })) },
        });
      }
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, this.#options.pollMs ?? 100);
        const stop = () => {
          clearTimeout(timer);
          reject(signal?.reason ?? new Error('router closed'));
        };
        signal?.addEventListener('abort', stop, { once: true });
        this.#closed.signal.addEventListener('abort', stop, { once: true });
      });
    }
  }
}
