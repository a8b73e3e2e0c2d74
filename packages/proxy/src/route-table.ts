import { compileRules, copySplit } from '@sluice/domain';
import type { CompiledRules, RouteSpec, TrafficSplit } from '@sluice/domain';
import type { OutlierDetector } from './outlier-detector.js';
import type { ProxyLimits } from './proxy-limits.js';
import type { UpstreamInstance } from './upstream-instance.js';

/** The instances of one version, taken in turn. `cursor` is the only mutable field, by design. */
export interface Pool {
  readonly version: string;
  readonly instances: readonly UpstreamInstance[];
  cursor: number;
}

/** Everything a request reads, swapped as a whole: a request reads it once and never sees half a change. */
export interface RouteSnapshot {
  readonly service: string;
  readonly split: TrafficSplit;
  /** Increases with every accepted split change; 1 for a new route. */
  readonly generation: number;
  /** Lower-case request header carrying the stickiness key, if configured. */
  readonly stickyHeader: string | undefined;
  readonly cookie: string;
  readonly pools: ReadonlyMap<string, Pool>;
  readonly limits: ProxyLimits;
  /** The route's passive health bookkeeping (shared by its snapshots). */
  readonly outlier: OutlierDetector;
  /** The split's routing rules, compiled once per split change; undefined when there are none. */
  readonly rules: CompiledRules | undefined;
  /** Simple requests may take the raw-socket path: every instance speaks plain HTTP and nothing is mirrored. */
  readonly fast: boolean;
}

/** True when requests of this split over these pools may take the fast path (fast/fast-connection.ts). */
export function fastPathAllowed(split: TrafficSplit, pools: ReadonlyMap<string, Pool>): boolean {
  if (split.mirror !== undefined && split.mirror.percent > 0) return false;
  for (const pool of pools.values()) for (const instance of pool.instances) if (!instance.plain) return false;
  return true;
}

/** Compiles a split's rules for the hot path (regexes, CIDRs and lists prepared once). */
export function compileSplitRules(split: TrafficSplit): CompiledRules | undefined {
  return split.rules === undefined || split.rules.length === 0 ? undefined : compileRules(split.rules);
}

export function buildSnapshot(
  route: RouteSpec,
  split: TrafficSplit,
  generation: number,
  pools: ReadonlyMap<string, Pool>,
  limits: ProxyLimits,
  outlier: OutlierDetector,
): RouteSnapshot {
  return Object.freeze({
    service: route.service,
    split: copySplit(split),
    generation,
    stickyHeader: route.stickiness.header === undefined ? undefined : route.stickiness.header.toLowerCase(),
    cookie: route.stickiness.cookie,
    pools,
    limits,
    outlier,
    rules: compileSplitRules(split),
    fast: fastPathAllowed(split, pools),
  });
}

/**
 * The next available instance of a pool in round-robin order, skipping ejected, unhealthy and draining
 * instances and `exclude` (the instance a retry moves away from). Undefined when none is available.
 */
export function nextInstance(pool: Pool | undefined, exclude?: UpstreamInstance): UpstreamInstance | undefined {
  if (pool === undefined) return undefined;
  const instances = pool.instances;
  const count = instances.length;
  for (let i = 0; i < count; i++) {
    const candidate = instances[pool.cursor % count]!;
    pool.cursor = (pool.cursor + 1) % count;
    if (candidate.available && candidate !== exclude) return candidate;
  }
  return undefined;
}

/** True when the pool has an instance that may take a request. */
export function hasAvailable(pool: Pool | undefined): boolean {
  if (pool === undefined) return false;
  for (const instance of pool.instances) if (instance.available) return true;
  return false;
}
