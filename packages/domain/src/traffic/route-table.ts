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
}

/** What a data plane reports it is serving. `generation` increases with every accepted change. */
export interface ObservedSplit extends TrafficSplit {
  readonly generation: number;
  /** host:port the data plane actually listens on (the real port when the spec asked for port 0). */
  readonly address?: string;
}
