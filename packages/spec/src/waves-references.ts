import { describeSelector, matchesSelector, servesService } from '@sluice/domain';
import type { Problem, TargetSpec } from '@sluice/domain';
import type { ParsedResource } from './parse-resources.js';
import { problemAt } from './problem-at.js';

type RolloutResource = Extract<ParsedResource, { kind: 'Rollout' }>;

/**
 * A waves rollout's selectors against the Targets (stored, or in the same apply): each wave must
 * select at least one target serving the rollout's service that no earlier wave selected (overlapping
 * selectors are fine: the first wave wins). A wave that would select nothing is reported at its
 * selector, naming the wave.
 */
export function wavesReferenceProblems(rollout: RolloutResource, targets: ReadonlyMap<string, TargetSpec>): Problem[] {
  const { strategy, service } = rollout.spec;
  if (strategy.kind !== 'waves') return [];
  const serving = [...targets].filter(([, spec]) => servesService(spec, service)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const taken = new Set<string>();
  const problems: Problem[] = [];
  strategy.waves.waves.forEach((wave, index) => {
    const matched = serving.filter(([, spec]) => matchesSelector(spec.labels, wave.selector)).map(([name]) => name);
    const fresh = matched.filter((name) => !taken.has(name));
    for (const name of fresh) taken.add(name);
    if (fresh.length > 0) return;
    const why = matched.length > 0 ? `every target it matches (${matched.join(', ')}) is taken by an earlier wave` : `no Target serving service "${service}" has the labels ${describeSelector(wave.selector)}`;
    const expected = serving.length === 0
      ? `a Target with dataPlane.builtin.services.${service}, applied before or in the same file (there are none)`
      : `labels of one of the targets serving ${service}: ${serving.slice(0, 10).map(([name, spec]) => `${name} {${describeSelector({ matchLabels: spec.labels })}}`).join('; ')}`;
    problems.push(problemAt(rollout.source, ['spec', 'strategy', 'waves', 'waves', index, 'selector'], `wave "${wave.name}" selects no target: ${why}`, { found: describeSelector(wave.selector), expected }));
  });
  return problems;
}
