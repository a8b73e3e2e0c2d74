import type { RouteProxySettings } from '../traffic/route-table.js';
import type { RollingUpdateSpec } from './rolling-update.js';
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
  /** Shell command the process runtime starts (required there; the Kubernetes runtime ignores it). */
  readonly command?: string;
  /** Container image the Kubernetes runtime runs (absent: the source Deployment's image; the process runtime ignores it). */
  readonly image?: string;
  readonly env: Readonly<Record<string, string>>;
  readonly replicas: number;
  readonly readiness: ReadinessProbe;
  /** Working directory, relative to the control plane's working directory. */
  readonly cwd?: string;
  /** How long a stopping instance may drain after SIGTERM before SIGKILL. */
  readonly gracePeriodMs: number;
  /**
   * How a changed command, env or cwd replaces the instances (spec `rollingUpdate`). Absent:
   * DEFAULT_ROLLING_UPDATE (see rollingUpdateOf).
   */
  readonly rollingUpdate?: RollingUpdateSpec;
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
  /**
   * How long a revision stays available to `undo` after it stopped being current (spec
   * `rollbackWindow`). Absent: DEFAULT_ROLLBACK_WINDOW_MS.
   */
  readonly rollbackWindowMs?: number;
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
  /**
   * Versions kept running only until a time (ms since epoch) for an instant switch back: blue after a
   * blue-green rollout made green stable (its scaleDownDelay). Then the controller retires them (idle).
   */
  readonly warmUntil?: Readonly<Record<string, number>>;
  /**
   * Versions whose instances the controller retired after their warm time, with when (ms since epoch).
   * A rollout that targets one, or the service making it stable again, starts it again.
   */
  readonly idle?: Readonly<Record<string, number>>;
}

/** How a revision came to be: the service was created, a rollout promoted, the spec set the stable, or an undo. */
export type RevisionOutcome = 'created' | 'promoted' | 'applied' | 'undone-to';

/**
 * One version of a service as it served: the stable version and the spec in force. A new revision
 * is recorded each time the stable version changes (creation, promotion, a declared stable, undo),
 * in the same transaction as the change. Revisions are never changed once recorded.
 */
export interface Revision {
  readonly service: string;
  /** 1, 2, 3… per service; the service's `status.revision` while this revision is current. */
  readonly number: number;
  /** The version that served everyone while this revision was current. */
  readonly stable: string;
  /** The service's spec when the revision was recorded. */
  readonly spec: ServiceSpec;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** Who caused it: "controller" for a promotion, else the person or token that asked. */
  readonly actor: string;
  /** The rollout that promoted it (outcome "promoted"). */
  readonly rollout?: string;
  /** The experiment whose variant was promoted (outcome "promoted"). */
  readonly experiment?: string;
  readonly outcome: RevisionOutcome;
  /** For outcome "undone-to": the revision whose version this one returned to. */
  readonly undoneTo?: number;
}

/** How a revision came about, beside what the service's status says. */
export interface RevisionCause {
  readonly at: number;
  readonly actor: string;
  readonly outcome: RevisionOutcome;
  readonly rollout?: string;
  readonly experiment?: string;
  readonly undoneTo?: number;
}

/** The revision a service's current state makes: its status's revision number and stable version, its spec. */
export function revisionOf(service: Service, cause: RevisionCause): Revision {
  const { at, actor, outcome, rollout, experiment, undoneTo } = cause;
  return {
    service: service.name,
    number: service.status.revision,
    stable: service.status.stable,
    spec: service.spec,
    createdAt: at,
    actor,
    ...(rollout === undefined ? {} : { rollout }),
    ...(experiment === undefined ? {} : { experiment }),
    outcome,
    ...(undoneTo === undefined ? {} : { undoneTo }),
  };
}

/** Revisions stay available to `undo` this long after they stopped being current, unless the spec says otherwise: 7 days. */
export const DEFAULT_ROLLBACK_WINDOW_MS = 7 * 24 * 3_600_000;

/** The rollback window of a service spec, its default applied. */
export function rollbackWindowOf(spec: ServiceSpec): number {
  return spec.rollbackWindowMs ?? DEFAULT_ROLLBACK_WINDOW_MS;
}

export const DEFAULT_READINESS: ReadinessProbe = { path: '/', intervalMs: 500, timeoutMs: 2000 };
export const DEFAULT_GRACE_PERIOD_MS = 10_000;
