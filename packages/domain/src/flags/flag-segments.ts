/**
 * Segments are shared by traffic routes and flags. A segment's request conditions become flag
 * constraints on the context field of the same name: header `x-plan` → context `x-plan`, cookie
 * `beta` → context `beta`, query `channel` → context `channel`, `sourceCidr` → `remoteAddress` IN_CIDR.
 * Path and method conditions, and alternatives (`anyOf` with several groups), have no flag
 * equivalent: such a segment can serve routes but not flags.
 */
import type { BasicCondition, StringMatch } from '../traffic/routing.js';
import type { Segment, SegmentCondition } from '../traffic/segment.js';
import type { ConstraintDefinition } from './model.js';

export type SegmentTranslation =
  | { readonly ok: true; readonly constraints: ConstraintDefinition[] }
  | { readonly ok: false; readonly problem: string };

function constraint(contextName: string, operator: string, values: readonly string[] | undefined, value?: string): ConstraintDefinition {
  return { contextName, operator, inverted: false, caseInsensitive: false, ...(values ? { values: [...values] } : {}), ...(value !== undefined ? { value } : {}) };
}

function fromMatch(contextName: string, match: StringMatch): ConstraintDefinition {
  if ('exact' in match) return constraint(contextName, 'IN', [match.exact]);
  if ('in' in match) return constraint(contextName, 'IN', match.in);
  if ('prefix' in match) return constraint(contextName, 'STR_STARTS_WITH', [match.prefix]);
  // Routes anchor their regexes; Unleash's REGEX searches, so anchor it the same way.
  return constraint(contextName, 'REGEX', undefined, `^(?:${match.regex})$`);
}

function fromBasic(condition: BasicCondition): ConstraintDefinition | string {
  switch (condition.kind) {
    case 'header':
    case 'cookie':
    case 'query':
      return fromMatch(condition.name, condition.match);
    case 'sourceCidr':
      return constraint('remoteAddress', 'IN_CIDR', condition.cidrs);
    case 'pathPrefix':
      return 'a pathPrefix condition (flags are evaluated without a request path)';
    case 'method':
      return 'a method condition (flags are evaluated without a request method)';
  }
}

function translate(conditions: readonly SegmentCondition[], out: ConstraintDefinition[]): string | undefined {
  for (const condition of conditions) {
    if (condition.kind === 'anyOf') {
      const [only] = condition.groups;
      if (condition.groups.length !== 1 || only === undefined) return 'an anyOf condition with several alternatives (flag segments are one list of constraints that must all hold)';
      const problem = translate(only, out);
      if (problem !== undefined) return problem;
      continue;
    }
    if (condition.kind === 'flag') return 'a flag condition (flags cannot depend on flags through segments; use prerequisites)';
    const translated = fromBasic(condition);
    if (typeof translated === 'string') return translated;
    out.push(translated);
  }
  return undefined;
}

/** The segment's conditions as flag constraints, or why it cannot be used by a flag. */
export function segmentToConstraints(segment: Segment): SegmentTranslation {
  const constraints: ConstraintDefinition[] = [];
  const problem = translate(segment.spec.match, constraints);
  return problem === undefined ? { ok: true, constraints } : { ok: false, problem: `segment "${segment.name}" has ${problem}` };
}
