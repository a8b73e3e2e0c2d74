import http from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { ObservedSplit, RouteSpec, TrafficSplit } from '@sluice/domain';
import { forward, sendError } from './forward.js';
import type { Exchange } from './forward.js';
import { scanRequestHeaders } from './forward-headers.js';
import { formatAddress, parseListen } from './listen-address.js';
import { pickVersion } from './pick-version.js';
import { checkSplit, copySplit, equalSplits } from '@sluice/domain';
import type { ProxyObservation } from './observation.js';
import { buildSnapshot, createAgents, destroyAgents, nextTarget } from './route-table.js';
import type { RouteAgents, RouteSnapshot } from './route-table.js';
import { STICKY_COOKIE_ATTRIBUTES } from './sticky-key.js';

/** One finished request, as the control plane's metrics see it. */

export interface BuiltinProxyOptions {
  /** Called once per request after its response ends or fails. Must be cheap; exceptions are swallowed. */
  readonly observer?: (observation: ProxyObservation) => void;
  /** How long close/remove/re-listen wait for in-flight requests before cutting them. Default 10 s. */
  readonly drainTimeoutMs?: number;
  /** Mints a stickiness key for a request that has none. Default crypto.randomUUID. */
  readonly randomKey?: () => string;
}

/** One bound server; a route has one, two for a moment while it moves to a new address. */
interface Listener {
  readonly server: Server;
  readonly address: string;
  inflight: number;
  closing: boolean;
  onIdle: (() => void) | undefined;
}

interface RouteEntry {
  readonly service: string;
  readonly agents: RouteAgents;
  /** Read once per request; replaced whole, never mutated. */
  snapshot: RouteSnapshot;
  listen: string;
  listener: Listener | undefined;
  /** Backends and stickiness as last upserted: an identical upsert keeps the pools (and their round-robin position). */
  shape: string;
}

// Header limit per the brief; timeouts bound slow clients without cutting long downloads.
const SERVER_OPTIONS: http.ServerOptions = {
  maxHeaderSize: 16 * 1024,
  headersTimeout: 20_000,
  requestTimeout: 60_000,
  keepAliveTimeout: 5_000,
  noDelay: true,
};

/** The built-in data plane: one HTTP listener per service, splitting traffic between two versions. */
export class BuiltinProxy {
  readonly #observer: ((observation: ProxyObservation) => void) | undefined;
  readonly #drainTimeoutMs: number;
  readonly #randomKey: () => string;
  readonly #routes = new Map<string, RouteEntry>();
  /** Drains of listeners left behind by a listen change; close() waits for them. */
  readonly #draining = new Set<Promise<void>>();
  #queue: Promise<unknown> = Promise.resolve();
  #closed: Promise<void> | undefined;

  constructor(options: BuiltinProxyOptions = {}) {
    this.#observer = options.observer;
    this.#drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
    this.#randomKey = options.randomKey ?? randomUUID;
  }

  /** Creates the route serving `initial`, or updates its backends, stickiness and address keeping its split. */
  upsert(route: RouteSpec, initial: TrafficSplit): Promise<void> {
    return this.#exclusive(async () => {
      if (this.#closed !== undefined) {
        throw new SluiceError(ErrorCode.ADAPTER_FAILED, `route "${route.service}": the built-in proxy is closed; expected an open proxy`);
      }
      checkSplit(route.service, initial);
      const address = parseListen(route.service, route.listen);
      const entry = this.#routes.get(route.service);
      if (entry === undefined) {
        await this.#create(route, initial, address);
        return;
      }
      // The controller upserts every pass; rebuilding unchanged pools would reset round robin to the first instance.
      const shape = routeShape(route);
      if (route.listen === entry.listen && shape === entry.shape) return;
      entry.shape = shape;
      const updated = buildSnapshot(route, entry.snapshot.split, entry.snapshot.generation, entry.agents);
      if (route.listen !== entry.listen) {
        // Bind the new address first: if it fails, the route keeps serving where it was.
        const next = await this.#bind(entry, route.listen, address.host, address.port);
        const previous = entry.listener;
        entry.listener = next;
        entry.listen = route.listen;
        if (previous !== undefined) this.#track(this.#drain(previous));
      }
      // setSplit may have run while binding; keep the split being served, not the one read above.
      const { split, generation } = entry.snapshot;
      entry.snapshot = Object.freeze({ ...updated, split, generation });
    });
  }

  /** Swaps the route's split atomically. An unchanged split is a no-op; a change increments the generation. */
  setSplit(service: string, split: TrafficSplit): void {
    const entry = this.#entry(service);
    checkSplit(service, split);
    const current = entry.snapshot;
    if (equalSplits(current.split, split)) return;
    entry.snapshot = Object.freeze({ ...current, split: copySplit(split), generation: current.generation + 1 });
  }

  /** The split being served, its generation and the real bound address. Throws SERVICE_NOT_FOUND. */
  observe(service: string): ObservedSplit {
    const entry = this.#entry(service);
    const { split, generation } = entry.snapshot;
    return { ...split, generation, address: entry.listener?.address ?? entry.listen };
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

  /** Stops accepting everywhere, lets in-flight requests finish (up to drainTimeoutMs), then cuts the rest. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= this.#exclusive(async () => {
      const entries = [...this.#routes.values()];
      this.#routes.clear();
      await Promise.all([...entries.map((e) => this.#retire(e)), ...this.#draining]);
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

  async #create(route: RouteSpec, initial: TrafficSplit, address: { host: string | undefined; port: number }): Promise<void> {
    const agents = createAgents();
    try {
      const snapshot = buildSnapshot(route, initial, 1, agents);
      const entry: RouteEntry = { service: route.service, agents, snapshot, listen: route.listen, listener: undefined, shape: routeShape(route) };
      entry.listener = await this.#bind(entry, route.listen, address.host, address.port);
      this.#routes.set(route.service, entry);
    } catch (error) {
      destroyAgents(agents);
      throw error;
    }
  }

  #bind(entry: RouteEntry, listen: string, host: string | undefined, port: number): Promise<Listener> {
    return new Promise((resolve, reject) => {
      const server = http.createServer(SERVER_OPTIONS);
      server.keepAliveTimeout = 5_000;
      server.once('error', (error: NodeJS.ErrnoException) => {
        reject(
          new SluiceError(
            ErrorCode.ADAPTER_FAILED,
            `route "${entry.service}" cannot listen on ${listen}: ${error.code ?? error.message}; expected a free, local host:port`,
            { cause: error, details: { service: entry.service, listen, errno: error.code ?? null } },
          ),
        );
      });
      server.listen(port, host, () => {
        server.removeAllListeners('error');
        // Accept errors (EMFILE and the like) must not crash the process; the listener keeps serving.
        server.on('error', () => undefined);
        const listener: Listener = { server, address: formatAddress(server.address()), inflight: 0, closing: false, onIdle: undefined };
        server.on('request', (req: IncomingMessage, res: ServerResponse) => this.#handle(entry, listener, req, res));
        resolve(listener);
      });
    });
  }

  #handle(entry: RouteEntry, listener: Listener, req: IncomingMessage, res: ServerResponse): void {
    const start = performance.now();
    const snapshot = entry.snapshot;
    const scanned = scanRequestHeaders(req.rawHeaders, snapshot, req.socket.remoteAddress);
    let key = scanned.key;
    let setCookie: string | undefined;
    if (key === undefined) {
      key = this.#randomKey();
      setCookie = `${snapshot.cookie}=${key}${STICKY_COOKIE_ATTRIBUTES}`;
    }
    let version = pickVersion(snapshot.split, key);
    // A canary with no ready instance must not cost users an error while stable can serve them.
    if (version !== snapshot.split.stable && (snapshot.pools.get(version)?.targets.length ?? 0) === 0) version = snapshot.split.stable;
    const exchange: Exchange = { service: snapshot.service, version, route: 'split', setCookie, owner: listener, error: undefined, cause: undefined, upstream: undefined, responded: false };
    listener.inflight++;
    res.once('close', () => {
      if (--listener.inflight === 0) listener.onIdle?.();
      const complete = res.writableFinished;
      if (!complete) exchange.upstream?.destroy();
      this.#report(exchange, complete ? res.statusCode : exchange.error === undefined ? 499 : res.statusCode, start);
    });
    const target = nextTarget(snapshot.pools.get(version));
    if (target === undefined) {
      exchange.error = `no ready instance of ${snapshot.service} version ${version}`;
      exchange.cause = 'no-endpoint';
      sendError(res, 503, exchange.error, exchange);
      return;
    }
    scanned.headers.push('host', target.authority);
    forward(req, res, target, scanned, exchange);
  }

  #report(exchange: Exchange, status: number, start: number): void {
    const observer = this.#observer;
    if (observer === undefined) return;
    const durationMs = performance.now() - start;
    const { service, version, route, error, cause } = exchange;
    try {
      observer(error === undefined ? { service, version, route, status, durationMs } : { service, version, route, status, durationMs, error, cause: cause ?? 'other' });
    } catch {
      // A failing metrics sink must not take the data plane down with it.
    }
  }

  async #retire(entry: RouteEntry): Promise<void> {
    const listener = entry.listener;
    entry.listener = undefined;
    if (listener !== undefined) await this.#drain(listener);
    destroyAgents(entry.agents);
  }

  /** Stops accepting, waits for in-flight requests (bounded by drainTimeoutMs), then closes every connection. */
  async #drain(listener: Listener): Promise<void> {
    listener.closing = true;
    const closed = new Promise<void>((resolve) => listener.server.close(() => resolve()));
    listener.server.closeIdleConnections();
    if (listener.inflight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        listener.onIdle = resolve;
        timer = setTimeout(resolve, this.#drainTimeoutMs);
      });
      clearTimeout(timer);
    }
    listener.server.closeAllConnections();
    await closed;
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

function routeShape(route: RouteSpec): string {
  return JSON.stringify([route.stickiness, route.backends]);
}
