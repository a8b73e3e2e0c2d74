import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GATE, type AnalysisTemplateSpec, type RolloutSpec, type ServiceSpec } from '@sluice/domain';
import { checkReferences } from './check-references.js';
import { parseResources } from './parse-resources.js';
import { resourceJsonSchema } from './resource-json-schema.js';
import { stepFieldPath } from './strategy-paths.js';
import { positionOf } from './testing/positions.js';
import { assertProblem, onlyProblem, problemsOf } from './testing/problems.js';

/** A Rollout of shop to v2 whose strategy is the given lines (indented under `strategy:`). */
function rollout(strategy: string): string {
  return `apiVersion: sluice.dev/v1\nkind: Rollout\nmetadata: { name: shop-v2 }\nspec:\n  service: shop\n  target: v2\n  strategy:\n${strategy}`;
}

const FULL = rollout(`    blueGreen:
      previewRoute: { header: { name: X-Preview, value: 1 } }
      prePromotionAnalysis: { templates: [health], args: { maxErrorRate: "0.01" }, duration: 30s }
      autoPromote: false
      postPromotionAnalysis: { templates: [health] }
      scaleDownDelay: 2m
`);

const specOf = (text: string) => parseResources(text, { file: 'shop.yaml' })[0]?.spec as RolloutSpec;

describe('parseResources: blue-green', () => {
  test('parseResources reads every blueGreen field and expands the steps', () => {
    const spec = specOf(FULL);
    assert.deepEqual(spec.strategy, {
      kind: 'blueGreen',
      blueGreen: {
        previewRoute: { kind: 'header', name: 'x-preview', value: '1' },
        prePromotionAnalysis: { templates: ['health'], args: { maxErrorRate: '0.01' }, durationMs: 30_000 },
        autoPromote: false,
        postPromotionAnalysis: { templates: ['health'], args: {} },
        scaleDownDelayMs: 120_000,
      },
      steps: [
        { kind: 'setHeaderRoute', name: 'preview', match: [{ kind: 'header', name: 'x-preview', match: { exact: '1' } }] },
        { kind: 'analysis', templates: ['health'], args: { maxErrorRate: '0.01' }, durationMs: 30_000 },
        { kind: 'pause' },
        { kind: 'setWeight', weight: 100 },
        { kind: 'analysis', templates: ['health'], args: {} },
      ],
    });
  });

  test('parseResources gives an empty blueGreen the defaults: auto-promote, 30s scale-down delay, one switch step', () => {
    const spec = specOf(rollout('    blueGreen: {}\n'));
    assert.deepEqual(spec.strategy, { kind: 'blueGreen', blueGreen: { autoPromote: true, scaleDownDelayMs: 30_000 }, steps: [{ kind: 'setWeight', weight: 100 }] });
  });

  test('parseResources reads a cookie preview and an auto-promotion delay', () => {
    const spec = specOf(rollout('    blueGreen: { previewRoute: { cookie: { name: preview, value: "yes" } }, autoPromotionDelay: 45s, scaleDownDelay: 0s }\n'));
    assert.deepEqual(spec.strategy.kind === 'blueGreen' && spec.strategy.blueGreen, {
      previewRoute: { kind: 'cookie', name: 'preview', value: 'yes' },
      autoPromote: true,
      autoPromotionDelayMs: 45_000,
      scaleDownDelayMs: 0,
    });
    assert.deepEqual(spec.strategy.steps[1], { kind: 'pause', durationMs: 45_000 });
  });
});

describe('parseResources: blue-green problems', () => {
  test('a strategy with both canary and blueGreen is refused at the strategy', () => {
    const text = rollout('    canary: { steps: [ { setWeight: 5 } ] }\n    blueGreen: {}\n');
    assertProblem(onlyProblem(problemsOf(text)), {
      line: 8,
      col: 5,
      path: 'spec.strategy',
      message: /a strategy must have exactly one of canary, blueGreen/,
      found: 'canary and blueGreen',
    });
  });

  test('an empty strategy names both kinds', () => {
    const problem = onlyProblem(problemsOf(rollout('    {}\n')));
    assert.equal(problem.path, 'spec.strategy');
    assert.equal(problem.found, 'none of them');
  });

  test('a separate preview listener is refused with what to use instead', () => {
    const text = rollout('    blueGreen:\n      previewRoute: { listen: "127.0.0.1:8081" }\n');
    assertProblem(onlyProblem(problemsOf(text)), {
      ...positionOf(text, '"127.0.0.1:8081"'),
      path: 'spec.strategy.blueGreen.previewRoute.listen',
      message: /separate preview listener is not supported: the built-in data plane serves one listen address per service/,
      expected: /header or cookie instead/,
    });
  });

  test('a preview route with header and cookie, or a header without value, is refused', () => {
    const both = rollout('    blueGreen:\n      previewRoute: { header: { name: a, value: "1" }, cookie: { name: b, value: "1" } }\n');
    assertProblem(onlyProblem(problemsOf(both)), { line: 9, col: 21, path: 'spec.strategy.blueGreen.previewRoute', message: /exactly one of header, cookie/, found: 'header and cookie' });
    const noValue = rollout('    blueGreen:\n      previewRoute: { header: { name: x-preview } }\n');
    assertProblem(onlyProblem(problemsOf(noValue)), {
      ...positionOf(noValue, '{ name: x-preview }'),
      path: 'spec.strategy.blueGreen.previewRoute.header.value',
      message: /missing required field "value"/,
    });
  });

  test('autoPromotionDelay beside autoPromote: false is refused at the delay', () => {
    const text = rollout('    blueGreen:\n      autoPromote: false\n      autoPromotionDelay: 30s\n');
    assertProblem(onlyProblem(problemsOf(text)), {
      ...positionOf(text, '30s'),
      path: 'spec.strategy.blueGreen.autoPromotionDelay',
      message: /applies only when autoPromote is true/,
      expected: 'no autoPromotionDelay, or autoPromote: true',
    });
  });

  test('a bad scaleDownDelay and an unknown field are reported with positions', () => {
    const text = rollout('    blueGreen:\n      scaleDownDelay: soon\n      activeService: shop-active\n');
    const problems = problemsOf(text);
    assert.equal(problems.length, 2);
    assertProblem(problems[0] ?? { message: 'none' }, { ...positionOf(text, 'soon'), path: 'spec.strategy.blueGreen.scaleDownDelay', message: /invalid duration/, found: '"soon"', expected: /how long blue keeps running/ });
    assertProblem(problems[1] ?? { message: 'none' }, { ...positionOf(text, 'activeService'), path: 'spec.strategy.blueGreen.activeService', message: /unknown field "activeService"/, expected: /previewRoute, prePromotionAnalysis, autoPromote/ });
  });

  test('pre-promotion analysis has the analysis step shape: an unknown field is refused', () => {
    const text = rollout('    blueGreen:\n      prePromotionAnalysis: { templates: [health], count: 3 }\n');
    assertProblem(onlyProblem(problemsOf(text)), { ...positionOf(text, 'count'), path: 'spec.strategy.blueGreen.prePromotionAnalysis.count', message: /unknown field "count"/ });
  });
});

const shop: ServiceSpec = {
  listen: '127.0.0.1:0',
  stickiness: { cookie: 'c' },
  stable: 'v1',
  versions: { v1: { kind: 'upstreams', upstreams: ['http://127.0.0.1:9'] }, v2: { kind: 'upstreams', upstreams: ['http://127.0.0.1:9'] } },
};
const endless: AnalysisTemplateSpec = {
  args: [],
  metrics: [{ name: 'm', provider: { kind: 'builtin' }, query: 'error-rate', judge: { kind: 'threshold', successCondition: 'result < 1' }, timeoutMs: 1000, retries: 0, intervalMs: 1000, gate: { ...DEFAULT_GATE, count: 0 } }],
};

describe('checkReferences: blue-green analyses', () => {
  test('checkReferences reports a missing template and an analysis that never ends at their blueGreen fields', () => {
    const text = rollout('    blueGreen:\n      prePromotionAnalysis: { templates: [missing], duration: 30s }\n      postPromotionAnalysis: { templates: [health] }\n');
    const problems = checkReferences(parseResources(text, { file: 'shop.yaml' }), { services: new Map([['shop', shop]]) }, new Map([['health', endless]]));
    assert.equal(problems.length, 2);
    assertProblem(problems[0] ?? { message: 'none' }, { ...positionOf(text, 'missing'), path: 'spec.strategy.blueGreen.prePromotionAnalysis.templates[0]', message: /AnalysisTemplate "missing" does not exist/ });
    assertProblem(problems[1] ?? { message: 'none' }, { ...positionOf(text, '{ templates: [health] }'), path: 'spec.strategy.blueGreen.postPromotionAnalysis', message: /never ends/ });
  });

  test('stepFieldPath maps each expanded step to the field it comes from', () => {
    const spec = specOf(FULL);
    assert.deepEqual([0, 1, 2, 3, 4].map((i) => stepFieldPath(spec, i).join('.')), [
      'spec.strategy.blueGreen.previewRoute',
      'spec.strategy.blueGreen.prePromotionAnalysis',
      'spec.strategy.blueGreen.autoPromote',
      'spec.strategy.blueGreen',
      'spec.strategy.blueGreen.postPromotionAnalysis',
    ]);
  });
});

describe('resourceJsonSchema: blue-green', () => {
  test('resourceJsonSchema describes blueGreen, one strategy kind at most, and no preview listener', () => {
    const rolloutSchema = (resourceJsonSchema() as { oneOf: { properties: Record<string, any> }[] }).oneOf[1];
    const strategy = rolloutSchema?.properties['spec'].properties.strategy;
    assert.deepEqual(Object.keys(strategy.properties), ['canary', 'blueGreen', 'waves', 'rolling']);
    assert.equal(strategy.maxProperties, 1);
    const blueGreen = strategy.properties.blueGreen;
    assert.deepEqual(Object.keys(blueGreen.properties), ['previewRoute', 'prePromotionAnalysis', 'autoPromote', 'autoPromotionDelay', 'postPromotionAnalysis', 'scaleDownDelay']);
    assert.equal(blueGreen.additionalProperties, false);
    assert.deepEqual(blueGreen.properties.previewRoute.properties.listen.not, {});
    assert.match(blueGreen.properties.scaleDownDelay.description, /default 30s/);
  });
});
