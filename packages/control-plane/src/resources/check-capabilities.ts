import type { Problem } from '@sluice/domain';
import { stepFieldPath, type ParsedResource } from '@sluice/spec';

/** What the configured data plane can do, as far as specs are concerned. */
export type DataPlaneCapability = 'weights' | 'sticky' | 'header-match' | 'source-match' | 'mirror';

/**
 * Rejects specs the configured data plane cannot serve, before anything runs: a rollout must never
 * record a step as done on a data plane that ignores it.
 */
export function capabilityProblems(resources: readonly ParsedResource[], capabilities: ReadonlySet<string>, router: string): Problem[] {
  const problems: Problem[] = [];
  const noSource = !capabilities.has('source-match');
  const sourceProblem = (r: ParsedResource, path: readonly (string | number)[]) =>
    at(r, path, `the ${router} data plane cannot match on the client address (sourceCidr)`, 'conditions on headers, cookies, query, method or path, or a data plane with source-match (builtin, nginx)');
  for (const r of resources) {
    if (r.kind === 'Service' && (r.spec.routes?.length ?? 0) > 0 && !capabilities.has('header-match')) {
      problems.push(at(r, ['spec', 'routes'], `the ${router} data plane cannot route by request attributes`, 'a data plane with header-match'));
    }
    if (r.kind === 'Service' && noSource) {
      r.spec.routes?.forEach((route, i) => (usesSource(route.conditions) ? problems.push(sourceProblem(r, ['spec', 'routes', i])) : undefined));
    }
    if (r.kind === 'Segment' && noSource && usesSource(r.spec.match)) problems.push(sourceProblem(r, ['spec', 'match']));
    if (r.kind !== 'Rollout') continue;
    r.spec.strategy.steps.forEach((step, i) => {
      const needs = step.kind === 'setMirror' ? 'mirror' : step.kind === 'setHeaderRoute' || step.kind === 'setSegmentRoute' ? 'header-match' : undefined;
      if (needs !== undefined && !capabilities.has(needs)) {
        problems.push(at(r, stepFieldPath(r.spec, i), `the ${router} data plane does not support ${step.kind} yet`, `a data plane with the "${needs}" capability, or no ${step.kind} step`));
      }
      if (noSource && step.kind === 'setHeaderRoute' && usesSource(step.match ?? [])) problems.push(sourceProblem(r, stepFieldPath(r.spec, i)));
    });
  }
  return problems;
}

type AnyCondition = { readonly kind: string; readonly groups?: readonly (readonly AnyCondition[])[] };

/** Whether any condition, nested in anyOf groups too, matches on the client address. */
function usesSource(conditions: readonly AnyCondition[]): boolean {
  return conditions.some((c) => c.kind === 'sourceCidr' || (c.kind === 'anyOf' && (c.groups ?? []).some(usesSource)));
}

function at(r: ParsedResource, path: readonly (string | number)[], message: string, expected: string): Problem {
  const pos = r.source.locate(path);
  const dotted = path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
  return { file: r.source.file, ...(pos ?? {}), path: dotted, message, expected };
}
