import type { AnalysisRef, AnalysisTemplateSpec, Problem } from '@sluice/domain';
import type { ParsedResource } from './parse-resources.js';
import { describeValue, problemAt } from './problem-at.js';
import type { FieldPath, SourceMap } from './source-map.js';
import { stepFieldPath } from './strategy-paths.js';

type RolloutResource = Extract<ParsedResource, { kind: 'Rollout' }>;

/**
 * A Rollout's references to AnalysisTemplates, from its analysis steps (a blue-green strategy's pre- and
 * post-promotion analysis among them) and its background analysis:
 * every template exists (`templates`: stored ones, replaced by those of the same apply), every argument
 * without a default is given, every argument given is declared by one of the templates, and an
 * analysis step without a duration ends (each of its metrics has a count).
 */
export function analysisReferenceProblems(rollout: RolloutResource, templates: ReadonlyMap<string, AnalysisTemplateSpec>): Problem[] {
  const problems: Problem[] = [];
  rollout.spec.strategy.steps.forEach((step, k) => {
    if (step.kind !== 'analysis') return;
    const base = stepFieldPath(rollout.spec, k);
    const used = refProblems(rollout.source, step, base, templates, problems);
    if (step.durationMs === undefined) problems.push(...neverEnds(rollout.source, base, used));
  });
  const background = rollout.spec.analysis?.background;
  if (background) refProblems(rollout.source, background, ['spec', 'strategy', 'canary', 'analysis'], templates, problems);
  return problems;
}

interface UsedTemplate {
  readonly name: string;
  readonly spec: AnalysisTemplateSpec;
}

/** Pushes the problems of one analysis's references; returns the templates that exist. */
function refProblems(
  source: SourceMap,
  ref: AnalysisRef,
  base: FieldPath,
  templates: ReadonlyMap<string, AnalysisTemplateSpec>,
  problems: Problem[],
): UsedTemplate[] {
  const used: UsedTemplate[] = [];
  ref.templates.forEach((name, j) => {
    const spec = templates.get(name);
    if (spec) {
      used.push({ name, spec });
      return;
    }
    const known = [...templates.keys()];
    problems.push(
      problemAt(source, [...base, 'templates', j], `AnalysisTemplate "${name}" does not exist`, {
        found: describeValue(name),
        expected:
          known.length === 0
            ? 'the name of an AnalysisTemplate applied before or in the same file (there are none)'
            : `the name of an AnalysisTemplate applied before or in the same file: one of ${known.slice(0, 20).join(', ')}`,
      }),
    );
  });
  for (const { name, spec } of used) {
    const missing = spec.args.filter((arg) => arg.value === undefined && !Object.hasOwn(ref.args, arg.name)).map((arg) => arg.name);
    if (missing.length === 0) continue;
    const listed = missing.map((m) => `"${m}"`).join(', ');
    problems.push(
      problemAt(source, [...base, 'args'], `AnalysisTemplate "${name}" needs argument${missing.length === 1 ? '' : 's'} ${listed}, which ${missing.length === 1 ? 'has' : 'have'} no default`, {
        expected: `args with ${missing.map((m) => `${m}: "…"`).join(', ')}`,
      }),
    );
  }
  if (used.length === ref.templates.length) problems.push(...undeclaredArgs(source, ref, base, used));
  return used;
}

/** Arguments given that none of the templates declares: most likely a misspelt name. */
function undeclaredArgs(source: SourceMap, ref: AnalysisRef, base: FieldPath, used: readonly UsedTemplate[]): Problem[] {
  const declared = [...new Set(used.flatMap((t) => t.spec.args.map((arg) => arg.name)))];
  const names = used.map((t) => `"${t.name}"`).join(', ');
  return Object.keys(ref.args)
    .filter((arg) => !declared.includes(arg))
    .map((arg) =>
      problemAt(source, [...base, 'args', arg], `argument "${arg}" is not declared by AnalysisTemplate${used.length === 1 ? '' : 's'} ${names}`, {
        found: describeValue(arg),
        expected: declared.length === 0 ? 'no args: the templates declare none' : `one of: ${declared.join(', ')}`,
      }),
    );
}

/** An analysis step without a duration ends only when every metric has a count. */
function neverEnds(source: SourceMap, base: FieldPath, used: readonly UsedTemplate[]): Problem[] {
  const endless = used.flatMap((t) => t.spec.metrics.filter((m) => m.gate.count === 0).map((m) => ({ template: t.name, metric: m.name })));
  const first = endless[0];
  if (first === undefined) return [];
  const which =
    endless.length === 1
      ? `metric "${first.metric}" of AnalysisTemplate "${first.template}" has`
      : `metrics ${endless.map((e) => `"${e.template}/${e.metric}"`).join(', ')} have`;
  return [
    problemAt(source, base, `analysis step never ends: ${which} count 0 (measure until the step ends) and the step has no duration; give the step a duration or the metric a count`, {
      expected: 'a duration on the step, e.g. { templates: [...], duration: 5m }, or a count on every metric of its templates',
    }),
  ];
}
