import { randomUUID } from 'node:crypto';
import { checkSplit, copySplit, equalSplits, ErrorCode, SluiceError } from '@sluice/domain';
import type { ObservedSplit, RouteSpec, TrafficSplit, UpstreamUse } from '@sluice/domain';
import { resolveHealthCheck } from './health-checker.js';
import type { HealthCheckSpec } from './health-checker.js';
import { parseListen } from './listen-address.js';
import { drainListener } from './listener.js';
import type { ProxyObservation } from './observation.js';
import { DEFAULT_OUTLIER_POLICY, resolveOutlierPolicy } from './outlier-detector.js';
import type { OutlierPolicy } from './outlier-detector.js';
import { DEFAULT_LIMITS, resolveLimits } from './proxy-limits.js';
import type { ProxyLimits } from './proxy-limits.js';
import { REAL_TIMERS } from './proxy-timers.js';
import type { ProxyTimers } from './proxy-timers.js';
import { buildSnapshot, compileSplitRules, fastPathAllowed } from './route-table.js';
import type { RouteSnapshot } from './route-table.js';
import { RouteUpstreams } from './route-upstreams.js';
import { applySiteLimits, bindSite, siteKey } from './proxy-site.js';
import type { Site, SiteRoute } from './proxy-site.js';
import type { InstanceHealth } from './upstream-instance.js';

export interface BuiltinProxyOptions {
  /** Called once per request after its response ends or fails. Must be cheap; exceptions are swallowed. */
  readonly observer?: (observation: ProxyObservation) => void;
  /** How long close/remove/re-listen wait for in-flight requests before cutting them. Default 10 s. */
  readonly drainTimeoutMs?: number;
  /** Mints a stickiness key for a request that has none. Default crypto.randomUUID. */
  readonly randomKey?: () => string;
  /** Limits of every route (see DEFAULT_LIMITS); a route may override them on upsert. */
  readonly limits?: Partial<ProxyLimits>;
  /** Passive outlier ejection of every route (see DEFAULT_OUTLIER_POLICY); a route may override it. */
  readonly outlier?: Partial<OutlierPolicy>;
  /** Time for ejections and health checks; tests pass ManualTimers. Default real time. */
  readonly timers?: ProxyTimers;
}

/** Per-route settings beside the RouteSpec. Fields left out take the proxy's defaults. */
export interface RouteOptions {
  readonly limits?: Partial<ProxyLimits>;
  readonly outlier?: Partial<OutlierPolicy>;
  /** Active health check of every instance; none when absent. */
  readonly healthCheck?: Partial<HealthCheckSpec>;
}

/** The instances of one service and where each stands. */
export interface ServiceHealth {
  readonly service: string;
  /** Instances per version, in the order of the route's backends. */
  readonly versions: Readonly<Record<string, readonly InstanceHealth[]>>;
}

interface RouteEntry extends SiteRoute {
  readonly service: string;
  readonly upstreams: RouteUpstreams;
  /** Read once per request; replaced whole, never mutated. */
  snapshot: RouteSnapshot;
  /** Lower-case host names; empty: every host no other route of its address claims. */
  hosts: readonly string[];
  listen: string;
  /** The address it is served on; undefined once retired. */
  site: Site<RouteEntry> | undefined;
  /** Backends, stickiness and options as last upserted: an identical upsert keeps the pools (and their round-robin position). */
  shape: string;
}

/** The built-in data plane: one HTTP listener per service, splitting traffic between two versions. */
export class BuiltinProxy {
  readonly #observer: ((observation: ProxyObservation) => void) | undefined;
  readonly #drainTimeoutMs: number;
  readonly #randomKey: () => string;
  readonly #limits: ProxyLimits;
  readonly #outlier: OutlierPolicy;
  readonly #timers: ProxyTimers;
  readonly #routes = new Map<string, RouteEntry>();
  /** Listen addresses in use, each with the routes sharing it. */
  readonly #sites = new Map<string, Site<RouteEntry>>();
  /** Drains of listeners left behind by a listen change; close() waits for them. */
  readonly #draining = new Set<Promise<void>>();
  #queue: Promise<unknown> = Promise.resolve();
  #closed: Promise<void> | undefined;

  constructor(options: BuiltinProxyOptions = {}) {
    this.#observer = options.observer;
    this.#drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
    this.#randomKey = options.randomKey ?? randomUUID;
    this.#limits = resolveLimits('built-in proxy options', DEFAULT_LIMITS, options.limits);
    this.#outlier = resolveOutlierPolicy('built-in proxy options', DEFAULT_OUTLIER_POLICY, options.outlier);
    this.#timers = options.timers ?? REAL_TIMERS;
  }

  /** Creates the route serving `initial`, or updates its backends, stickiness, options and address keeping its split. */
  upsert(route: RouteSpec, initial: TrafficSplit, explicit: RouteOptions = {}): Promise<void> {
    const options = mergeRouteOptions(route, explicit);
    return this.#exclusive(async () => {
      if (this.#closed !== undefined) {
        throw new SluiceError(ErrorCode.ADAPTER_FAILED, `route "${route.service}": the built-in proxy is closed; expected an open proxy`);
      }
      checkSplit(route.service, initial);
      parseListen(route.service, route.listen);
      const where = `route "${route.service}"`;
      const limits = resolveLimits(where, this.#limits, options.limits);
      const outlier = resolveOutlierPolicy(where, this.#outlier, options.outlier);
      const healthCheck = options.healthCheck === undefined ? undefined : resolveHealthCheck(where, options.healthCheck);
      const resolved = { limits, outlier, healthCheck };
      const entry = this.#routes.get(route.service);
      if (entry === undefined) {
        await this.#create(route, initial, resolved);
        return;
      }
      // The controller upserts every pass; rebuilding unchanged pools would reset round robin to the first instance.
      const shape = routeShape(route, resolved);
      const hosts = hostsOf(route);
      const moved = route.listen !== entry.listen || hosts.join() !== entry.hosts.join();
      if (!moved && shape === entry.shape) return;
      if (moved) await this.#move(entry, route.listen, hosts, limits);
      entry.shape = shape;
      entry.upstreams.outlier.policy = outlier;
      const pools = entry.upstreams.update(route, healthCheck);
      // setSplit may have run while binding; keep the split being served.
      const { split, generation } = entry.snapshot;
      entry.snapshot = buildSnapshot(route, split, generation, pools, limits, entry.upstreams.outlier);
      if (entry.site !== undefined) applySiteLimits(entry.site);
    });
  }

  /** Swaps the route's split atomically. An unchanged split is a no-op; a change increments the generation. */
  setSplit(service: string, split: TrafficSplit): void {
    const entry = this.#entry(service);
    checkSplit(service, split);
    const current = entry.snapshot;
    if (equalSplits(current.split, split)) return;
    entry.snapshot = Object.freeze({
      ...current,
      split: copySplit(split),
      generation: current.generation + 1,
      rules: compileSplitRules(split),
      fast: fastPathAllowed(split, current.pools),
    });
  }

  /** The split being served, its generation and the real bound address. Throws SERVICE_NOT_FOUND. */
  observe(service: string): ObservedSplit {
    const entry = this.#entry(service);
    const { split, generation } = entry.snapshot;
    return { ...split, generation, address: entry.site?.listener.address ?? entry.listen };
  }

  /** Where every instance of `service` stands (healthy, ejected, unhealthy), per version. Throws SERVICE_NOT_FOUND. */
  health(service: string): ServiceHealth {
    const entry = this.#entry(service);
    return { service, versions: entry.upstreams.health(entry.snapshot.pools) };
  }

  /**
   * Whether the route of `service` picks `endpoint` for new requests, and how many requests to it are
   * in flight, those still finishing after the endpoint was dropped from the route included. Throws SERVICE_NOT_FOUND.
   */
  upstreamUse(service: string, endpoint: string): UpstreamUse {
    return this.#entry(service).upstreams.use(endpoint);
  }

  /** Stops serving `service` after draining its in-flight requests. No-op for an unknown service. */
  remove(service: string): Promise<void> {
    return this.#exclusive(async () => {
      const entry = this.#routes.get(service);
      if (entry === undefined) return;
      this.#routes.delete(service);
      await this.#retire(entry, false);
    });
  }

  /**
   * Stops accepting everywhere, lets in-flight requests finish (up to drainTimeoutMs), then cuts the rest. Idempotent.
   * `handover` (a cluster worker making way for its replacement on the same socket) leaves idle keep-alive
   * connections open until their next response, which carries `Connection: close`, or their keep-alive period.
   */
  close(options: { readonly handover?: boolean } = {}): Promise<void> {
    this.#closed ??= this.#exclusive(async () => {
      const entries = [...this.#routes.values()];
      this.#routes.clear();
      await Promise.all([...entries.map((e) => this.#retire(e, options.handover === true)), ...this.#draining]);
      this.#sites.clear();
    });
    return this.#closed;
  }

  #entry(service: string): RouteEntry {
    const entry = this.#routes.get(service);
    if (entry === undefined) {
      throw new SluiceError(ErrorCode.SERVICE_NOT_FOUND, `the built-in proxy has no route for service "${service}"; expected a service upserted first`, {
        details: { service },
      });
    }
    return entry;
  }

  async #create(route: RouteSpec, initial: TrafficSplit, resolved: ResolvedOptions): Promise<void> {
    const upstreams = new RouteUpstreams(resolved.outlier, this.#timers);
    try {
      const pools = upstreams.update(route, resolved.healthCheck);
      const snapshot = buildSnapshot(route, initial, 1, pools, resolved.limits, upstreams.outlier);
      const report = (observation: ProxyObservation): void => this.#report(observation);
      const entry: RouteEntry = {
        service: route.service, upstreams, snapshot, hosts: hostsOf(route), listen: route.listen, site: undefined,
        shape: routeShape(route, resolved), randomKey: this.#randomKey, report,
      };
      await this.#join(entry, route.listen, resolved.limits);
      this.#routes.set(route.service, entry);
    } catch (error) {
      upstreams.close();
      throw error;
    }
  }

  /** Serves `entry` on `listen`: on the site already there (by host), or on a newly bound one. */
  async #join(entry: RouteEntry, listen: string, limits: ProxyLimits): Promise<void> {
    const key = siteKey(listen);
    const existing = this.#sites.get(key);
    if (existing !== undefined) {
      existing.table.set(entry, listen);
      entry.site = existing;
    } else {
      const site = await bindSite(key, entry, listen, limits);
      this.#sites.set(key, site);
      entry.site = site;
    }
    entry.listen = listen;
    applySiteLimits(entry.site);
  }

  /** Moves a route to another address or host list. The new place is taken first: if that fails, the route stays where it was. */
  async #move(entry: RouteEntry, listen: string, hosts: readonly string[], limits: ProxyLimits): Promise<void> {
    const previous = entry.site;
    if (previous !== undefined && previous.key === siteKey(listen)) {
      const oldHosts = entry.hosts;
      entry.hosts = hosts;
      try {
        // Checks the new hosts against the other routes before re-indexing; on a clash nothing changes.
        previous.table.set(entry, listen);
      } catch (error) {
        entry.hosts = oldHosts;
        throw error;
      }
      entry.listen = listen;
      return;
    }
    const oldHosts = entry.hosts;
    entry.hosts = hosts;
    try {
      await this.#join(entry, listen, limits);
    } catch (error) {
      entry.hosts = oldHosts;
      entry.site = previous;
      throw error;
    }
    if (previous !== undefined) this.#leave(previous, entry.service, false, true);
  }

  /** Takes a route off a site; the last route out drains and closes it. */
  #leave(site: Site<RouteEntry>, service: string, handover: boolean, background: boolean): Promise<void> {
    if (site.table.size > 1) {
      site.table.delete(service);
      applySiteLimits(site);
      return Promise.resolve();
    }
    // The last route stays in the table while the site drains: a request still arriving on an open
    // connection (a handover keeps idle ones) is served, with Connection: close.
    this.#sites.delete(site.key);
    const drain = drainListener(site.listener, this.#drainTimeoutMs, handover);
    if (background) this.#track(drain);
    return drain;
  }

  #report(observation: ProxyObservation): void {
    const observer = this.#observer;
    if (observer === undefined) return;
    try {
      observer(observation);
    } catch {
      // A failing metrics sink must not take the data plane down with it.
    }
  }

  async #retire(entry: RouteEntry, handover: boolean): Promise<void> {
    const site = entry.site;
    entry.site = undefined;
    if (site !== undefined) await this.#leave(site, entry.service, handover, false);
    entry.upstreams.close();
  }

  #track(drain: Promise<void>): void {
    this.#draining.add(drain);
    void drain.finally(() => this.#draining.delete(drain));
  }

  /** Runs lifecycle operations one at a time, so two upserts of one route never race to bind. */
  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation, operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

interface ResolvedOptions {
  readonly limits: ProxyLimits;
  readonly outlier: OutlierPolicy;
  readonly healthCheck: HealthCheckSpec | undefined;
}

/** The route's own settings (from its spec) overridden field by field by options passed to upsert. */
function mergeRouteOptions(route: RouteSpec, explicit: RouteOptions): RouteOptions {
  const fromSpec = route.proxy;
  if (fromSpec === undefined) return explicit;
  const healthCheck = explicit.healthCheck ?? fromSpec.healthCheck;
  const merged = {
    limits: { ...fromSpec.limits, ...explicit.limits },
    outlier: { ...fromSpec.outlier, ...explicit.outlier },
  };
  return healthCheck === undefined ? merged : { ...merged, healthCheck };
}

/** The route's host names as the host table compares them. */
function hostsOf(route: RouteSpec): readonly string[] {
  return (route.hosts ?? []).map((host) => host.toLowerCase());
}

function routeShape(route: RouteSpec, options: ResolvedOptions): string {
  return JSON.stringify([route.stickiness, route.backends, options]);
}
