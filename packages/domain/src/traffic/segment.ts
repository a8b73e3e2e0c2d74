import type { Condition, ConditionSpec, RouteRule, RouteRuleSpec } from './routing.js';

/** A reusable, named set of request conditions ("internal testers", "EU mobile users"). */
export interface SegmentSpec {
  /** ANDed; several alternatives are one `anyOf` condition. Never names another segment. */
  readonly match: readonly Condition[];
}

/** Segment as stored. */
export interface Segment {
  readonly name: string;
  readonly spec: SegmentSpec;
  /** Optimistic-concurrency version; 0 before the first save. */
  readonly version: number;
}

/** The condition that never holds: a rule naming a segment that no longer exists matches nobody. */
export const NEVER: Condition = Object.freeze({ kind: 'anyOf', groups: Object.freeze([]) });

/** A segment as one condition for a data plane: its match list, inlined as `anyOf`. */
export function segmentCondition(segment: Segment): Condition {
  const [only] = segment.spec.match;
  if (segment.spec.match.length === 1 && only?.kind === 'anyOf') return only;
  return { kind: 'anyOf', groups: [segment.spec.match] };
}

/** Replaces every segment reference with the segment's conditions (NEVER when it does not exist). */
export function resolveConditions(conditions: readonly ConditionSpec[], segments: (name: string) => Segment | undefined): Condition[] {
  return conditions.map((condition): Condition => {
    if (condition.kind === 'segment') {
      const segment = segments(condition.segment);
      return segment === undefined ? NEVER : segmentCondition(segment);
    }
    if (condition.kind === 'anyOf') return { kind: 'anyOf', groups: condition.groups.map((g) => resolveConditions(g, segments)) };
    return condition;
  });
}

/** A rule as a data plane gets it: the same name and action, its segments inlined. */
export function resolveRule(rule: RouteRuleSpec, segments: (name: string) => Segment | undefined): RouteRule {
  return { name: rule.name, conditions: resolveConditions(rule.conditions, segments), action: rule.action };
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
