import type { ObservedSplit, RouteSpec, TrafficSplit, UpstreamUse } from '@sluice/domain';
import { BuiltinProxy } from '@sluice/proxy';
import type { ServiceHealth } from '@sluice/proxy';
import type { RouterCapability, TrafficRouter } from '../traffic-router.js';

/** TrafficRouter over the in-process built-in proxy: a split change is a snapshot swap, accepted at once. */
export class BuiltinProxyRouter implements TrafficRouter {
  readonly kind = 'builtin-proxy';
  readonly capabilities: ReadonlySet<RouterCapability> = new Set<RouterCapability>(['weights', 'sticky', 'header-match', 'source-match', 'flag-match', 'mirror']);
  readonly #proxy: BuiltinProxy;

  constructor(proxy: BuiltinProxy = new BuiltinProxy()) {
    this.#proxy = proxy;
  }

  async upsertRoute(route: RouteSpec, initial: TrafficSplit, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    await this.#proxy.upsert(route, initial);
  }

  async setSplit(service: string, split: TrafficSplit, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.#proxy.setSplit(service, split);
  }

  async observeSplit(service: string, signal?: AbortSignal): Promise<ObservedSplit> {
    signal?.throwIfAborted();
    return this.#proxy.observe(service);
  }

  async upstreamUse(service: string, endpoint: string, signal?: AbortSignal): Promise<UpstreamUse> {
    signal?.throwIfAborted();
    return this.#proxy.upstreamUse(service, endpoint);
  }

  async reset(service: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const { stable, salt } = this.#proxy.observe(service);
    this.#proxy.setSplit(service, { stable, weight: 0, salt });
  }

  /** Where each upstream instance of `service` stands (healthy, ejected, unhealthy, draining). Throws SERVICE_NOT_FOUND. */
  async health(service: string, signal?: AbortSignal): Promise<ServiceHealth> {
    signal?.throwIfAborted();
    return this.#proxy.health(service);
  }

  async removeRoute(service: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    await this.#proxy.remove(service);
  }

  close(): Promise<void> {
    return this.#proxy.close();
  }
}
