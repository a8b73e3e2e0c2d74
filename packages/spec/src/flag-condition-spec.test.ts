import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RolloutSpec, SegmentSpec, ServiceSpec } from '@sluice/domain';
import { checkReferences } from './check-references.js';
import { parseResources } from './parse-resources.js';
import { assertProblem, onlyProblem, problemsOf } from './testing/problems.js';

/** A Service whose one route (line 9) holds `condition` flow-style, starting at column 40. */
function route(condition: string): string {
  return (
    'apiVersion: sluice.dev/v1\nkind: Service\nmetadata: { name: shop }\nspec:\n  listen: 127.0.0.1:0\n' +
    '  versions: { v1: { upstreams: ["http://127.0.0.1:9101"] }, v2: { upstreams: ["http://127.0.0.1:9102"] } }\n' +
    `  stable: v1\n  routes:\n    - { name: r, version: v2, match: [ ${condition} ] }\n`
  );
}

const FLAG = 'apiVersion: sluice.dev/v1\nkind: Flag\nmetadata: { name: new-checkout }\nspec:\n  environments: { production: { enabled: true } }\n';
const SEGMENT = 'apiVersion: sluice.dev/v1\nkind: Segment\nmetadata: { name: beta }\nspec:\n  anyOf:\n    - match: [ { header: x-beta, exact: "1" } ]\n    - match: [ { flag: { name: banner, environment: production, variant: blue } } ]\n';
const ROLLOUT =
  'apiVersion: sluice.dev/v1\nkind: Rollout\nmetadata: { name: r }\nspec:\n  service: shop\n  target: v2\n  strategy:\n    canary:\n      steps:\n' +
  '        - setHeaderRoute: { name: h, match: [ { flag: { name: ghost, environment: staging } } ] }\n';

describe('flag conditions in specs', () => {
  test('routes, segments and setHeaderRoute steps read flag conditions into the domain', () => {
    const [service] = parseResources(route('{ flag: { name: new-checkout, environment: production } }'), { file: 'a.yaml' });
    assert.deepEqual((service?.spec as ServiceSpec).routes?.[0]?.conditions, [{ kind: 'flag', flag: 'new-checkout', environment: 'production' }]);
    const [segment] = parseResources(SEGMENT, { file: 'a.yaml' });
    assert.deepEqual((segment?.spec as SegmentSpec).match, [
      { kind: 'anyOf', groups: [[{ kind: 'header', name: 'x-beta', match: { exact: '1' } }], [{ kind: 'flag', flag: 'banner', environment: 'production', variant: 'blue' }]] },
    ]);
    const [rollout] = parseResources(ROLLOUT, { file: 'a.yaml' });
    assert.deepEqual((rollout?.spec as RolloutSpec).strategy.steps, [{ kind: 'setHeaderRoute', name: 'h', match: [{ kind: 'flag', flag: 'ghost', environment: 'staging' }] }]);
  });

  test('bad flag conditions are reported at the field', () => {
    const cases: [string, number, string, RegExp][] = [
      ['{ flag: { name: Not_A_Flag, environment: production } }', 56, 'spec.routes[0].match[0].flag.name', /invalid flag name/],
      ['{ flag: { name: f, environment: Prod } }', 72, 'spec.routes[0].match[0].flag.environment', /invalid environment name/],
      ['{ flag: { name: f, environment: prod, variant: "a b" } }', 87, 'spec.routes[0].match[0].flag.variant', /invalid variant name/],
      ['{ flag: { name: f } }', 48, 'spec.routes[0].match[0].flag.environment', /missing required field "environment"/],
      ['{ flag: { name: f, environment: prod, extra: 1 } }', 78, 'spec.routes[0].match[0].flag.extra', /unknown field "extra"/],
      ['{ flag: { name: f, environment: prod }, exact: x }', 87, 'spec.routes[0].match[0].exact', /"exact" applies only to header, cookie and query conditions/],
      ['{ flag: { name: f, environment: prod }, method: [GET] }', 40, 'spec.routes[0].match[0]', /a condition must have exactly one of/],
    ];
    for (const [condition, col, path, message] of cases) {
      assertProblem(onlyProblem(problemsOf(route(condition))), { line: 9, col, path, message });
    }
  });

  test('checkReferences reports a flag neither stored nor applied in the same request, at its name', () => {
    const parse = (text: string) => parseResources(text, { file: 'r.yaml' });
    const services = new Map<string, ServiceSpec>();
    const shop = parse(route('{ flag: { name: new-checkout, environment: production } }'));
    assert.deepEqual(checkReferences(shop, { services, flags: new Set(['new-checkout']) }), []);
    assert.deepEqual(checkReferences([...shop, ...parse(FLAG)], { services, flags: new Set() }), []);
    assert.deepEqual(checkReferences(shop, { services }), [], 'not checked when the stored flags are not known');
    const missing = onlyProblem(checkReferences(shop, { services, flags: new Set(['other']) }));
    assertProblem(missing, { file: 'r.yaml', line: 9, col: 56, path: 'spec.routes[0].match[0].flag.name', message: /flag "new-checkout" does not exist/, found: '"new-checkout"', expected: 'one of: other' });
    const inSegment = onlyProblem(checkReferences(parse(SEGMENT), { services, flags: new Set() }));
    assertProblem(inSegment, { file: 'r.yaml', line: 7, col: 32, path: 'spec.anyOf[1].match[0].flag.name', message: /flag "banner" does not exist/, expected: /there are none/ });
    const inStep = checkReferences(parse(ROLLOUT), { services: new Map([['shop', shop[0]!.spec as ServiceSpec]]), flags: new Set(['new-checkout']) });
    assert.deepEqual(inStep.map((p) => [p.path, p.line, p.message]), [['spec.strategy.canary.steps[0].setHeaderRoute.match[0].flag.name', 10, 'flag "ghost" does not exist']]);
  });
});
