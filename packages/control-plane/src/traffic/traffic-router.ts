import type { ObservedSplit, RouteSpec, SluiceError, TrafficSplit, UpstreamUse } from '@sluice/domain';

/**
 * weights: percentage splits; sticky: users keep their version; header-match: routing rules on request
 * attributes; source-match: rules on the client address (sourceCidr); flag-match: rules on a feature
 * flag's value for the request (evaluated in the data plane); mirror: shadow traffic.
 */
export type RouterCapability = 'weights' | 'sticky' | 'header-match' | 'source-match' | 'flag-match' | 'mirror';

/**
 * Moves traffic for one service between its stable and canary versions. Every method is idempotent;
 * the control plane may call any of them again after a crash.
 */
export interface TrafficRouter {
  /** Registry key, e.g. "builtin-proxy", "memory". */
  readonly kind: string;
  /** What this router can do; specs that need more are rejected before anything runs. */
  readonly capabilities: ReadonlySet<RouterCapability>;
  /**
   * Creates or updates the route's listener and per-version backends. A new route serves
   * `initial`; an existing one keeps its current split. Resolves once the route is serving.
   */
  upsertRoute(route: RouteSpec, initial: TrafficSplit, signal?: AbortSignal): Promise<void>;
  /** Requests a split. Resolves when the data plane has accepted it (atomic: no request fails during the swap). */
  setSplit(service: string, split: TrafficSplit, signal?: AbortSignal): Promise<void>;
  /** What the data plane is actually serving. Throws SERVICE_NOT_FOUND for an unknown route. */
  observeSplit(service: string, signal?: AbortSignal): Promise<ObservedSplit>;
  /**
   * Whether the data plane sends new requests of `service` to `endpoint` (one of the route's backend
   * URLs) and how many requests to it are in flight, including those still finishing after the endpoint
   * left the route. The runtime uses it to replace instances without failing a request. Throws
   * SERVICE_NOT_FOUND for an unknown route.
   */
  upstreamUse(service: string, endpoint: string, signal?: AbortSignal): Promise<UpstreamUse>;
  /** Sends everything to `split.stable` only (weight 0), keeping the route. */
  reset(service: string, signal?: AbortSignal): Promise<void>;
  /** Stops serving the route and frees its listener. No-op for an unknown route. */
  removeRoute(service: string, signal?: AbortSignal): Promise<void>;
  /**
   * Optional: restarts the data plane itself (new processes, new code) without refusing a
   * connection or failing a request. Absent where the data plane cannot restart on its own.
   */
  restart?(): Promise<void>;
  /** Stops every route, draining in-flight requests. */
  close(): Promise<void>;
  /**
   * Optional: why this engine could not serve `split` on `route` (a header name, a regex syntax it
   * lacks), without serving anything; undefined when it could. Apply asks it for every rule a spec
   * declares, so such specs are refused before a rollout starts rather than failing at a step.
   */
  refusal?(route: RouteSpec, split: TrafficSplit): SluiceError | undefined;
}
