import type { Problem } from '@sluice/domain';
import { stepFieldPath, type ParsedResource } from '@sluice/spec';

/** What the configured data plane can do, as far as specs are concerned. */
export type DataPlaneCapability = 'weights' | 'sticky' | 'header-match' | 'mirror';

/**
 * Rejects specs the configured data plane cannot serve, before anything runs: a rollout must never
 * record a step as done on a data plane that ignores it.
 */
export function capabilityProblems(resources: readonly ParsedResource[], capabilities: ReadonlySet<string>, router: string): Problem[] {
  const problems: Problem[] = [];
  for (const r of resources) {
    if (r.kind === 'Service' && (r.spec.routes?.length ?? 0) > 0 && !capabilities.has('header-match')) {
      problems.push(at(r, ['spec', 'routes'], `the ${router} data plane cannot route by request attributes`, 'a data plane with header-match'));
    }
    if (r.kind !== 'Rollout') continue;
    r.spec.strategy.steps.forEach((step, i) => {
      const needs = step.kind === 'setMirror' ? 'mirror' : step.kind === 'setHeaderRoute' || step.kind === 'setSegmentRoute' ? 'header-match' : undefined;
      if (needs !== undefined && !capabilities.has(needs)) {
        problems.push(at(r, stepFieldPath(r.spec, i), `the ${router} data plane does not support ${step.kind} yet`, `a data plane with the "${needs}" capability, or no ${step.kind} step`));
      }
    });
  }
  return problems;
}

function at(r: ParsedResource, path: readonly (string | number)[], message: string, expected: string): Problem {
  const pos = r.source.locate(path);
  const dotted = path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
  return { file: r.source.file, ...(pos ?? {}), path: dotted, message, expected };
}
