import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GATE, type AnalysisTemplateSpec, type RolloutSpec, type ServiceSpec, type TargetSpec } from '@sluice/domain';
import { checkReferences } from './check-references.js';
import { parseResources } from './parse-resources.js';
import { stepFieldPath } from './strategy-paths.js';
import { positionOf } from './testing/positions.js';
import { assertProblem, onlyProblem, problemsOf } from './testing/problems.js';

const target = (name: string, labels: string) =>
  `apiVersion: sluice.dev/v1\nkind: Target\nmetadata: { name: ${name} }\nspec:\n  labels: ${labels}\n  dataPlane: { builtin: { services: { shop: { listen: 127.0.0.1:0 } } } }\n`;

/** A Rollout of shop to v2 whose strategy is the given lines (indented under `strategy:`). */
function rollout(strategy: string): string {
  return `apiVersion: sluice.dev/v1\nkind: Rollout\nmetadata: { name: shop-v2 }\nspec:\n  service: shop\n  target: v2\n  strategy:\n${strategy}`;
}

const THREE_WAVES = rollout(`    waves:
      waves:
        - name: first-cluster
          selector: { matchLabels: { region: eu, cluster: 1 } }
          steps: [ { setWeight: 10 }, { pause: { duration: 30s } }, { setWeight: 100 } ]
          bakeTime: 1m
          gate: { approval: { approvers: [alice] } }
        - name: region-eu
          selector: { matchLabels: { region: eu } }
          switch: true
          maxConcurrent: 2
          gate: { analysis: { templates: [health], duration: 1m } }
        - name: everyone
          selector: { matchLabels: {} }
          switch: true
`);

const FLEET = `${target('eu-1', '{ region: eu, cluster: 1 }')}---\n${target('eu-2', '{ region: eu, cluster: "2" }')}---\n${target('us-1', '{ region: us }')}`;

const shop: ServiceSpec = {
  listen: '127.0.0.1:0',
  stickiness: { cookie: 'c' },
  stable: 'v1',
  versions: { v1: { kind: 'upstreams', upstreams: ['http://127.0.0.1:9'] }, v2: { kind: 'upstreams', upstreams: ['http://127.0.0.1:9'] } },
};

const health: AnalysisTemplateSpec = {
  args: [],
  metrics: [{ name: 'm', provider: { kind: 'builtin' }, query: 'error-rate', judge: { kind: 'threshold', successCondition: 'result < 1' }, timeoutMs: 1000, retries: 0, intervalMs: 1000, gate: { ...DEFAULT_GATE, count: 0 } }],
};
const templates = new Map([['health', health]]);

describe('parseResources: Target', () => {
  test('parseResources reads a Target: labels as text, a built-in data plane with a listener per service', () => {
    const [parsed] = parseResources(target('eu-1', '{ region: eu, cluster: 1 }'), { file: 'fleet.yaml' });
    assert.equal(parsed?.kind, 'Target');
    assert.deepEqual(parsed?.spec, { labels: { region: 'eu', cluster: '1' }, dataPlane: { kind: 'builtin', services: { shop: { listen: '127.0.0.1:0' } } } });
  });

  test('a Target without a data plane kind, or with a bad listen address, is refused with positions', () => {
    const text = 'apiVersion: sluice.dev/v1\nkind: Target\nmetadata: { name: eu-1 }\nspec:\n  dataPlane: { builtin: { services: { shop: { listen: "nowhere" } } } }\n';
    assertProblem(onlyProblem(problemsOf(text)), { ...positionOf(text, '"nowhere"'), path: 'spec.dataPlane.builtin.services.shop.listen', message: /invalid listen address/ });
    const empty = 'apiVersion: sluice.dev/v1\nkind: Target\nmetadata: { name: eu-1 }\nspec:\n  dataPlane: {}\n';
    assertProblem(onlyProblem(problemsOf(empty)), { ...positionOf(empty, '{}'), path: 'spec.dataPlane', message: /exactly one of builtin/ });
  });
});

describe('parseResources: waves', () => {
  test('parseResources expands waves into wave, bake and gate steps', () => {
    const spec = parseResources(THREE_WAVES, { file: 'shop.yaml' })[0]?.spec as RolloutSpec;
    assert.equal(spec.strategy.kind, 'waves');
    assert.deepEqual(spec.strategy.steps, [
      { kind: 'wave', wave: 0, name: 'first-cluster' },
      { kind: 'pause', durationMs: 60_000 },
      { kind: 'approval', approvers: ['alice'] },
      { kind: 'wave', wave: 1, name: 'region-eu' },
      { kind: 'analysis', templates: ['health'], args: {}, durationMs: 60_000 },
      { kind: 'wave', wave: 2, name: 'everyone' },
    ]);
    const waves = spec.strategy.kind === 'waves' ? spec.strategy.waves.waves : [];
    assert.deepEqual(waves[0]?.selector, { matchLabels: { region: 'eu', cluster: '1' } });
    assert.deepEqual(waves[0]?.steps, [{ kind: 'setWeight', weight: 10 }, { kind: 'pause', durationMs: 30_000 }, { kind: 'setWeight', weight: 100 }]);
    assert.deepEqual(waves[1]?.steps, [{ kind: 'setWeight', weight: 100 }]);
    assert.equal(waves[1]?.switch, true);
    assert.equal(waves[1]?.maxConcurrent, 2);
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((i) => stepFieldPath(spec, i).join('.')), [
      'spec.strategy.waves.waves.0',
      'spec.strategy.waves.waves.0.bakeTime',
      'spec.strategy.waves.waves.0.gate.approval',
      'spec.strategy.waves.waves.1',
      'spec.strategy.waves.waves.1.gate.analysis',
      'spec.strategy.waves.waves.2',
    ]);
  });

  test('a wave with both steps and switch, a pause without a duration, and steps not ending at 100 are refused at their fields', () => {
    const text = rollout(`    waves:
      waves:
        - { name: a, selector: { matchLabels: {} }, steps: [ { setWeight: 100 } ], switch: true }
        - { name: b, selector: { matchLabels: {} }, steps: [ { setWeight: 10 }, { pause: {} }, { setWeight: 100 } ] }
        - { name: c, selector: { matchLabels: {} }, steps: [ { setWeight: 50 } ] }
`);
    const problems = problemsOf(text);
    assert.equal(problems.length, 3, problems.map((p) => p.message).join('\n'));
    assertProblem(problems[0] ?? { message: 'none' }, { ...positionOf(text, '{ name: a'), path: 'spec.strategy.waves.waves[0]', message: /a wave must have exactly one of steps, switch/ });
    assertProblem(problems[1] ?? { message: 'none' }, { ...positionOf(text, '{}', 2), path: 'spec.strategy.waves.waves[1].steps[1].pause', message: /needs a duration/ });
    assertProblem(problems[2] ?? { message: 'none' }, { ...positionOf(text, '[ { setWeight: 50 } ]'), path: 'spec.strategy.waves.waves[2].steps', message: /must end with setWeight: 100/ });
  });

  test('two waves with one name are refused at the second name', () => {
    const text = rollout('    waves:\n      waves:\n        - { name: a, selector: { matchLabels: {} }, switch: true }\n        - { name: a, selector: { matchLabels: {} }, switch: true }\n');
    assertProblem(onlyProblem(problemsOf(text)), { ...positionOf(text, 'a,', 1), path: 'spec.strategy.waves.waves[1].name', message: /wave name "a" is used twice/ });
  });
});

describe('checkReferences: waves', () => {
  const fleet = (text: string) => parseResources(text, { file: 'fleet.yaml' });
  const stored = (): ReadonlyMap<string, TargetSpec> => new Map(fleet(FLEET).flatMap((r) => (r.kind === 'Target' ? [[r.name, r.spec] as const] : [])));

  test('overlapping selectors are fine: the first wave wins, and every wave still selects a target', () => {
    const problems = checkReferences(parseResources(THREE_WAVES, { file: 'shop.yaml' }), { services: new Map([['shop', shop]]), targets: stored() }, templates);
    assert.deepEqual(problems, []);
  });

  test('Targets in the same apply count, as stored ones do', () => {
    const problems = checkReferences(parseResources(`${FLEET}---\n${THREE_WAVES}`, { file: 'shop.yaml' }), { services: new Map([['shop', shop]]), targets: new Map() }, templates);
    assert.deepEqual(problems, []);
  });

  test('a selector with labels no target has is an error at the selector naming the wave', () => {
    const text = rollout('    waves:\n      waves:\n        - { name: canary-zone, selector: { matchLabels: { zone: mars } }, switch: true }\n');
    const problems = checkReferences(parseResources(text, { file: 'shop.yaml' }), { services: new Map([['shop', shop]]), targets: stored() });
    assertProblem(onlyProblem(problems), {
      ...positionOf(text, '{ matchLabels: { zone: mars } }'),
      path: 'spec.strategy.waves.waves[0].selector',
      message: /wave "canary-zone" selects no target: no Target serving service "shop" has the labels zone=mars/,
      found: 'zone=mars',
      expected: /eu-1 \{region=eu, cluster=1\}/,
    });
  });

  test('a wave whose targets an earlier wave took selects nothing and is reported', () => {
    const text = rollout('    waves:\n      waves:\n        - { name: all, selector: { matchLabels: {} }, switch: true }\n        - { name: eu, selector: { matchLabels: { region: eu } }, switch: true }\n');
    const problems = checkReferences(parseResources(text, { file: 'shop.yaml' }), { services: new Map([['shop', shop]]), targets: stored() });
    assertProblem(onlyProblem(problems), { ...positionOf(text, '{ matchLabels: { region: eu } }'), path: 'spec.strategy.waves.waves[1].selector', message: /wave "eu" selects no target: every target it matches \(eu-1, eu-2\) is taken by an earlier wave/ });
  });
});
