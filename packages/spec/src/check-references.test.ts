import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServiceSpec } from '@sluice/domain';
import { checkReferences } from './check-references.js';
import { parseResources } from './parse-resources.js';
import { EXAMPLE_YAML } from './testing/example.js';
import { assertProblem, onlyProblem } from './testing/problems.js';

/** A Rollout document: `service` is on line 6, `target` on line 7. */
function rollout(service: string, target: string): string {
  return `apiVersion: sluice.dev/v1\nkind: Rollout\nmetadata: { name: r }\nspec:\n  strategy: { canary: { steps: [ { setWeight: 5 } ] } }\n  service: ${service}\n  target: ${target}\n`;
}

function spec(listen: string, stable: string, versions: readonly string[]): ServiceSpec {
  const upstreams = { kind: 'upstreams', upstreams: ['http://127.0.0.1:9'] } as const;
  return { listen, stickiness: { cookie: 'c' }, stable, versions: Object.fromEntries(versions.map((v) => [v, upstreams])) };
}

const none = { services: new Map<string, ServiceSpec>() };
const parse = (text: string) => parseResources(text, { file: 'r.yaml' });

describe('checkReferences', () => {
  test('checkReferences accepts a rollout of a service in the same file', () => {
    assert.deepEqual(checkReferences(parse(EXAMPLE_YAML), none), []);
  });

  test('checkReferences accepts a rollout of a stored service', () => {
    const existing = { services: new Map([['web', spec('127.0.0.1:0', 'a', ['a', 'b'])]]) };
    assert.deepEqual(checkReferences(parse(rollout('web', 'b')), existing), []);
  });

  test('checkReferences reports a service that does not exist', () => {
    const problem = onlyProblem(checkReferences(parse(rollout('web', 'b')), none));
    assertProblem(problem, {
      file: 'r.yaml',
      line: 6,
      col: 12,
      path: 'spec.service',
      message: /service "web" does not exist/,
      found: '"web"',
      expected: 'the name of a Service applied before or in the same file',
    });
  });

  test('checkReferences reports a target that is not a version of the service', () => {
    const existing = { services: new Map([['web', spec('127.0.0.1:0', 'a', ['a', 'b'])]]) };
    const problem = onlyProblem(checkReferences(parse(rollout('web', 'c')), existing));
    assertProblem(problem, { file: 'r.yaml', line: 7, col: 11, path: 'spec.target', message: /"c" is not a version of service "web"/, found: '"c"', expected: 'one of: a, b' });
  });

  test('checkReferences reports a target that is already the stable version', () => {
    const existing = { services: new Map([['web', spec('127.0.0.1:0', 'a', ['a', 'b'])]]) };
    const problem = onlyProblem(checkReferences(parse(rollout('web', 'a')), existing));
    assertProblem(problem, { file: 'r.yaml', line: 7, col: 11, path: 'spec.target', message: /already the stable version/, expected: /other than "a".*b/ });
  });

  test('checkReferences prefers the service in the same file over the stored one', () => {
    const stored = { services: new Map([['shop', spec('127.0.0.1:0', 'v1', ['v1'])]]) };
    assert.deepEqual(checkReferences(parse(EXAMPLE_YAML), stored), []);
    const onlyStored = parse(EXAMPLE_YAML).filter((r) => r.kind === 'Rollout');
    const problem = onlyProblem(checkReferences(onlyStored, stored));
    assertProblem(problem, { file: 'r.yaml', line: 17, col: 11, path: 'spec.target', message: /"v2" is not a version of service "shop"/ });
  });

  test('checkReferences reports a listen address taken by another stored service', () => {
    const other = { services: new Map([['other', spec('127.0.0.1:8080', 'a', ['a'])]]) };
    const problem = onlyProblem(checkReferences(parse(EXAMPLE_YAML), other));
    assertProblem(problem, { file: 'r.yaml', line: 5, col: 11, path: 'spec.listen', message: /already used by Service "other"/, found: '"127.0.0.1:8080"' });
    const itself = { services: new Map([['shop', spec('127.0.0.1:8080', 'v1', ['v1'])]]) };
    assert.deepEqual(checkReferences(parse(EXAMPLE_YAML), itself), []);
  });
});
