import type { ConditionSpec, Problem } from '@sluice/domain';
import type { ParsedResource } from './parse-resources.js';
import { describeValue, problemAt } from './problem-at.js';
import type { FieldPath } from './source-map.js';

interface FlagReference {
  readonly name: string;
  readonly path: FieldPath;
}

/** Flag conditions of a YAML match list (conditions there are never nested). */
function inMatch(conditions: readonly ConditionSpec[], base: FieldPath): FlagReference[] {
  return conditions.flatMap((c, j) => (c.kind === 'flag' ? [{ name: c.flag, path: [...base, j, 'flag', 'name'] }] : []));
}

/** Every flag a route, routing step or Segment condition names, with the path of its `flag.name` field. */
function flagReferences(resource: ParsedResource): FlagReference[] {
  if (resource.kind === 'Service') {
    return (resource.spec.routes ?? []).flatMap((route, i) => inMatch(route.conditions, ['spec', 'routes', i, 'match']));
  }
  if (resource.kind === 'Segment') {
    const [only] = resource.spec.match;
    // A YAML `anyOf` becomes one anyOf condition; a YAML `match` holds no anyOf.
    if (resource.spec.match.length === 1 && only?.kind === 'anyOf') {
      return only.groups.flatMap((group, g) => inMatch(group, ['spec', 'anyOf', g, 'match']));
    }
    return inMatch(resource.spec.match, ['spec', 'match']);
  }
  if (resource.kind !== 'Rollout') return [];
  return resource.spec.strategy.steps.flatMap((step, k) =>
    step.kind === 'setHeaderRoute' ? inMatch(step.match ?? [], ['spec', 'strategy', 'canary', 'steps', k, 'setHeaderRoute', 'match']) : [],
  );
}

/** A condition naming a flag that neither is stored (`flags`) nor applied in the same request. */
export function flagReferenceProblems(resources: readonly ParsedResource[], stored: ReadonlySet<string>): Problem[] {
  const flags = new Set([...stored, ...resources.filter((r) => r.kind === 'Flag').map((r) => r.name)]);
  return resources.flatMap((resource) =>
    flagReferences(resource)
      .filter((ref) => !flags.has(ref.name))
      .map((ref) =>
        problemAt(resource.source, ref.path, `flag "${ref.name}" does not exist`, {
          found: describeValue(ref.name),
          expected: flags.size === 0 ? 'the name of a Flag applied before or in the same request (there are none)' : `one of: ${[...flags].slice(0, 20).join(', ')}`,
        }),
      ),
  );
}
