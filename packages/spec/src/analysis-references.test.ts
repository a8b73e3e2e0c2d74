import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GATE } from '@sluice/domain';
import type { AnalysisMetric, AnalysisTemplateSpec, ServiceSpec } from '@sluice/domain';
import { checkReferences } from './check-references.js';
import { parseResources } from './parse-resources.js';
import { ANALYSIS_YAML } from './testing/analysis-example.js';
import { positionOf } from './testing/positions.js';
import { assertProblem, onlyProblem } from './testing/problems.js';

const shop: ServiceSpec = {
  listen: '127.0.0.1:0',
  stickiness: { cookie: 'c' },
  stable: 'v1',
  versions: { v1: { kind: 'upstreams', upstreams: ['http://127.0.0.1:9'] }, v2: { kind: 'upstreams', upstreams: ['http://127.0.0.1:9'] } },
};
const existing = { services: new Map([['shop', shop]]) };

function metric(name: string, count: number): AnalysisMetric {
  return { name, provider: { kind: 'builtin' }, query: 'error-rate', judge: { kind: 'threshold', successCondition: 'result < 1' }, timeoutMs: 1000, retries: 0, intervalMs: 1000, gate: { ...DEFAULT_GATE, count } };
}
/** A stored template: `args` are [name, default?] pairs. */
function stored(args: [string, string?][], counts: number[] = [5]): AnalysisTemplateSpec {
  return {
    args: args.map(([name, value]) => (value === undefined ? { name } : { name, value })),
    metrics: counts.map((count, i) => metric(`m${i}`, count)),
  };
}

/** A Rollout of shop whose steps (one line each) start at line 10; `canary` lines go before them. */
function rollout(steps: string, canary = ''): string {
  const head = 'apiVersion: sluice.dev/v1\nkind: Rollout\nmetadata: { name: r }\nspec:\n  service: shop\n  target: v2\n';
  return `${head}  strategy:\n    canary:\n${canary}      steps:\n${steps}`;
}
const parse = (text: string) => parseResources(text, { file: 'r.yaml' });
const STEP = 'spec.strategy.canary.steps[0].analysis';

/** The one problem checkReferences finds, checked to be at `needle` in `text`. */
function problemAt(
  text: string,
  templates: ReadonlyMap<string, AnalysisTemplateSpec> | undefined,
  needle: string,
  want: { path: string; message: RegExp; found?: string; expected?: string | RegExp },
) {
  assertProblem(onlyProblem(checkReferences(parse(text), existing, templates)), { file: 'r.yaml', ...positionOf(text, needle), ...want });
}

describe('checkReferences on AnalysisTemplates', () => {
  test('checkReferences accepts the example, whose templates are in the same file', () => {
    assert.deepEqual(checkReferences(parse(ANALYSIS_YAML), { services: new Map() }), []);
  });

  test('checkReferences finds stored templates, and without them reports each unknown name at its position', () => {
    const text = rollout('        - analysis: { templates: [a, b], duration: 1m }\n');
    assert.deepEqual(checkReferences(parse(text), existing, new Map([['a', stored([])], ['b', stored([])]])), []);
    problemAt(text, new Map([['a', stored([])]]), 'b]', {
      path: `${STEP}.templates[1]`,
      message: /^AnalysisTemplate "b" does not exist$/,
      found: '"b"',
      expected: 'the name of an AnalysisTemplate applied before or in the same file: one of a',
    });
    const problems = checkReferences(parse(text), existing);
    assert.deepEqual(problems.map((p) => [p.path, p.expected]), [
      [`${STEP}.templates[0]`, 'the name of an AnalysisTemplate applied before or in the same file (there are none)'],
      [`${STEP}.templates[1]`, 'the name of an AnalysisTemplate applied before or in the same file (there are none)'],
    ]);
  });

  test('checkReferences checks the templates of background analysis too', () => {
    const text = rollout('        - setWeight: 5\n', '      analysis: { templates: [missing] }\n');
    problemAt(text, new Map([['a', stored([])]]), 'missing', { path: 'spec.strategy.canary.analysis.templates[0]', message: /^AnalysisTemplate "missing" does not exist$/ });
  });

  test('checkReferences reports arguments without a default that the step does not give, at its args', () => {
    const templates = new Map([['a', stored([['team'], ['region'], ['max', '0.1']])]]);
    const partial = rollout('        - analysis: { templates: [a], args: { team: x }, duration: 1m }\n');
    problemAt(partial, templates, '{ team', { path: `${STEP}.args`, message: /^AnalysisTemplate "a" needs argument "region", which has no default$/, expected: 'args with region: "…"' });
    const none = rollout('        - analysis: { templates: [a], duration: 1m }\n');
    problemAt(none, templates, '{ templates', { path: `${STEP}.args`, message: /^AnalysisTemplate "a" needs arguments "team", "region", which have no default$/ });
    const background = rollout('        - setWeight: 5\n', '      analysis: { templates: [a], args: { region: eu } }\n');
    problemAt(background, templates, '{ region', { path: 'spec.strategy.canary.analysis.args', message: /needs argument "team"/ });
    const all = rollout('        - analysis: { templates: [a], args: { team: x, region: "1" }, duration: 1m }\n');
    assert.deepEqual(checkReferences(parse(all), existing, templates), []);
  });

  test('checkReferences reports an argument none of the templates declares, at its value', () => {
    const templates = new Map([['a', stored([['max', '1']])], ['b', stored([['min', '0']])]]);
    const text = rollout('        - analysis: { templates: [a, b], args: { min: "1", maks: "2" }, duration: 1m }\n');
    problemAt(text, templates, '"2"', { path: `${STEP}.args.maks`, message: /^argument "maks" is not declared by AnalysisTemplates "a", "b"$/, found: '"maks"', expected: 'one of: max, min' });
  });

  test('checkReferences reports an analysis step without duration whose metrics do not all have a count', () => {
    const templates = new Map([['a', stored([], [3, 0])], ['b', stored([], [2])]]);
    const endless = rollout('        - analysis: { templates: [b, a] }\n');
    problemAt(endless, templates, '{ templates', {
      path: STEP,
      message: /^analysis step never ends: metric "m1" of AnalysisTemplate "a" has count 0 .*give the step a duration or the metric a count$/,
      expected: /a duration on the step/,
    });
    assert.deepEqual(checkReferences(parse(rollout('        - analysis: { templates: [b] }\n')), existing, templates), []);
    assert.deepEqual(checkReferences(parse(rollout('        - analysis: { templates: [a], duration: 5m }\n')), existing, templates), []);
    const background = rollout('        - setWeight: 5\n', '      analysis: { templates: [a] }\n');
    assert.deepEqual(checkReferences(parse(background), existing, templates), []);
  });

  test('checkReferences uses a template of the same apply instead of the stored one', () => {
    const templates = new Map([['success-rate', stored([['team'], ['other']])]]);
    assert.deepEqual(checkReferences(parse(ANALYSIS_YAML), { services: new Map() }, templates), []);
    const rolloutOnly = parse(ANALYSIS_YAML).filter((r) => r.kind !== 'AnalysisTemplate');
    const problems = checkReferences(rolloutOnly, { services: new Map() }, templates);
    assert.deepEqual(problems.map((p) => p.message), [
      'AnalysisTemplate "latency" does not exist',
      'AnalysisTemplate "success-rate" needs argument "other", which has no default',
      'AnalysisTemplate "latency" does not exist',
      'AnalysisTemplate "success-rate" needs argument "other", which has no default',
    ]);
  });
});
