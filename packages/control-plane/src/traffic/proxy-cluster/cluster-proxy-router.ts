import type { ObservedSplit, RouteSpec, TrafficSplit, UpstreamUse } from '@sluice/domain';
import type { ClusterProxy } from '@sluice/proxy';
import type { RouterCapability, TrafficRouter } from '../traffic-router.js';

/**
 * TrafficRouter over the multi-process built-in proxy (one worker per core). A change resolves
 * once every worker serves it; `restart()` replaces the workers without refusing a connection.
 */
export class ClusterProxyRouter implements TrafficRouter {
  readonly kind = 'builtin-proxy-cluster';
  readonly capabilities: ReadonlySet<RouterCapability> = new Set<RouterCapability>(['weights', 'sticky', 'header-match', 'source-match', 'flag-match', 'mirror']);
  readonly #proxy: ClusterProxy;

  constructor(proxy: ClusterProxy) {
    this.#proxy = proxy;
  }

  async upsertRoute(route: RouteSpec, initial: TrafficSplit, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    await this.#proxy.upsert(route, initial);
  }

  async setSplit(service: string, split: TrafficSplit, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    await this.#proxy.setSplit(service, split);
  }

  observeSplit(service: string, signal?: AbortSignal): Promise<ObservedSplit> {
    signal?.throwIfAborted();
    return this.#proxy.observe(service);
  }

  upstreamUse(service: string, endpoint: string, signal?: AbortSignal): Promise<UpstreamUse> {
    signal?.throwIfAborted();
    return this.#proxy.upstreamUse(service, endpoint);
  }

  async reset(service: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const { stable, salt } = await this.#proxy.observe(service);
    await this.#proxy.setSplit(service, { stable, weight: 0, salt });
  }

  async removeRoute(service: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    await this.#proxy.remove(service);
  }

  /** Rolling restart of the data plane (an upgrade picks up new proxy code this way). */
  restart(): Promise<void> {
    return this.#proxy.restart();
  }

  close(): Promise<void> {
    return this.#proxy.close();
  }
}
