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

describe('checkReferences on shared listen addresses', () => {
  /** A Service on 127.0.0.1:8080; its hosts (if any) are on line 6. */
  const serviceYaml = (name: string, hosts?: string) =>
    `apiVersion: sluice.dev/v1\nkind: Service\nmetadata: { name: ${name} }\nspec:\n  listen: 127.0.0.1:8080\n${hosts === undefined ? '' : `  hosts: [${hosts}]\n`}  versions: { v1: { upstreams: ["http://127.0.0.1:9"] } }\n  stable: v1\n`;
  const stored = (entries: [string, string[] | undefined][]) => ({
    services: new Map(entries.map(([name, hosts]) => [name, { ...spec('127.0.0.1:8080', 'v1', ['v1']), ...(hosts ? { hosts } : {}) }] as const)),
  });

  test('checkReferences accepts a service whose hosts are apart from every stored one on its address', () => {
    const existing = stored([['shop', ['shop.example.com']], ['www', undefined]]);
    assert.deepEqual(checkReferences(parse(serviceYaml('api', 'api.example.com, "*.shop.example.com"')), existing), []);
  });

  test('checkReferences reports a host a stored service already claims, at the host, naming both', () => {
    const existing = stored([['shop', ['x.io', 'shop.example.com']]]);
    const problem = onlyProblem(checkReferences(parse(serviceYaml('api', 'api.example.com, Shop.Example.com')), existing));
    assertProblem(problem, {
      file: 'r.yaml',
      line: 6,
      col: 28,
      path: 'spec.hosts[1]',
      message: /^host "shop\.example\.com" on 127\.0\.0\.1:8080 is already claimed by Service "shop" \(applied before\); Service "api" cannot claim it too$/,
      found: '"shop.example.com"',
    });
  });

  test('checkReferences reports a second service without hosts on an address a stored one takes whole', () => {
    const problem = onlyProblem(checkReferences(parse(serviceYaml('api')), stored([['shop', ['a.io']], ['www', undefined]])));
    assertProblem(problem, {
      file: 'r.yaml',
      line: 5,
      col: 11,
      path: 'spec.listen',
      message: /^listen address is already used by Service "www" \(applied before\), and neither "api" nor "www" names hosts$/,
    });
  });

  test('checkReferences compares with the new version of a stored service updated in the same apply', () => {
    const existing = stored([['www', undefined]]);
    const both = parse(`${serviceYaml('www', 'www.example.com')}---\n${serviceYaml('api')}`);
    assert.deepEqual(checkReferences(both, existing), []);
    const [, api] = both;
    assert.equal(onlyProblem(checkReferences([api!], existing)).path, 'spec.listen');
  });

  test('checkReferences reports a conflict between two files of one apply once, at the later file', () => {
    const first = parseResources(serviceYaml('shop', 'shop.example.com'), { file: 'a.yaml' });
    const second = parseResources(serviceYaml('api', 'shop.example.com'), { file: 'b.yaml' });
    const problem = onlyProblem(checkReferences([...first, ...second], none));
    assertProblem(problem, {
      file: 'b.yaml',
      line: 6,
      col: 11,
      path: 'spec.hosts[0]',
      message: /^host "shop\.example\.com" on 127\.0\.0\.1:8080 is already claimed by Service "shop" in a\.yaml:6; Service "api" cannot claim it too$/,
    });
  });
});
