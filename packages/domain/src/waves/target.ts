/**
 * A Target is one place a service is served from: a data plane (and, later, a runtime) in a region,
 * cluster or zone, with labels that waves select it by. On one machine each target is a built-in
 * proxy of its own, listening on its own address per service; later issues add nginx, HAProxy and
 * Kubernetes targets as other `dataPlane` kinds.
 */

/** Where a target serves one service. */
export interface TargetServiceBinding {
  /** host:port of this target's listener for the service (port 0 picks a free one). */
  readonly listen: string;
}

/** A built-in proxy of the target's own, with one listener per service it serves. */
export interface BuiltinTargetDataPlane {
  readonly kind: 'builtin';
  /** Service name → where this target serves it. A service not listed is not served by the target. */
  readonly services: Readonly<Record<string, TargetServiceBinding>>;
}

export type TargetDataPlane = BuiltinTargetDataPlane;

export interface TargetSpec {
  /** Labels waves select targets by, e.g. { region: eu, cluster: "1" }. */
  readonly labels: Readonly<Record<string, string>>;
  readonly dataPlane: TargetDataPlane;
}

export interface Target {
  readonly name: string;
  readonly spec: TargetSpec;
  /** Optimistic-concurrency version; 0 before the first save. */
  readonly version: number;
}

/** Selects targets whose labels include every one of `matchLabels` (Kubernetes' matchLabels); `{}` selects all. */
export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
}

export function matchesSelector(labels: Readonly<Record<string, string>>, selector: LabelSelector): boolean {
  return Object.entries(selector.matchLabels).every(([key, value]) => labels[key] === value);
}

/** True when the target has a listener for `service`. */
export function servesService(spec: TargetSpec, service: string): boolean {
  return Object.hasOwn(spec.dataPlane.services, service);
}

/** "region=eu, cluster=1", or "every target" for an empty selector. */
export function describeSelector(selector: LabelSelector): string {
  const entries = Object.entries(selector.matchLabels);
  return entries.length === 0 ? 'every target' : entries.map(([k, v]) => `${k}=${v}`).join(', ');
}
