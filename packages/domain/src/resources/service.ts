import type { RouteProxySettings } from '../traffic/route-table.js';
import type { RouteRuleSpec } from '../traffic/routing.js';

/** How a user is kept on one version: a header first, then a cookie, else a new cookie is set. */
export interface Stickiness {
  /** Request header whose value is the user's key (lower-case), e.g. "x-user-id". */
  readonly header?: string;
  /** Cookie that carries the key; the proxy sets it when a request has neither header nor cookie. */
  readonly cookie: string;
}

/** A readiness probe: an HTTP GET that must answer 2xx before an instance takes traffic. */
export interface ReadinessProbe {
  readonly path: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

/** A version started by Sluice as local processes. */
export interface RunSpec {
  readonly command: string;
  readonly env: Readonly<Record<string, string>>;
  readonly replicas: number;
  readonly readiness: ReadinessProbe;
  /** Working directory, relative to the control plane's working directory. */
  readonly cwd?: string;
  /** How long a stopping instance may drain after SIGTERM before SIGKILL. */
  readonly gracePeriodMs: number;
}

/** A version is either run by Sluice or reached at fixed upstream URLs. */
export type VersionSource =
  | { readonly kind: 'run'; readonly run: RunSpec }
  | { readonly kind: 'upstreams'; readonly upstreams: readonly string[] };

export interface ServiceSpec {
  /** host:port the built-in proxy listens on for this service. */
  readonly listen: string;
  /**
   * Host names (lower-case, no port; "*.example.com" matches one or more labels) this service
   * answers on `listen`, so several services can share one address (see shared-listen.ts).
   * Absent: every host no other service on the address claims.
   */
  readonly hosts?: readonly string[];
  readonly stickiness: Stickiness;
  readonly versions: Readonly<Record<string, VersionSource>>;
  /** The version that serves everyone when no rollout is active (as declared). */
  readonly stable: string;
  /**
   * Static match rules, in order, tried after an active rollout's own rules and before the
   * weighted split. Segments are named here and inlined by the control plane.
   */
  readonly routes?: readonly RouteRuleSpec[];
  /** Data-plane limits, outlier ejection and active health checks; a field left out takes the data plane's default. */
  readonly proxy?: RouteProxySettings;
}

/** Service as stored: the declared spec plus what the controller has made true. */
export interface Service {
  readonly name: string;
  readonly spec: ServiceSpec;
  readonly status: ServiceStatus;
  /** Optimistic-concurrency version; 0 before the first save. */
  readonly version: number;
}

export interface ServiceStatus {
  /** The version serving when no rollout is active. Starts as spec.stable; a succeeded rollout moves it. */
  readonly stable: string;
  /** Revision counter: increases each time the stable version changes. */
  readonly revision: number;
}

export const DEFAULT_READINESS: ReadinessProbe = { path: '/', intervalMs: 500, timeoutMs: 2000 };
export const DEFAULT_GRACE_PERIOD_MS = 10_000;
