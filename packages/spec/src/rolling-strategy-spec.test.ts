import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RolloutSpec, ServiceSpec } from '@sluice/domain';
import { checkReferences } from './check-references.js';
import { parseResources } from './parse-resources.js';
import { resourceJsonSchema } from './resource-json-schema.js';
import { assertProblem, onlyProblem, problemsOf } from './testing/problems.js';

/** A Rollout of shop to v2 with the given `strategy:` value; `rolling` is on line 5, its fields on line 6. */
function rollout(strategyLines: string): string {
  return ['apiVersion: sluice.dev/v1', 'kind: Rollout', 'metadata: { name: shop-v2 }', 'spec:', '  strategy:', strategyLines, '  service: shop', '  target: v2'].join('\n');
}

const parse = (text: string) => parseResources(text, { file: 'shop.yaml' });
const strategyOf = (text: string) => (parse(text)[0]?.spec as RolloutSpec).strategy;

const RUN = { kind: 'run', run: { command: 'app', env: {}, replicas: 3, readiness: { path: '/', intervalMs: 1000, timeoutMs: 1000 }, gracePeriodMs: 1000 } } as const;
const UPSTREAMS = { kind: 'upstreams', upstreams: ['http://127.0.0.1:9'] } as const;
function shop(v1: ServiceSpec['versions'][string], v2: ServiceSpec['versions'][string]): ServiceSpec {
  return { listen: '127.0.0.1:0', stickiness: { cookie: 'c' }, stable: 'v1', versions: { v1, v2 } };
}

describe('spec.strategy.rolling', () => {
  test('maxSurge and maxUnavailable are kept and expand to one rollingBatches step', () => {
    const strategy = strategyOf(rollout('    rolling: { maxSurge: 1, maxUnavailable: 0 }'));
    assert.deepEqual(strategy, { kind: 'rolling', rolling: { maxSurge: 1, maxUnavailable: 0 }, steps: [{ kind: 'rollingBatches', maxSurge: 1, maxUnavailable: 0 }] });
  });

  test('left out, they take run.rollingUpdate\'s defaults (25 % and 25 %)', () => {
    const strategy = strategyOf(rollout('    rolling: {}'));
    assert.equal(strategy.kind, 'rolling');
    assert.deepEqual(strategy.kind === 'rolling' ? strategy.rolling : undefined, { maxSurge: '25%', maxUnavailable: '25%' });
  });

  test('the value forms are run.rollingUpdate\'s: a bad maxSurge is reported where it is written', () => {
    const problem = onlyProblem(problemsOf(rollout('    rolling:\n      maxSurge: "150%"')));
    assertProblem(problem, { line: 7, col: 17, path: 'spec.strategy.rolling.maxSurge', message: /invalid maxSurge/, expected: /an integer from 0 to 100 or a percentage/ });
  });

  test('progressDeadline belongs to the Rollout, not to the strategy', () => {
    const problem = onlyProblem(problemsOf(rollout('    rolling: { progressDeadline: 30s }')));
    assert.match(problem.path ?? '', /spec\.strategy\.rolling/);
  });

  test('apply refuses a rolling rollout whose target has fixed upstreams, at spec.strategy.rolling', () => {
    const existing = { services: new Map([['shop', shop(RUN, UPSTREAMS)]]) };
    const problem = onlyProblem(checkReferences(parse(rollout('    rolling: { maxSurge: 1 }')), existing));
    assertProblem(problem, { line: 6, col: 14, path: 'spec.strategy.rolling', message: /the target "v2" of service "shop" has fixed upstreams/, found: 'versions.v2.upstreams', expected: /declared with run/ });
  });

  test('and one whose stable version has fixed upstreams; two run versions are accepted', () => {
    const problem = onlyProblem(checkReferences(parse(rollout('    rolling: {}')), { services: new Map([['shop', shop(UPSTREAMS, RUN)]]) }));
    assert.match(problem.message, /the stable version "v1"/);
    assert.deepEqual(checkReferences(parse(rollout('    rolling: {}')), { services: new Map([['shop', shop(RUN, RUN)]]) }), []);
  });

  test('the JSON Schema describes rolling with maxSurge and maxUnavailable only', () => {
    const rolloutSchema = (resourceJsonSchema() as { oneOf: { properties: Record<string, any> }[] }).oneOf[1];
    const rolling = rolloutSchema?.properties['spec'].properties.strategy.properties.rolling;
    assert.deepEqual(Object.keys(rolling.properties), ['maxSurge', 'maxUnavailable']);
    assert.equal(rolling.additionalProperties, false);
  });
});
