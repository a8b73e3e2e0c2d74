import {
  desiredSplit,
  equalRules,
  flagClosureState,
  resolveRule,
  sameJson,
  type ObservedSplit,
  type FlagState,
  type FlagStateLookup,
  type Rollout,
  type RouteRule,
  type Segment,
  type Service,
  type TrafficSplit,
} from '@sluice/domain';
import type { FlagStore, SegmentStore } from '../store/store.js';

/**
 * Finds a segment by name; what the control plane inlines segment references with. `flags`, when
 * present, gives the state flag conditions are inlined with (without it they match nobody).
 */
export type SegmentLookup = ((name: string) => Segment | undefined) & { readonly flags?: FlagStateLookup };

/**
 * Every stored segment (and flag), read once per pass: a Segment or Flag edited while rules use it is
 * served from the next reconcile pass on, because every pass rebuilds the split from the current ones.
 */
export async function loadSegments(segments: SegmentStore, flags?: FlagStore): Promise<SegmentLookup> {
  const all = await segments.list();
  const byName = new Map(all.map((s) => [s.name, s] as const));
  const lookup = (name: string): Segment | undefined => byName.get(name);
  if (flags === undefined) return lookup;
  const stored = await flags.list();
  const states = new Map<string, FlagState | undefined>();
  const flagStates: FlagStateLookup = (name, environment) => {
    const key = `${name}\u0000${environment}`;
    if (!states.has(key)) states.set(key, flagClosureState(stored, all, name, environment));
    return states.get(key);
  };
  return Object.assign(lookup, { flags: flagStates });
}

/**
 * The rules a data plane serves for a service: the rollout's own rules first (in the order its
 * steps added them), then the service's static routes, all with segments inlined. A static route's
 * split buckets with the service name as salt, so its users keep their version across rollouts.
 */
function effectiveRules(service: Service, rollout: Rollout | undefined, segments: SegmentLookup): RouteRule[] {
  const own = (rollout?.status.rules ?? []).map((rule) => resolveRule(rule, segments, segments.flags));
  const routes = (service.spec.routes ?? []).map((rule) => {
    const resolved = resolveRule(rule, segments, segments.flags);
    return resolved.action.kind === 'split' ? { ...resolved, action: { ...resolved.action, salt: service.name } } : resolved;
  });
  return [...own, ...routes];
}

function withRules(split: TrafficSplit, rules: readonly RouteRule[]): TrafficSplit {
  return rules.length === 0 ? split : { ...split, rules };
}

/** The split the data plane should serve for a rollout: its weights, its rules and mirror, then the static routes. */
export function rolloutSplit(rollout: Rollout, service: Service, segments: SegmentLookup): TrafficSplit {
  const want = desiredSplit(rollout);
  const base: TrafficSplit =
    want.canary === undefined
      ? { stable: want.stable, weight: 0, salt: rollout.name }
      : { stable: want.stable, canary: want.canary, weight: want.weight, salt: rollout.name };
  const split = withRules(base, effectiveRules(service, rollout, segments));
  const mirror = rollout.status.mirror;
  return mirror === undefined ? split : { ...split, mirror };
}

/** The split of a service with no active rollout: its stable version serves everyone its static routes do not claim. */
export function stableSplit(service: Service, segments: SegmentLookup): TrafficSplit {
  return withRules({ stable: service.status.stable, weight: 0, salt: service.name }, effectiveRules(service, undefined, segments));
}

/** True when the data plane serves exactly the rules and mirror of `want`. */
export function sameRulesAndMirror(observed: TrafficSplit, want: TrafficSplit): boolean {
  return equalRules(observed.rules, want.rules) && sameJson(observed.mirror, want.mirror);
}

/** True when the data plane serves exactly `want` (same versions, weight, bucketing salt, rules and mirror). */
export function sameSplit(observed: ObservedSplit, want: TrafficSplit): boolean {
  return (
    observed.stable === want.stable &&
    observed.canary === want.canary &&
    observed.weight === want.weight &&
    (want.canary === undefined || observed.salt === want.salt) &&
    sameRulesAndMirror(observed, want)
  );
}
