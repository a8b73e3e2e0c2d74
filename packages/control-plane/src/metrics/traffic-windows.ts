import { ErrorCode, SluiceError, type Clock } from '@sluice/domain';
import type { ProxyObservation } from '@sluice/proxy';
import { TrafficSeries, type SeriesTotals } from './traffic-series.js';
import { causeIndex, OTHER_LABEL, statusClassIndex } from './traffic-slot.js';
import { TrafficTally, type SecondSummary, type TrafficSummary } from './traffic-summary.js';

export interface TrafficWindowsOptions {
  readonly clock: Clock;
  /** Whole seconds of history kept (besides the second in progress); default 900 (15 minutes). */
  readonly retentionSeconds?: number | undefined;
  /** Services counted by name; more fold into service "_other". Default 200. */
  readonly maxServices?: number | undefined;
  /** Versions per service counted by name; more fold into version "_other". Default 10. */
  readonly maxVersionsPerService?: number | undefined;
  /** Routes per service counted by name; more fold into route "_other". Default 20. */
  readonly maxRoutesPerService?: number | undefined;
  /**
   * Series (service, version, route) kept in all; past it, new ones fold into ("_other", "_other",
   * "_other"). Bounds memory: a series takes about 0.65 KB per second of retention. Default 256.
   */
  readonly maxSeries?: number | undefined;
}

/** A window over one service, optionally narrowed to one version and/or one route. */
export interface TrafficQuery {
  /** Service name as recorded ("_other" for folded services). */
  readonly service: string;
  /** Only this version; every version when absent. A folded name has no series of its own: ask for "_other". */
  readonly version?: string | undefined;
  /** Only this route (a rule name, "split" or "_other"); every route when absent. */
  readonly route?: string | undefined;
  /** Start, ms since the epoch, inclusive; the second it falls in is included whole. */
  readonly fromMs: number;
  /** End, ms since the epoch, exclusive; the second it falls in is included whole unless toMs is on its start. */
  readonly toMs: number;
  /** Also count the requests slower than this many ms (the answer's `above`), for latency-tail tests. */
  readonly aboveMs?: number | undefined;
}

/** The answer to a TrafficQuery: totals over the window, and the same per second, oldest first. */
export interface TrafficWindow extends TrafficSummary {
  /** The window actually covered: the query rounded out to whole seconds and cut to what is retained. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly perSecond: readonly SecondSummary[];
  /** Requests slower than the query's `aboveMs`, to latency-bucket resolution; absent when not asked. */
  readonly above?: number;
}

/** A (version, route) pair a service has a series for. */
export interface SeriesKey {
  readonly version: string;
  readonly route: string;
}

/** Observations whose label was replaced by "_other" because a cardinality limit was reached. */
export interface FoldedCounts {
  readonly service: number;
  readonly version: number;
  readonly route: number;
  readonly series: number;
}

interface VersionEntry {
  readonly name: string;
  readonly routes: Map<string, TrafficSeries>;
}

interface ServiceEntry {
  readonly name: string;
  readonly versions: Map<string, VersionEntry>;
  /** Route name → number of series of this service that use it (the route limit is per service). */
  readonly routeUse: Map<string, number>;
}

function isOverflow(series: TrafficSeries): boolean {
  return series.service === OTHER_LABEL && series.version === OTHER_LABEL && series.route === OTHER_LABEL;
}

function positiveInt(value: number | undefined, fallback: number, name: string): number {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1) {
    throw new SluiceError(ErrorCode.INVALID_REQUEST, `TrafficWindows option ${name} is ${String(value)}; expected a positive integer`);
  }
  return n;
}

/**
 * Per-second traffic history per (service, version, route), kept in memory for the analysis layer
 * and the Prometheus export. `record` is O(1) and allocates nothing once a series exists. A series
 * whose whole history has expired is dropped when a limit is reached, so the limits bound the names
 * active within the retention, not all names ever seen.
 */
export class TrafficWindows {
  readonly retentionSeconds: number;
  readonly #clock: Clock;
  readonly #limits: { services: number; versions: number; routes: number; series: number };
  readonly #services = new Map<string, ServiceEntry>();
  readonly #folded = { service: 0, version: 0, route: 0, series: 0 };
  #seriesCount = 0;
  #lastSweep = -1;

  constructor(options: TrafficWindowsOptions) {
    this.#clock = options.clock;
    this.retentionSeconds = positiveInt(options.retentionSeconds, 900, 'retentionSeconds');
    this.#limits = {
      services: positiveInt(options.maxServices, 200, 'maxServices'),
      versions: positiveInt(options.maxVersionsPerService, 10, 'maxVersionsPerService'),
      routes: positiveInt(options.maxRoutesPerService, 20, 'maxRoutesPerService'),
      series: positiveInt(options.maxSeries, 256, 'maxSeries'),
    };
  }

  /** Counts one finished request at the clock's current second. The hot path: O(1), no allocation. */
  record(observation: ProxyObservation): void {
    const second = this.#second();
    const { service, version, route } = observation;
    const series = this.#services.get(service)?.versions.get(version)?.routes.get(route) ?? this.#admit(service, version, route, second);
    series.add(second, statusClassIndex(observation.status), observation.durationMs, causeIndex(observation.cause, observation.error));
  }

  /** The clock's time in ms: what callers should compute query windows from. */
  now(): number {
    return this.#clock.now();
  }

  /** Totals and per-second values of one service's traffic in a window. */
  window(query: TrafficQuery): TrafficWindow {
    if (!Number.isFinite(query.fromMs) || !Number.isFinite(query.toMs)) {
      throw new SluiceError(ErrorCode.INVALID_REQUEST, `traffic window ${query.fromMs}..${query.toMs} of service "${query.service}" is not finite; expected ms since the epoch`);
    }
    const now = this.#second();
    const from = Math.max(Math.floor(query.fromMs / 1000), now - this.retentionSeconds);
    const to = Math.min(Math.ceil(query.toMs / 1000), now + 1);
    const matching = this.#matching(query);
    const total = new TrafficTally();
    const second = new TrafficTally();
    const perSecond: SecondSummary[] = [];
    for (let s = from; s < to; s++) {
      second.reset();
      for (const series of matching) series.addSecondTo(s, second);
      total.addTally(second);
      perSecond.push({ startMs: s * 1000, ...second.summary() });
    }
    const window = { fromMs: from * 1000, toMs: Math.max(from, to) * 1000, ...total.summary(), perSecond };
    return query.aboveMs === undefined ? window : { ...window, above: total.above(query.aboveMs) };
  }

  /** The (version, route) pairs `service` has series for, sorted; empty for a service never seen. */
  series(service: string): SeriesKey[] {
    const svc = this.#services.get(service);
    if (svc === undefined) return [];
    const keys = [...svc.versions.values()].flatMap((v) => [...v.routes.keys()].map((route) => ({ version: v.name, route })));
    return keys.sort((a, b) => a.version.localeCompare(b.version) || a.route.localeCompare(b.route));
  }

  /** Names of the services with series, sorted. */
  services(): string[] {
    return [...this.#services.keys()].sort();
  }

  /** Cumulative totals of every series, for the Prometheus export. */
  totals(): SeriesTotals[] {
    return [...this.#services.values()].flatMap((s) => [...s.versions.values()].flatMap((v) => [...v.routes.values()].map((series) => series.totals())));
  }

  /** How many observations were folded into "_other", by the limit that folded them. */
  folded(): FoldedCounts {
    return { ...this.#folded };
  }

  #second(): number {
    const second = Math.floor(this.#clock.now() / 1000);
    return second >= 0 ? second : 0;
  }

  #matching(query: TrafficQuery): TrafficSeries[] {
    const svc = this.#services.get(query.service);
    if (svc === undefined) return [];
    const versions = query.version === undefined ? [...svc.versions.values()] : [svc.versions.get(query.version)].filter((v) => v !== undefined);
    return versions.flatMap((v) => (query.route === undefined ? [...v.routes.values()] : [v.routes.get(query.route)].filter((r) => r !== undefined)));
  }

  // #admit runs when a name is not found: once per new name, and on every observation of a folded
  // name (which is never stored, so memory stays bounded). It allocates only when it adds a series.

  #admit(service: string, version: string, route: string, second: number): TrafficSeries {
    const placed = this.#place(service, version, route, false);
    if (placed !== undefined) return placed;
    this.#sweep(second);
    return this.#place(service, version, route, true) ?? this.#overflowSeries();
  }

  /**
   * The series for these names, added if the limits allow. When a limit is reached: undefined if
   * `fold` is false, else the series with that name replaced by "_other" (counted in `folded`).
   */
  #place(service: string, version: string, route: string, fold: boolean): TrafficSeries | undefined {
    const limits = this.#limits;
    const svc = this.#services.get(service);
    if (service !== OTHER_LABEL && svc === undefined && this.#countNamed(this.#services) >= limits.services) {
      return fold ? (this.#folded.service++, this.#place(OTHER_LABEL, version, route, fold)) : undefined;
    }
    if (version !== OTHER_LABEL && svc?.versions.has(version) !== true && this.#countNamed(svc?.versions) >= limits.versions) {
      return fold ? (this.#folded.version++, this.#place(service, OTHER_LABEL, route, fold)) : undefined;
    }
    if (route !== OTHER_LABEL && svc?.routeUse.has(route) !== true && this.#countNamed(svc?.routeUse) >= limits.routes) {
      return fold ? (this.#folded.route++, this.#place(service, version, OTHER_LABEL, fold)) : undefined;
    }
    const existing = svc?.versions.get(version)?.routes.get(route);
    if (existing !== undefined) return existing;
    if (this.#seriesCount < limits.series) return this.#addSeries(service, version, route);
    if (fold) this.#folded.series++;
    return fold ? this.#overflowSeries() : undefined;
  }

  /** The series ("_other", "_other", "_other"): takes what no limit leaves room for, and is not counted against maxSeries. */
  #overflowSeries(): TrafficSeries {
    return this.#services.get(OTHER_LABEL)?.versions.get(OTHER_LABEL)?.routes.get(OTHER_LABEL) ?? this.#addSeries(OTHER_LABEL, OTHER_LABEL, OTHER_LABEL);
  }

  #addSeries(service: string, version: string, route: string): TrafficSeries {
    let svc = this.#services.get(service);
    if (svc === undefined) this.#services.set(service, (svc = { name: service, versions: new Map(), routeUse: new Map() }));
    let ver = svc.versions.get(version);
    if (ver === undefined) svc.versions.set(version, (ver = { name: version, routes: new Map() }));
    const series = new TrafficSeries(service, version, route, this.retentionSeconds + 1);
    ver.routes.set(route, series);
    svc.routeUse.set(route, (svc.routeUse.get(route) ?? 0) + 1);
    if (!isOverflow(series)) this.#seriesCount++;
    return series;
  }

  /** Names counted against a limit: all but "_other". */
  #countNamed(map: ReadonlyMap<string, unknown> | undefined): number {
    if (map === undefined) return 0;
    return map.has(OTHER_LABEL) ? map.size - 1 : map.size;
  }

  /**
   * Drops the series with no data left in the retention, and the versions and services left empty.
   * Runs at most once per second (folded names call it on every observation).
   */
  #sweep(second: number): void {
    if (this.#lastSweep === second) return;
    this.#lastSweep = second;
    const expired = second - this.retentionSeconds - 1;
    for (const [serviceName, svc] of this.#services) {
      for (const [versionName, ver] of svc.versions) {
        for (const [route, series] of ver.routes) {
          if (series.lastSecond > expired) continue;
          ver.routes.delete(route);
          const use = (svc.routeUse.get(route) ?? 1) - 1;
          if (use > 0) svc.routeUse.set(route, use);
          else svc.routeUse.delete(route);
          if (!isOverflow(series)) this.#seriesCount--;
        }
        if (ver.routes.size === 0) svc.versions.delete(versionName);
      }
      if (svc.versions.size === 0) this.#services.delete(serviceName);
    }
  }
}
