import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MIRROR_MAX_BODY_BYTES } from '@sluice/domain';
import type { RolloutSpec, SegmentSpec, ServiceSpec } from '@sluice/domain';
import { checkReferences } from './check-references.js';
import { parseResources } from './parse-resources.js';
import { ROUTING_YAML } from './testing/routing-example.js';
import { assertProblem, onlyProblem, problemsOf } from './testing/problems.js';

/** A Segment document; its spec lines start at line 5. */
function segment(spec: string, name = 'testers'): string {
  return `apiVersion: sluice.dev/v1\nkind: Segment\nmetadata: { name: ${name} }\nspec:\n${spec}`;
}

/** A Service with versions v1 and v2; its routes start at line 10, one route per line when written flow-style. */
function service(routes: string): string {
  return (
    'apiVersion: sluice.dev/v1\nkind: Service\nmetadata: { name: shop }\nspec:\n  listen: 127.0.0.1:0\n' +
    '  versions: { v1: { upstreams: ["http://127.0.0.1:9101"] }, v2: { upstreams: ["http://127.0.0.1:9102"] } }\n' +
    `  stable: v1\n  routes:\n${routes}`
  );
}

/** A Rollout whose steps start at line 11, one step per line. */
function rollout(steps: string): string {
  return `apiVersion: sluice.dev/v1\nkind: Rollout\nmetadata: { name: r }\nspec:\n  service: shop\n  target: v2\n  strategy:\n    canary:\n      steps:\n${steps}`;
}

/** A one-condition route (line 9) with the condition written flow-style at column 21. */
const route = (condition: string) => service(`    - { name: r, version: v2, match: [ ${condition} ] }\n`);
const CONDITION_COL = 40;

describe('parseResources: segments, routes and routing steps', () => {
  test('parseResources reads every condition shape, routes, segments and steps into the domain', () => {
    const resources = parseResources(ROUTING_YAML, { file: 'shop.yaml' });
    const specs = Object.fromEntries(resources.map((r) => [r.name, r.spec]));
    const testers: SegmentSpec = {
      match: [
        { kind: 'header', name: 'x-user-id', match: { in: ['u1', 'u2'] } },
        { kind: 'method', methods: ['GET', 'HEAD'] },
      ],
    };
    const euMobile: SegmentSpec = {
      match: [
        {
          kind: 'anyOf',
          groups: [
            [{ kind: 'header', name: 'x-region', match: { exact: 'eu' } }, { kind: 'header', name: 'user-agent', match: { regex: '.*Mobile.*' } }],
            [{ kind: 'sourceCidr', cidrs: ['10.0.0.0/8', '2001:db8::/32'] }],
          ],
        },
      ],
    };
    assert.deepEqual(specs['internal-testers'], testers);
    assert.deepEqual(specs['eu-mobile'], euMobile);
    assert.deepEqual((specs['shop'] as ServiceSpec).routes, [
      { name: 'beta', conditions: [{ kind: 'cookie', name: 'beta', match: { exact: '1' } }, { kind: 'pathPrefix', prefix: '/api/' }], action: { kind: 'split', canary: 'v2', weight: 5.25 } },
      { name: 'preview', conditions: [{ kind: 'query', name: 'preview', match: { prefix: 'y' } }, { kind: 'segment', segment: 'eu-mobile' }], action: { kind: 'version', version: 'v2' } },
    ]);
    assert.deepEqual((specs['shop-v2'] as RolloutSpec).strategy.steps, [
      { kind: 'setSegmentRoute', segment: 'internal-testers' },
      { kind: 'setHeaderRoute', name: 'canary-header', match: [{ kind: 'header', name: 'x-canary', match: { exact: 'always' } }] },
      { kind: 'setMirror', percent: 10, maxBodyBytes: DEFAULT_MIRROR_MAX_BODY_BYTES },
      { kind: 'setWeight', weight: 5 },
      { kind: 'setMirror', percent: 0.5, maxBodyBytes: 4096 },
      { kind: 'setHeaderRoute', name: 'canary-header' },
      { kind: 'setSegmentRoute', segment: 'internal-testers', remove: true },
      { kind: 'setMirror', percent: 0, maxBodyBytes: DEFAULT_MIRROR_MAX_BODY_BYTES },
    ]);
    assert.equal('routes' in (parseResources(service('').replace('  routes:\n', ''), { file: 'a.yaml' })[0]?.spec ?? {}), false);
  });

  test('a condition needs exactly one kind, and header/cookie/query exactly one match', () => {
    const two = onlyProblem(problemsOf(route('{ header: a, cookie: b, exact: x }')));
    assertProblem(two, { line: 9, col: CONDITION_COL, path: 'spec.routes[0].match[0]', message: /a condition must have exactly one of header, cookie/, found: 'header and cookie' });
    const none = onlyProblem(problemsOf(route('{ header: x-region }')));
    assertProblem(none, { line: 9, col: CONDITION_COL, path: 'spec.routes[0].match[0]', message: /a header condition must have exactly one of exact, prefix, regex, in/, found: 'none of them' });
    const both = onlyProblem(problemsOf(route('{ query: q, exact: a, prefix: b }')));
    assertProblem(both, { line: 9, col: CONDITION_COL, path: 'spec.routes[0].match[0]', message: /query condition/, found: 'exact and prefix' });
    const stray = onlyProblem(problemsOf(route('{ pathPrefix: /api, exact: x }')));
    assertProblem(stray, { line: 9, col: 67, path: 'spec.routes[0].match[0].exact', message: /"exact" applies only to header, cookie and query conditions/ });
    const unknown = onlyProblem(problemsOf(route('{ headr: x, exact: y }')));
    assertProblem(unknown, { line: 9, col: 42, path: 'spec.routes[0].match[0].headr', message: /unknown field "headr"/, expected: /one of: header, cookie, query, exact/ });
  });

  test('bad values inside conditions are reported at the value', () => {
    const cases: [string, number, string, RegExp][] = [
      ['{ userAgent: { regex: "(" } }', 62, 'spec.routes[0].match[0].userAgent.regex', /invalid regular expression/],
      [`{ header: ua, regex: "${'a'.repeat(257)}" }`, 61, 'spec.routes[0].match[0].regex', /invalid regular expression/],
      ['{ sourceCidr: [10.0.0.0/8, 10.0.0.0/33] }', 67, 'spec.routes[0].match[0].sourceCidr[1]', /invalid CIDR range/],
      ['{ method: [G3T] }', 51, 'spec.routes[0].match[0].method[0]', /invalid method/],
      ['{ pathPrefix: api }', 54, 'spec.routes[0].match[0].pathPrefix', /invalid path prefix/],
      ['{ header: "bad header", exact: x }', 50, 'spec.routes[0].match[0].header', /invalid header name/],
      ['{ cookie: c, in: [] }', 57, 'spec.routes[0].match[0].in', /wrong number of values/],
      ['{ segment: Not_A_Name }', 51, 'spec.routes[0].match[0].segment', /invalid segment name/],
    ];
    for (const [condition, col, path, message] of cases) {
      assertProblem(onlyProblem(problemsOf(route(condition))), { line: 9, col, path, message });
    }
    const regexAt256 = route(`{ header: ua, regex: "${'a'.repeat(256)}" }`);
    assert.equal(parseResources(regexAt256, { file: 'a.yaml' }).length, 1);
  });

  test('routes: exactly one of version or split, a one-version split, known versions, unique names', () => {
    const neither = onlyProblem(problemsOf(service('    - { name: r, match: [ { pathPrefix: / } ] }\n')));
    assertProblem(neither, { line: 9, col: 7, path: 'spec.routes[0]', message: /a route must have exactly one of version, split/, found: 'none of them' });
    const twoVersions = onlyProblem(problemsOf(service('    - { name: r, match: [ { pathPrefix: / } ], split: { v1: 5, v2: 5 } }\n')));
    assertProblem(twoVersions, { line: 9, col: 55, path: 'spec.routes[0].split', message: /a rule split names exactly one version/ });
    const unknownVersion = onlyProblem(problemsOf(service('    - { name: r, match: [ { pathPrefix: / } ], version: v9 }\n')));
    assertProblem(unknownVersion, { line: 9, col: 57, path: 'spec.routes[0].version', message: /version "v9" is not one of the service's versions/, expected: 'one of: v1, v2' });
    const unknownSplit = onlyProblem(problemsOf(service('    - { name: r, match: [ { pathPrefix: / } ], split: { v7: 5 } }\n')));
    assertProblem(unknownSplit, { line: 9, col: 57, path: 'spec.routes[0].split.v7', message: /version "v7" is not one of the service's versions/ });
    const badWeight = onlyProblem(problemsOf(service('    - { name: r, match: [ { pathPrefix: / } ], split: { v2: 5.001 } }\n')));
    assertProblem(badWeight, { line: 9, col: 61, path: 'spec.routes[0].split.v2', message: /weight is finer than 0.01/ });
    const duplicate = onlyProblem(problemsOf(service('    - { name: r, match: [ { pathPrefix: / } ], version: v2 }\n    - { name: r, match: [ { pathPrefix: /a } ], version: v1 }\n')));
    assertProblem(duplicate, { line: 10, col: 15, path: 'spec.routes[1].name', message: /duplicate route "r": already used by routes\[0\]/ });
    const noMatch = onlyProblem(problemsOf(service('    - { name: r, match: [], version: v2 }\n')));
    assertProblem(noMatch, { line: 9, col: 25, path: 'spec.routes[0].match', message: /wrong number of conditions/ });
  });

  test('Segment specs: exactly one of match or anyOf, and never a segment reference', () => {
    const both = onlyProblem(problemsOf(segment('  match: [ { method: [GET] } ]\n  anyOf: [ { match: [ { method: [GET] } ] } ]\n')));
    assertProblem(both, { line: 5, col: 3, path: 'spec', message: /a Segment spec must have exactly one of match, anyOf/, found: 'match and anyOf' });
    const nested = onlyProblem(problemsOf(segment('  match: [ { segment: other } ]\n')));
    assertProblem(nested, { line: 5, col: 14, path: 'spec.match[0].segment', message: /unknown field "segment"/ });
    const emptyAnyOf = onlyProblem(problemsOf(segment('  anyOf: []\n')));
    assertProblem(emptyAnyOf, { line: 5, col: 10, path: 'spec.anyOf', message: /wrong number of alternatives/ });
  });

  test('routing steps: names, remove flag, mirror percent and body limit', () => {
    const problems = problemsOf(
      rollout(
        '        - setHeaderRoute: { name: Bad_Name }\n' +
          '        - setSegmentRoute: { segment: testers, remove: "yes" }\n' +
          '        - setMirror: { percent: 0.001 }\n' +
          '        - setMirror: { percent: 5, maxBodyBytes: -1 }\n' +
          '        - setMirror: {}\n' +
          '        - setHeaderRoute: { name: r, match: [ { method: [GET] } ], extra: 1 }\n',
      ),
    );
    const path = 'spec.strategy.canary.steps';
    assert.equal(problems.length, 6, problems.map((p) => p.message).join('\n'));
    assertProblem(problems[0]!, { line: 10, col: 35, path: `${path}[0].setHeaderRoute.name`, message: /invalid route name/ });
    assertProblem(problems[1]!, { line: 11, col: 56, path: `${path}[1].setSegmentRoute.remove`, message: /wrong type for "remove"/ });
    assertProblem(problems[2]!, { line: 12, col: 33, path: `${path}[2].setMirror.percent`, message: /percent is finer than 0.01/ });
    assertProblem(problems[3]!, { line: 13, col: 50, path: `${path}[3].setMirror.maxBodyBytes`, message: /maxBodyBytes out of range/ });
    assertProblem(problems[4]!, { line: 14, col: 22, path: `${path}[4].setMirror.percent`, message: /missing required field "percent"/ });
    assertProblem(problems[5]!, { line: 15, col: 68, path: `${path}[5].setHeaderRoute.extra`, message: /unknown field "extra"/ });
  });
});

describe('checkReferences: segments', () => {
  const parse = (text: string) => parseResources(text, { file: 'r.yaml' });
  const services = new Map<string, ServiceSpec>();

  test('checkReferences accepts segments from the same file or the store', () => {
    assert.deepEqual(checkReferences(parse(ROUTING_YAML), { services, segments: new Set() }), []);
    const withoutSegments = parse(ROUTING_YAML).filter((r) => r.kind !== 'Segment');
    assert.deepEqual(checkReferences(withoutSegments, { services, segments: new Set(['internal-testers', 'eu-mobile']) }), []);
  });

  test('checkReferences reports every unknown segment at its reference', () => {
    const withoutSegments = parse(ROUTING_YAML).filter((r) => r.kind !== 'Segment');
    const problems = checkReferences(withoutSegments, { services, segments: new Set(['internal-testers']) });
    assert.equal(problems.length, 1);
    assertProblem(problems[0]!, {
      file: 'r.yaml',
      line: 31,
      col: 60,
      path: 'spec.routes[1].match[1].segment',
      message: /segment "eu-mobile" does not exist/,
      found: '"eu-mobile"',
      expected: 'one of: internal-testers',
    });
    const none = checkReferences(withoutSegments, { services, segments: new Set() });
    assert.deepEqual(none.map((p) => [p.path, p.line]), [
      ['spec.routes[1].match[1].segment', 31],
      ['spec.strategy.canary.steps[0].setSegmentRoute.segment', 43],
      ['spec.strategy.canary.steps[6].setSegmentRoute.segment', 49],
    ]);
    assert.match(none[0]?.expected ?? '', /there are none/);
    const header = parse(rollout('        - setHeaderRoute: { name: h, match: [ { segment: ghosts } ] }\n'));
    const ghost = onlyProblem(checkReferences(header, { services: new Map([['shop', parse(ROUTING_YAML)[2]!.spec as ServiceSpec]]), segments: new Set() }));
    assertProblem(ghost, { file: 'r.yaml', line: 10, col: 58, path: 'spec.strategy.canary.steps[0].setHeaderRoute.match[0].segment', message: /segment "ghosts" does not exist/ });
  });

  test('checkReferences skips segment checks when the stored segments are not known', () => {
    const withoutSegments = parse(ROUTING_YAML).filter((r) => r.kind !== 'Segment');
    assert.deepEqual(checkReferences(withoutSegments, { services }), []);
  });
});
