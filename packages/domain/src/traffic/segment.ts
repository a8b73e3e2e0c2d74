import type { FlagState } from '../flags/model.js';
import type { AnyOfCondition, BasicCondition, Condition, ConditionSpec, FlagConditionSpec, RouteRule, RouteRuleSpec } from './routing.js';

/**
 * The state a data plane evaluates flag `name` of `environment` with: the flag compiled for the
 * environment, its prerequisites and the segments they use; undefined when the flag does not exist.
 */
export type FlagStateLookup = (name: string, environment: string) => FlagState | undefined;

/** A reusable, named set of request conditions ("internal testers", "EU mobile users"). */
export interface SegmentSpec {
  /** ANDed; several alternatives are one `anyOf` condition. Never names another segment. */
  readonly match: readonly SegmentCondition[];
}

/** A condition a segment may hold: anything but a segment reference (so segments never form cycles). */
export type SegmentCondition = BasicCondition | FlagConditionSpec | AnyOfCondition<SegmentCondition>;

/** Segment as stored. */
export interface Segment {
  readonly name: string;
  readonly spec: SegmentSpec;
  /** Optimistic-concurrency version; 0 before the first save. */
  readonly version: number;
}

/** The condition that never holds: a rule naming a segment that no longer exists matches nobody. */
export const NEVER: Condition = Object.freeze({ kind: 'anyOf', groups: Object.freeze([]) });

/** A segment as one condition: its match list as `anyOf` (its flag conditions still by name). */
export function segmentCondition(segment: Segment): SegmentCondition {
  const [only] = segment.spec.match;
  if (segment.spec.match.length === 1 && only?.kind === 'anyOf') return only;
  return { kind: 'anyOf', groups: [segment.spec.match] };
}

const noFlags: FlagStateLookup = () => undefined;

/**
 * Replaces every segment reference with the segment's conditions and every flag condition with one
 * carrying the flag's state (NEVER when the segment or flag does not exist).
 */
export function resolveConditions(
  conditions: readonly ConditionSpec[],
  segments: (name: string) => Segment | undefined,
  flags: FlagStateLookup = noFlags,
): Condition[] {
  return conditions.map((condition): Condition => {
    if (condition.kind === 'segment') {
      const segment = segments(condition.segment);
      return segment === undefined ? NEVER : (resolveConditions([segmentCondition(segment)], segments, flags)[0] ?? NEVER);
    }
    if (condition.kind === 'flag') {
      const state = flags(condition.flag, condition.environment);
      if (state === undefined) return NEVER;
      const { flag, environment, variant } = condition;
      return variant === undefined ? { kind: 'flag', flag, environment, state } : { kind: 'flag', flag, environment, variant, state };
    }
    if (condition.kind === 'anyOf') return { kind: 'anyOf', groups: condition.groups.map((g) => resolveConditions(g, segments, flags)) };
    return condition;
  });
}

/** A rule as a data plane gets it: the same name and action, its segments and flags inlined. */
export function resolveRule(rule: RouteRuleSpec, segments: (name: string) => Segment | undefined, flags: FlagStateLookup = noFlags): RouteRule {
  return { name: rule.name, conditions: resolveConditions(rule.conditions, segments, flags), action: rule.action };
}

/** Names of the segments the conditions refer to, in order of first mention. */
export function referencedSegments(conditions: readonly ConditionSpec[]): string[] {
  const names = new Set<string>();
  const visit = (list: readonly ConditionSpec[]): void => {
    for (const c of list) {
      if (c.kind === 'segment') names.add(c.segment);
      else if (c.kind === 'anyOf') c.groups.forEach(visit);
    }
  };
  visit(conditions);
  return [...names];
}
