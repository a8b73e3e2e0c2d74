import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, SluiceError, checkSplit, copySplit, equalSplits, sameJson } from '@sluice/domain';
import type { ObservedSplit, RouteSpec, TrafficSplit, UpstreamUse } from '@sluice/domain';
import type { ProxyObservation } from '@sluice/proxy';
import type { RouterCapability, TrafficRouter } from '../traffic-router.js';
import { observationOf } from './access-log-observation.js';
import { AccessLogTail, type TailOptions } from './access-log-tail.js';
import { nginxBinary } from './nginx-binary.js';
import { ExternalNginx, OwnedNginx, ownedPaths, type NginxControl } from './nginx-control.js';
import { acceptingWorkers, converge } from './nginx-converge.js';
import { resolveListen } from './nginx-probe.js';
import { nginxRefusal, renderServiceConfig } from './nginx-render.js';
import { nginxWorkers } from './nginx-workers.js';

/** The user's own nginx: its main configuration must `include <includeDir>/*.conf;` inside `http { }`. */
export interface ExternalNginxSettings {
  readonly config: string;
  readonly includeDir: string;
  /** The JSON access log the includes write and Sluice tails (nginx's user must be able to write it). */
  readonly accessLog: string;
  /** The master's pid file: enables SIGHUP reloads and the old-worker checks. */
  readonly pidFile?: string;
  readonly errorLog?: string;
}

export interface NginxRouterOptions {
  /** The nginx executable; default: $SLUICE_NGINX or the usual install paths. */
  readonly binary?: string;
  /** Sluice starts and owns nginx, with its config, pid, logs and temp files under `stateDir`. */
  readonly owned?: { readonly stateDir: string; readonly workers?: number };
  /** Or drive the user's running nginx. Exactly one of `owned` and `external`. */
  readonly external?: ExternalNginxSettings;
  /** Receives one observation per request from the access log (the builtin proxy's observer shape). */
  readonly observer?: (observation: ProxyObservation) => void;
  /** Longest wait for a reload to be served (default 10 s): then ADAPTER_FAILED and the previous file is restored. */
  readonly convergenceTimeoutMs?: number;
  /** Longest extra wait for old workers to exit after a change is served (default 2 s; not an error). */
  readonly settleMs?: number;
  readonly tail?: TailOptions;
  /** Test hook: text added at the end of every rendered include (e.g. an invalid directive). */
  readonly appendToInclude?: (service: string) => string;
}

interface Served {
  readonly route: RouteSpec;
  readonly listen: string;
  readonly split: TrafficSplit;
  readonly generation: number;
}

const CAPABILITIES: ReadonlySet<RouterCapability> = new Set<RouterCapability>(['weights', 'sticky', 'header-match', 'source-match', 'mirror']);

function notFound(service: string): SluiceError {
  return new SluiceError(ErrorCode.SERVICE_NOT_FOUND, `service "${service}" has no nginx route`, { details: { service } });
}

function makeControl(options: NginxRouterOptions): { control: NginxControl; accessLog: string } {
  const binary = options.binary ?? nginxBinary();
  if (binary === undefined) throw new SluiceError(ErrorCode.ADAPTER_FAILED, 'nginx not found: install the Debian package nginx or set SLUICE_NGINX');
  if ((options.owned === undefined) === (options.external === undefined)) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, 'NginxRouter needs exactly one of `owned` and `external`');
  }
  if (options.owned !== undefined) {
    const paths = ownedPaths(options.owned.stateDir);
    return { control: new OwnedNginx(binary, paths, options.owned.workers ?? 2), accessLog: join(options.owned.stateDir, 'access.log') };
  }
  const ext = options.external as ExternalNginxSettings;
  const control = new ExternalNginx({ binary, config: ext.config, includeDir: ext.includeDir, ...(ext.pidFile === undefined ? {} : { pidFile: ext.pidFile }), ...(ext.errorLog === undefined ? {} : { errorLog: ext.errorLog }) });
  return { control, accessLog: ext.accessLog };
}

/**
 * TrafficRouter over nginx: one include file per service, applied by test + rename + graceful reload,
 * and counted as served only once nginx answers the new generation (see docs/nginx.md).
 */
export class NginxRouter implements TrafficRouter {
  readonly kind = 'nginx';
  readonly capabilities = CAPABILITIES;
  readonly #options: NginxRouterOptions;
  readonly #control: NginxControl;
  readonly #accessLog: string;
  readonly #served = new Map<string, Served>();
  /** Endpoints that left a service's route, with the time they left, until no old worker may hold them. */
  readonly #retired = new Map<string, Set<string>>();
  readonly #tail: AccessLogTail | undefined;
  #generation = 0;
  #queue: Promise<unknown> = Promise.resolve();
  #started: Promise<void> | undefined;
  #closed = false;

  constructor(options: NginxRouterOptions) {
    this.#options = options;
    const { control, accessLog } = makeControl(options);
    this.#control = control;
    this.#accessLog = accessLog;
    const observer = options.observer;
    if (observer !== undefined) {
      this.#tail = new AccessLogTail(accessLog, (line) => {
        const observation = observationOf(line);
        if (observation !== undefined) observer(observation);
      }, options.tail);
    }
  }

  /** Where the JSON access log is written. */
  get accessLog(): string {
    return this.#accessLog;
  }

  /** Reads the access log now instead of at the next poll (tests, shutdown). */
  async flushObservations(): Promise<void> {
    await this.#tail?.poll();
  }

  /** Starts (owned) nginx and the tail once; an owned include directory starts empty (routes are rebuilt from the store). */
  #start(): Promise<void> {
    this.#started ??= (async () => {
      if (this.#options.owned !== undefined) {
        const { includeDir } = this.#control;
        const files = await readdir(includeDir).catch(() => [] as string[]);
        await Promise.all(files.map((f) => rm(join(includeDir, f), { force: true })));
      }
      await this.#control.start();
      await this.#tail?.start();
    })();
    return this.#started;
  }

  /** Runs one change at a time: nginx has one configuration. */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async upsertRoute(route: RouteSpec, initial: TrafficSplit, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    checkSplit(route.service, initial);
    await this.#start();
    await this.#serial(async () => {
      const current = this.#served.get(route.service);
      const same = current !== undefined && current.route.listen === route.listen;
      const listen = same ? current.listen : await resolveListen(route.listen);
      const split = current?.split ?? copySplit(initial);
      if (current !== undefined && same && sameJson(current.route, route)) return;
      await this.#apply(structuredClone(route), listen, split);
    });
  }

  async setSplit(service: string, split: TrafficSplit, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (!this.#served.has(service)) throw notFound(service);
    checkSplit(service, split);
    const copy = copySplit(split);
    await this.#serial(async () => {
      const current = this.#served.get(service);
      if (current === undefined) throw notFound(service);
      if (equalSplits(current.split, copy)) return;
      await this.#apply(current.route, current.listen, copy);
    });
  }

  async observeSplit(service: string, signal?: AbortSignal): Promise<ObservedSplit> {
    signal?.throwIfAborted();
    const served = this.#served.get(service);
    if (served === undefined) throw notFound(service);
    return { ...served.split, generation: served.generation, address: served.listen };
  }

  async reset(service: string, signal?: AbortSignal): Promise<void> {
    const served = this.#served.get(service);
    if (served === undefined) throw notFound(service);
    await this.setSplit(service, { stable: served.split.stable, weight: 0, salt: served.split.salt }, signal);
  }

  /**
   * routed: whether the served configuration lists the endpoint. inflight: nginx counts no requests per
   * upstream, so it is estimated: 0 for a routed endpoint; for one that left the route, the number of
   * old workers still shutting down (each may hold requests to it), 0 once they have exited.
   */
  async upstreamUse(service: string, endpoint: string, signal?: AbortSignal): Promise<UpstreamUse> {
    signal?.throwIfAborted();
    const served = this.#served.get(service);
    if (served === undefined) throw notFound(service);
    const routed = Object.values(served.route.backends).some((list) => list.includes(endpoint));
    const retired = this.#retired.get(service);
    if (routed || retired?.has(endpoint) !== true) return { routed: routed ? 'all' : 'none', inflight: 0 };
    const master = await this.#control.masterPid();
    const draining = master === undefined ? 0 : ((await nginxWorkers(master)) ?? []).filter((w) => w.shuttingDown).length;
    if (draining === 0) retired.delete(endpoint);
    return { routed: 'none', inflight: draining };
  }

  async removeRoute(service: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    await this.#serial(async () => {
      if (!this.#served.has(service)) return;
      const previousWorkers = await acceptingWorkers(this.#control);
      await rm(this.#fileOf(service), { force: true });
      this.#served.delete(service);
      this.#retired.delete(service);
      await this.#control.reload();
      await converge(this.#control, { generation: ++this.#generation, previousWorkers, timeoutMs: this.#timeout(), settleMs: this.#options.settleMs ?? 2000 });
    });
  }

  refusal(route: RouteSpec, split: TrafficSplit): SluiceError | undefined {
    return nginxRefusal(route, split);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue;
    await this.#tail?.stop();
    await this.#control.stop();
  }

  #timeout(): number {
    return this.#options.convergenceTimeoutMs ?? 10_000;
  }

  #fileOf(service: string): string {
    return join(this.#control.includeDir, `${service}.conf`);
  }

  /** Render, test, rename, reload, verify; on a failure after the rename, the previous file comes back. */
  async #apply(route: RouteSpec, listen: string, split: TrafficSplit): Promise<void> {
    const generation = this.#generation + 1;
    const text = renderServiceConfig({ route, listen, split, generation, accessLog: this.#accessLog }) + (this.#options.appendToInclude?.(route.service) ?? '');
    const target = this.#fileOf(route.service);
    const staged = join(this.#control.includeDir, `.${route.service}.conf.staged`);
    const previous = await readFile(target, 'utf8').catch(() => undefined);
    await writeFile(staged, text);
    try {
      await this.#control.install(staged, target);
    } finally {
      await rm(staged, { force: true });
    }
    this.#generation = generation;
    try {
      const previousWorkers = await acceptingWorkers(this.#control);
      await this.#control.reload();
      await converge(this.#control, { route, listen, generation, previousWorkers, timeoutMs: this.#timeout(), settleMs: this.#options.settleMs ?? 2000 });
    } catch (error) {
      if (previous === undefined) await rm(target, { force: true });
      else await writeFile(target, previous);
      await this.#control.reload().catch(() => undefined);
      throw error;
    }
    this.#retire(route.service, route);
    this.#served.set(route.service, { route, listen, split, generation });
  }

  /** Remembers the endpoints the new route dropped, for upstreamUse's in-flight estimate. */
  #retire(service: string, next: RouteSpec): void {
    const before = this.#served.get(service);
    if (before === undefined) return;
    const now = new Set(Object.values(next.backends).flat());
    const retired = this.#retired.get(service) ?? new Set<string>();
    for (const endpoint of Object.values(before.route.backends).flat()) if (!now.has(endpoint)) retired.add(endpoint);
    for (const endpoint of now) retired.delete(endpoint);
    this.#retired.set(service, retired);
  }
}
