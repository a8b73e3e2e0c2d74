import { mkdir } from 'node:fs/promises';
import { ErrorCode, SluiceError, checkSplit, copySplit, equalRules, equalSplits, sameJson } from '@sluice/domain';
import type { ObservedSplit, RouteSpec, TrafficSplit, UpstreamUse } from '@sluice/domain';
import type { ProxyObservation } from '@sluice/proxy';
import type { RouterCapability, TrafficRouter } from '../traffic-router.js';
import { cliCommand, parseShowMap, parseShowStat, type StatRow } from './haproxy-cli.js';
import { renderRules } from './haproxy-conditions.js';
import { backendVersions, mapValue, renderConfig, renderMap, type EndpointState, type ServiceConfig } from './haproxy-config.js';
import { removeFile, resolveListen, splitListen, writeAtomically } from './haproxy-files.js';
import { HaproxyLogSource, parseLogLine, toObservation, type LogResolver } from './haproxy-log-source.js';
import { backendName, frontendName, mapKey, serverAddress, serverName, unsupported } from './haproxy-names.js';
import { ExternalHaproxy, OwnedHaproxy, type ExternalHaproxyOptions, type HaproxyControl, type OwnedHaproxyOptions } from './haproxy-process.js';

export interface HaproxyRouterOptions {
  /** Sluice's own HAProxy (`{ kind: 'owned', stateDir }`) or the user's (`{ kind: 'external', … }`). */
  readonly haproxy: OwnedHaproxyOptions | ExternalHaproxyOptions;
  /** Receives one observation per finished request, read from HAProxy's log. Absent: no request log. */
  readonly record?: (observation: ProxyObservation) => void;
  /** Where the UDP log receiver binds (host:port). Default 127.0.0.1:0; give a fixed port for an external HAProxy. */
  readonly logListen?: string;
}

/** How a change was applied: over the admin socket, or by a seamless reload. */
export type ChangeKind = 'runtime' | 'reload' | 'none';

/**
 * TrafficRouter over HAProxy. The weighted split (stable, canary, threshold in 1/10,000) lives in a
 * map that `set map` changes at runtime, with no reload; rules, endpoints, listeners and salts are
 * rendered into the config and applied by a seamless reload. Every change is read back from HAProxy
 * before it resolves. No mirroring: HAProxy cannot copy requests without SPOE.
 */
export class HaproxyRouter implements TrafficRouter {
  readonly kind = 'haproxy';
  readonly capabilities: ReadonlySet<RouterCapability> = new Set<RouterCapability>(['weights', 'sticky', 'header-match', 'source-match']);
  readonly control: HaproxyControl;
  readonly #options: HaproxyRouterOptions;
  #services = new Map<string, ServiceConfig>();
  readonly #backends = new Map<string, { service: string; version: string }>();
  readonly #frontends = new Map<string, string>();
  #queue: Promise<unknown> = Promise.resolve();
  #started: Promise<void> | undefined;
  #log: HaproxyLogSource | undefined;
  #closed = false;
  /** How the last change was applied (for tests and logs). */
  lastChange: ChangeKind = 'none';

  constructor(options: HaproxyRouterOptions) {
    this.#options = options;
    this.control = options.haproxy.kind === 'owned' ? new OwnedHaproxy(options.haproxy) : new ExternalHaproxy(options.haproxy);
  }

  upsertRoute(route: RouteSpec, initial: TrafficSplit, signal?: AbortSignal): Promise<void> {
    return this.#serial(signal, async () => {
      const existing = this.#services.get(route.service);
      if (existing !== undefined) {
        if (sameJson(existing.route, route)) {
          this.lastChange = 'none';
          return;
        }
        const address = existing.route.listen === route.listen ? existing.address : await resolveListen(route.listen);
        await this.#reload(this.#with({ ...existing, route, address }));
        return;
      }
      checkSplit(route.service, initial);
      const split = this.#supported(route.service, initial);
      this.#checkListen(route);
      const address = await resolveListen(route.listen);
      await this.#reload(this.#with({ route, address, split, generation: 1, endpointStates: new Map() }));
    });
  }

  setSplit(service: string, split: TrafficSplit, signal?: AbortSignal): Promise<void> {
    return this.#serial(signal, async () => {
      const current = this.#get(service);
      checkSplit(service, split);
      const next = this.#supported(service, split);
      if (equalSplits(current.split, next)) {
        this.lastChange = 'none';
        return;
      }
      const changed: ServiceConfig = { ...current, split: next, generation: current.generation + 1 };
      const known = new Set(backendVersions(current.route, current.split));
      const structural =
        !equalRules(current.split.rules, next.rules) || current.split.salt !== next.salt || backendVersions(current.route, next).some((v) => !known.has(v));
      if (structural) await this.#reload(this.#with(changed));
      else await this.#setMap(changed);
    });
  }

  observeSplit(service: string, signal?: AbortSignal): Promise<ObservedSplit> {
    return this.#serial(signal, async () => {
      const state = this.#get(service);
      await this.#verifyMap([state]);
      return { ...state.split, generation: state.generation, address: state.address };
    });
  }

  upstreamUse(service: string, endpoint: string, signal?: AbortSignal): Promise<UpstreamUse> {
    return this.#serial(signal, async () => {
      const state = this.#get(service);
      const { address } = serverAddress(endpoint);
      const prefix = backendName(service, '');
      const mine = (row: StatRow) => row['pxname']?.startsWith(prefix) === true && row['svname'] !== 'BACKEND' && row['svname'] !== 'FRONTEND' && row['addr'] === address;
      const current = parseShowStat(await cliCommand(this.control.adminSocket, 'show stat')).filter(mine);
      const old = (await this.control.oldWorkerStats()).filter(mine);
      const listed = Object.values(state.route.backends).some((endpoints) => endpoints.includes(endpoint));
      const routed = listed && current.some((row) => Number(row['weight']) > 0 && /^(UP|no check)/.test(row['status'] ?? ''));
      const inflight = [...current, ...old].reduce((sum, row) => sum + Number(row['scur'] ?? 0), 0);
      return { routed: routed ? 'all' : 'none', inflight };
    });
  }

  async reset(service: string, signal?: AbortSignal): Promise<void> {
    await this.#queue;
    const { stable, salt } = this.#get(service).split;
    await this.setSplit(service, { stable, weight: 0, salt }, signal);
  }

  /**
   * Sets the runtime state of every server of `endpoint` (`set server … state`): "drain" takes no new
   * requests and lets in-flight ones finish, "maint" takes nothing, "ready" serves again. Kept across reloads.
   */
  setEndpointState(service: string, endpoint: string, state: 'ready' | EndpointState, signal?: AbortSignal): Promise<void> {
    return this.#serial(signal, async () => {
      const current = this.#get(service);
      const endpointStates = new Map(current.endpointStates);
      if (state === 'ready') endpointStates.delete(endpoint);
      else endpointStates.set(endpoint, state);
      for (const [version, endpoints] of Object.entries(current.route.backends)) {
        for (const [index, candidate] of endpoints.entries()) {
          if (candidate !== endpoint) continue;
          const server = `${backendName(service, version)}/${serverName(version, index)}`;
          const weight = state === 'drain' ? '' : `; set server ${server} weight 100%`;
          await this.#admin(`set server ${server} state ${state}${weight}`);
        }
      }
      this.#services.set(service, { ...current, endpointStates });
      this.lastChange = 'runtime';
    });
  }

  removeRoute(service: string, signal?: AbortSignal): Promise<void> {
    return this.#serial(signal, async () => {
      if (!this.#services.has(service)) return;
      const next = new Map(this.#services);
      next.delete(service);
      await this.#reload(next);
    });
  }

  /** A seamless reload: new worker, same listening sockets, old worker finishes its requests. */
  restart(): Promise<void> {
    return this.#serial(undefined, () => this.#reload(this.#services));
  }

  close(): Promise<void> {
    if (this.#closed) return this.#queue.then(() => {});
    this.#closed = true;
    const done = this.#queue.catch(() => {}).then(async () => {
      if (this.#started !== undefined) await this.#started.catch(() => {});
      await this.control.stop();
      await this.#log?.close();
    });
    this.#queue = done;
    return done;
  }

  #serial<T>(signal: AbortSignal | undefined, body: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      signal?.throwIfAborted();
      if (this.#closed) throw new SluiceError(ErrorCode.ADAPTER_FAILED, 'HAProxy router is closed');
      await this.#start();
      return body();
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => {});
    return result;
  }

  #get(service: string): ServiceConfig {
    const state = this.#services.get(service);
    if (state === undefined) throw new SluiceError(ErrorCode.SERVICE_NOT_FOUND, `service "${service}" has no route on the HAProxy data plane`);
    return state;
  }

  /** A private copy of the split, refusing what HAProxy cannot serve (mirroring, flag conditions). */
  #supported(service: string, split: TrafficSplit): TrafficSplit {
    if (split.mirror !== undefined) {
      throw unsupported(`cannot mirror requests (service "${service}" asks to copy ${split.mirror.percent} % to "${split.mirror.version}"); HAProxy has no request mirroring without SPOE — use the built-in proxy or nginx for a mirror step`);
    }
    renderRules(service, split);
    return copySplit(split);
  }

  #checkListen(route: RouteSpec): void {
    const { port } = splitListen(route.listen);
    if (port === 0) return;
    for (const other of this.#services.values()) {
      if (other.route.listen === route.listen) throw unsupported(`services "${other.route.service}" and "${route.service}" cannot share ${route.listen} (one service per address on HAProxy)`);
    }
  }

  #with(service: ServiceConfig): Map<string, ServiceConfig> {
    return new Map(this.#services).set(service.route.service, service);
  }

  async #start(): Promise<void> {
    this.#started ??= this.#boot();
    return this.#started;
  }

  async #boot(): Promise<void> {
    const { haproxy, record } = this.#options;
    if (haproxy.kind === 'owned') await mkdir(haproxy.stateDir, { recursive: true, mode: 0o700 });
    if (record !== undefined) {
      const { host, port } = splitListen(this.#options.logListen ?? '127.0.0.1:0');
      this.#log = await HaproxyLogSource.start((line) => this.#onLogLine(line, record), host, port);
    }
    await this.#writeFiles(this.#services);
    await this.control.start();
  }

  #paths() {
    const owned = this.control instanceof OwnedHaproxy ? { adminSocket: this.control.adminSocket, internalSocket: this.control.internalSocket } : undefined;
    return { mapPath: this.control.mapPath, ...(owned === undefined ? {} : { owned }), ...(this.#log === undefined ? {} : { logAddress: this.#log.address }) };
  }

  async #writeFiles(services: ReadonlyMap<string, ServiceConfig>): Promise<void> {
    const list = [...services.values()];
    const config = renderConfig(this.#paths(), list);
    const candidate = `${this.control.configPath}.next`;
    await writeAtomically(candidate, config);
    try {
      await this.control.check(candidate);
    } finally {
      await removeFile(candidate);
    }
    await writeAtomically(this.control.mapPath, renderMap(list));
    await writeAtomically(this.control.configPath, config);
    for (const service of list) this.#remember(service);
  }

  /** Structural change: render, check, write, reload, verify; on failure the previous files are restored. */
  async #reload(next: Map<string, ServiceConfig>): Promise<void> {
    await this.#writeFiles(next);
    try {
      await this.control.reload();
      await this.#verifyMap([...next.values()]);
    } catch (error) {
      await this.#writeFiles(this.#services).catch(() => {});
      throw error;
    }
    this.#services = next;
    this.lastChange = 'reload';
  }

  /** Runtime change of the weighted split: one `set map` (atomic per entry), then read back. */
  async #setMap(next: ServiceConfig): Promise<void> {
    const key = mapKey(next.route.service);
    await this.#admin(`set map ${this.control.mapPath} ${key} ${mapValue(next.route.service, next.split, next.generation)}`);
    await this.#verifyMap([next]);
    const services = this.#with(next);
    await writeAtomically(this.control.mapPath, renderMap([...services.values()]));
    this.#services = services;
    this.lastChange = 'runtime';
  }

  async #verifyMap(services: readonly ServiceConfig[]): Promise<void> {
    const live = parseShowMap(await cliCommand(this.control.adminSocket, `show map ${this.control.mapPath}`));
    for (const service of services) {
      const expected = mapValue(service.route.service, service.split, service.generation);
      const found = live.get(mapKey(service.route.service));
      if (found !== expected) {
        throw new SluiceError(ErrorCode.ADAPTER_FAILED, `HAProxy serves "${found ?? 'nothing'}" for ${service.route.service}, expected "${expected}"`);
      }
    }
  }

  async #admin(command: string): Promise<void> {
    const answer = (await cliCommand(this.control.adminSocket, command)).trim();
    if (answer !== '') throw new SluiceError(ErrorCode.ADAPTER_FAILED, `HAProxy refused "${command}": ${answer}`);
  }

  #remember(service: ServiceConfig): void {
    const name = service.route.service;
    this.#frontends.set(frontendName(name), name);
    for (const version of backendVersions(service.route, service.split)) this.#backends.set(backendName(name, version), { service: name, version });
  }

  #onLogLine(text: string, record: (observation: ProxyObservation) => void): void {
    const line = parseLogLine(text);
    if (line === undefined) return;
    const observation = toObservation(line, this.#resolver);
    if (observation !== undefined) record(observation);
  }

  readonly #resolver: LogResolver = {
    backend: (name) => this.#backends.get(name),
    frontend: (name) => this.#frontends.get(name),
    routeName: (service, route) => {
      if (route === 'split' || route === '-') return 'split';
      return this.#services.get(service)?.split.rules?.[Number(route)]?.name ?? 'split';
    },
    stable: (service) => this.#services.get(service)?.split.stable,
  };
}
