import type { Stickiness } from '../resources/service.js';
import type { MirrorSpec, RouteRule } from './routing.js';

/** One upstream endpoint of a version, e.g. "http://127.0.0.1:41234". */
export type Endpoint = string;

/** The split the data plane should serve for one service. */
export interface TrafficSplit {
  readonly stable: string;
  /** Absent when everyone goes to stable. */
  readonly canary?: string;
  /** Percent (0..100, 0.01 resolution) of traffic on `canary`. */
  readonly weight: number;
  /** Salt for bucketing: the rollout name, so each rollout buckets independently. */
  readonly salt: string;
  /**
   * Ordered match rules tried before the weighted split; the first match decides (see routing.ts).
   * Segments are already inlined. Absent or empty: every request goes through the weighted split.
   */
  readonly rules?: readonly RouteRule[];
  /** Copies a share of requests to a version, discarding its responses. Absent: no mirroring. */
  readonly mirror?: MirrorSpec;
}

/** Everything a data plane needs to serve one service. Full snapshots, never deltas. */
export interface RouteSpec {
  readonly service: string;
  readonly listen: string;
  readonly stickiness: Stickiness;
  /** Ready endpoints per version. A version with none cannot take traffic. */
  readonly backends: Readonly<Record<string, readonly Endpoint[]>>;
  /**
   * Host names (lower-case, without port; "*.example.com" matches one or more labels) this route
   * answers on its listen address, so several services can share one address. Absent or empty:
   * the route takes every host no other route on that address claims (at most one such route per address).
   */
  readonly hosts?: readonly string[];
  /** Data-plane settings of this route; a field left out takes the data plane's default. */
  readonly proxy?: RouteProxySettings;
}

/** Size and time limits of one route's data plane (all in bytes or milliseconds). */
export interface RouteLimits {
  readonly maxHeaderBytes?: number;
  readonly maxBodyBytes?: number;
  readonly connectTimeoutMs?: number;
  readonly headersTimeoutMs?: number;
  readonly idleTimeoutMs?: number;
  /** 0 turns the whole-exchange limit off. */
  readonly requestTimeoutMs?: number;
}

/** Passive outlier ejection of a route's instances. */
export interface RouteOutlierPolicy {
  /** 5xx answers or connect failures in a row that eject an instance; 0 turns ejection off. */
  readonly consecutiveFailures?: number;
  readonly baseEjectionMs?: number;
  readonly maxEjectionMs?: number;
  readonly maxEjectedPercent?: number;
}

/** Active health check of every instance of a route. */
export interface RouteHealthCheck {
  readonly path?: string;
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
  readonly healthyThreshold?: number;
  readonly unhealthyThreshold?: number;
}

/** Per-route data-plane settings, carried with the route to every data plane (and every proxy worker). */
export interface RouteProxySettings {
  readonly limits?: RouteLimits;
  readonly outlier?: RouteOutlierPolicy;
  /** Absent: no active health checks (passive ejection still applies). */
  readonly healthCheck?: RouteHealthCheck;
}

/** What a data plane reports it is serving. `generation` increases with every accepted change. */
export interface ObservedSplit extends TrafficSplit {
  readonly generation: number;
  /** host:port the data plane actually listens on (the real port when the spec asked for port 0). */
  readonly address?: string;
}
