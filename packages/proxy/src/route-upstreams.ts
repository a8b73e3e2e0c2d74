import type { RouteSpec, UpstreamUse } from '@sluice/domain';
import { HealthChecker } from './health-checker.js';
import type { HealthCheckSpec } from './health-checker.js';
import { OutlierDetector } from './outlier-detector.js';
import type { OutlierPolicy } from './outlier-detector.js';
import type { ProxyTimers } from './proxy-timers.js';
import type { Pool } from './route-table.js';
import { parseEndpoint, UpstreamInstance } from './upstream-instance.js';
import type { InstanceHealth } from './upstream-instance.js';

/**
 * The upstream instances of one route, keyed by URL so that a route update keeps the pools, health and
 * counters of the instances it still lists, and drains the ones it drops.
 */
export class RouteUpstreams {
  readonly outlier: OutlierDetector;
  readonly #timers: ProxyTimers;
  #instances = new Map<string, UpstreamInstance>();
  /** Instances dropped from the route with requests still in flight; forgotten once they have none. */
  readonly #draining = new Set<UpstreamInstance>();
  #checker: HealthChecker | undefined;

  constructor(policy: OutlierPolicy, timers: ProxyTimers) {
    this.outlier = new OutlierDetector(policy, timers);
    this.#timers = timers;
  }

  /**
   * Pools for `route.backends`, reusing known instances. Throws INVALID_SPEC for a bad endpoint before
   * changing anything. Instances no longer listed are drained: in-flight requests finish, idle sockets close.
   */
  update(route: RouteSpec, healthCheck: HealthCheckSpec | undefined): Map<string, Pool> {
    const parsed = Object.entries(route.backends).map(
      ([version, endpoints]) => [version, endpoints.map((e) => [e, parseEndpoint(route.service, version, e)] as const)] as const,
    );
    const next = new Map<string, UpstreamInstance>();
    const pools = new Map<string, Pool>();
    for (const [version, endpoints] of parsed) {
      const instances = endpoints.map(([endpoint, url]) => {
        let instance = next.get(endpoint) ?? this.#instances.get(endpoint);
        instance ??= new UpstreamInstance(url, endpoint);
        next.set(endpoint, instance);
        return instance;
      });
      pools.set(version, { version, instances, cursor: 0 });
    }
    for (const [endpoint, instance] of this.#instances) if (!next.has(endpoint)) this.#retire(instance);
    this.#instances = next;
    this.#configureChecks(healthCheck);
    return pools;
  }

  /** The health of every instance, per version. */
  health(pools: ReadonlyMap<string, Pool>): Record<string, InstanceHealth[]> {
    const out: Record<string, InstanceHealth[]> = {};
    for (const [version, pool] of pools) out[version] = pool.instances.map((i) => i.health());
    return out;
  }

  /** Whether the route sends new requests to `endpoint`, and how many requests to it are in flight (dropped instances included). */
  use(endpoint: string): UpstreamUse {
    const listed = this.#instances.get(endpoint);
    let inflight = listed?.inflight ?? 0;
    for (const instance of this.#draining) {
      if (instance.inflight <= 0) this.#draining.delete(instance);
      else if (instance.url === endpoint) inflight += instance.inflight;
    }
    return { routed: listed === undefined ? 'none' : 'all', inflight };
  }

  /** Stops probes and timers and closes every pooled socket (after the route's listener drained). */
  close(): void {
    this.#checker?.close();
    this.#checker = undefined;
    for (const instance of this.#instances.values()) {
      this.outlier.forget(instance);
      instance.drain();
      instance.closePools();
    }
    this.#instances.clear();
    this.#draining.clear();
  }

  #configureChecks(spec: HealthCheckSpec | undefined): void {
    if (this.#checker !== undefined && (spec === undefined || JSON.stringify(spec) !== JSON.stringify(this.#checker.spec))) {
      this.#checker.close();
      this.#checker = undefined;
    }
    if (spec === undefined) return;
    this.#checker ??= new HealthChecker(spec, this.#timers);
    for (const instance of this.#instances.values()) this.#checker.watch(instance);
  }

  #retire(instance: UpstreamInstance): void {
    this.#checker?.unwatch(instance);
    this.outlier.forget(instance);
    instance.drain();
    if (instance.inflight > 0) this.#draining.add(instance);
  }
}
