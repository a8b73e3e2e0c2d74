import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { checkSplit, copySplit, equalSplits, ErrorCode, SluiceError } from '@sluice/domain';
import type { ObservedSplit, RouteSpec, TrafficSplit } from '@sluice/domain';
import type { ProxyRequest, ProxyResponse } from './exchange.js';
import { resolveHealthCheck } from './health-checker.js';
import type { HealthCheckSpec } from './health-checker.js';
import { parseListen } from './listen-address.js';
import { applyServerLimits, bindListener, drainListener } from './listener.js';
import type { Listener, ListenerHandlers } from './listener.js';
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
import { onClientError, onClientTimeout, serveRequest } from './serve-request.js';
import type { RouteContext } from './serve-request.js';
import type { InstanceHealth } from './upstream-instance.js';
import { serveUpgrade } from './upgrade.js';

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

interface RouteEntry extends RouteContext {
  readonly service: string;
  readonly upstreams: RouteUpstreams;
  /** Read once per request; replaced whole, never mutated. */
  snapshot: RouteSnapshot;
  listen: string;
  listener: Listener | undefined;
  /** Backends, stickiness and options as last upserted: an identical upsert keeps the pools (and their round-robin position). */
  shape: string;
  handlers: ListenerHandlers;
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
      const address = parseListen(route.service, route.listen);
      const where = `route "${route.service}"`;
      const limits = resolveLimits(where, this.#limits, options.limits);
      const outlier = resolveOutlierPolicy(where, this.#outlier, options.outlier);
      const healthCheck = options.healthCheck === undefined ? undefined : resolveHealthCheck(where, options.healthCheck);
      const resolved = { limits, outlier, healthCheck };
      const entry = this.#routes.get(route.service);
      if (entry === undefined) {
        await this.#create(route, initial, address, resolved);
        return;
      }
      // The controller upserts every pass; rebuilding unchanged pools would reset round robin to the first instance.
      const shape = routeShape(route, resolved);
      if (route.listen === entry.listen && shape === entry.shape) return;
      if (route.listen !== entry.listen) {
        // Bind the new address first: if it fails, the route keeps serving where it was.
        const next = await bindListener(route.service, route.listen, address.host, address.port, limits, entry.handlers);
        const previous = entry.listener;
        entry.listener = next;
        entry.listen = route.listen;
        if (previous !== undefined) this.#track(drainListener(previous, this.#drainTimeoutMs));
      }
      entry.shape = shape;
      entry.upstreams.outlier.policy = outlier;
      const pools = entry.upstreams.update(route, healthCheck);
      if (entry.listener !== undefined) applyServerLimits(entry.listener, limits);
      // setSplit may have run while binding; keep the split being served.
      const { split, generation } = entry.snapshot;
      entry.snapshot = buildSnapshot(route, split, generation, pools, limits, entry.upstreams.outlier);
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
    return { ...split, generation, address: entry.listener?.address ?? entry.listen };
  }

  /** Where every instance of `service` stands (healthy, ejected, unhealthy), per version. Throws SERVICE_NOT_FOUND. */
  health(service: string): ServiceHealth {
    const entry = this.#entry(service);
    return { service, versions: entry.upstreams.health(entry.snapshot.pools) };
  }

  /** Stops serving `service` after draining its in-flight requests. No-op for an unknown service. */
  remove(service: string): Promise<void> {
    return this.#exclusive(async () => {
      const entry = this.#routes.get(service);
      if (entry === undefined) return;
      this.#routes.delete(service);
      await this.#retire(entry);
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

  async #create(route: RouteSpec, initial: TrafficSplit, address: { host: string | undefined; port: number }, resolved: ResolvedOptions): Promise<void> {
    const upstreams = new RouteUpstreams(resolved.outlier, this.#timers);
    try {
      const pools = upstreams.update(route, resolved.healthCheck);
      const snapshot = buildSnapshot(route, initial, 1, pools, resolved.limits, upstreams.outlier);
      const entry = this.#newEntry(route, snapshot, upstreams, routeShape(route, resolved));
      entry.listener = await bindListener(route.service, route.listen, address.host, address.port, resolved.limits, entry.handlers);
      this.#routes.set(route.service, entry);
    } catch (error) {
      upstreams.close();
      throw error;
    }
  }

  #newEntry(route: RouteSpec, snapshot: RouteSnapshot, upstreams: RouteUpstreams, shape: string): RouteEntry {
    const report = (observation: ProxyObservation): void => this.#report(observation);
    const entry: RouteEntry = {
      service: route.service,
      upstreams,
      snapshot,
      listen: route.listen,
      listener: undefined,
      shape,
      randomKey: this.#randomKey,
      report,
      handlers: {
        request: (listener: Listener, req: ProxyRequest, res: ProxyResponse, expectsContinue: boolean) => serveRequest(entry, listener, req, res, expectsContinue),
        upgrade: (listener: Listener, req: ProxyRequest, socket: Socket, head: Buffer) => serveUpgrade(entry, listener, req, socket, head),
        clientError: (_listener: Listener, error: NodeJS.ErrnoException, socket: Socket) => onClientError(entry, error, socket),
        timeout: onClientTimeout,
        route: () => entry,
        sticky: () => entry.snapshot,
      },
    };
    return entry;
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

  async #retire(entry: RouteEntry, handover = false): Promise<void> {
    const listener = entry.listener;
    entry.listener = undefined;
    if (listener !== undefined) await drainListener(listener, this.#drainTimeoutMs, handover);
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

function routeShape(route: RouteSpec, options: ResolvedOptions): string {
  return JSON.stringify([route.stickiness, route.backends, options]);
}
