import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_GRACE_PERIOD_MS, DEFAULT_READINESS, ErrorCode, isSluiceError } from '@sluice/domain';
import type { RolloutSpec, ServiceSpec } from '@sluice/domain';
import { parseResources } from './parse-resources.js';
import { EXAMPLE_YAML } from './testing/example.js';
import { assertProblem, onlyProblem, problemsOf } from './testing/problems.js';

/** A Service document; its spec lines start at line 6. */
function service(spec: string, name = 'shop'): string {
  return `apiVersion: sluice.dev/v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
}
// listen: line 6, versions: 7, v1: 8, upstreams: 9, stable: 10.
const SPEC = '  listen: 127.0.0.1:0\n  versions:\n    v1:\n      upstreams: ["http://127.0.0.1:9101"]\n  stable: v1\n';

/** A Rollout document; its step lines start at line 11, each written as `        - <step>`. */
function rollout(steps: string, name = 'shop-v2'): string {
  const head = `apiVersion: sluice.dev/v1\nkind: Rollout\nmetadata:\n  name: ${name}\nspec:\n  service: shop\n`;
  return `${head}  target: v2\n  strategy:\n    canary:\n      steps:\n${steps}`;
}

describe('parseResources on valid input', () => {
  test('parseResources turns the example into the exact domain objects, defaults applied', () => {
    const resources = parseResources(EXAMPLE_YAML, { file: 'shop.yaml' });
    const shop: ServiceSpec = {
      listen: '127.0.0.1:8080',
      stickiness: { header: 'x-user-id', cookie: 'sluice-shop' },
      versions: {
        v1: {
          kind: 'run',
          run: {
            command: 'node demo/app.js',
            env: { VERSION: 'v1' },
            replicas: 2,
            readiness: { path: '/healthz', intervalMs: DEFAULT_READINESS.intervalMs, timeoutMs: DEFAULT_READINESS.timeoutMs },
            gracePeriodMs: DEFAULT_GRACE_PERIOD_MS,
          },
        },
        v2: { kind: 'upstreams', upstreams: ['http://127.0.0.1:9102'] },
      },
      stable: 'v1',
    };
    const shopV2: RolloutSpec = {
      service: 'shop',
      target: 'v2',
      strategy: {
        kind: 'canary',
        steps: [
          { kind: 'setWeight', weight: 1 },
          { kind: 'pause', durationMs: 30_000 },
          { kind: 'setWeight', weight: 20 },
          { kind: 'pause' },
          { kind: 'setWeight', weight: 100 },
        ],
      },
    };
    assert.deepEqual(
      resources.map(({ kind, name, spec }) => ({ kind, name, spec })),
      [
        { kind: 'Service', name: 'shop', spec: shop },
        { kind: 'Rollout', name: 'shop-v2', spec: shopV2 },
      ],
    );
    const [first, second] = resources;
    assert.equal(first?.source.file, 'shop.yaml');
    assert.equal(first?.source.docIndex, 0);
    assert.equal(second?.source.docIndex, 1);
    assert.deepEqual(first?.source.locate(['spec', 'stable']), { line: 10, col: 11 });
    assert.deepEqual(second?.source.locate(['spec', 'strategy', 'canary', 'steps', 2, 'setWeight']), { line: 23, col: 22 });
  });

  test('parseResources applies every RunSpec default and parses every duration', () => {
    const minimal = service('  listen: 127.0.0.1:0\n  versions:\n    v1: { run: { command: app } }\n  stable: v1\n');
    const [bare] = parseResources(minimal, { file: 'a.yaml' });
    assert.deepEqual(bare?.spec, {
      listen: '127.0.0.1:0',
      stickiness: { cookie: 'sluice-shop' },
      versions: {
        v1: { kind: 'run', run: { command: 'app', env: {}, replicas: 1, readiness: DEFAULT_READINESS, gracePeriodMs: DEFAULT_GRACE_PERIOD_MS } },
      },
      stable: 'v1',
    });
    const full = service(
      '  listen: "[::1]:9000"\n  stickiness: { header: X-Team }\n  versions:\n    "1.0":\n      run:\n' +
        '        command: app\n        cwd: demo\n        gracePeriod: 2m\n        readiness: { interval: 1s, timeout: 250ms }\n  stable: "1.0"\n',
    );
    const [rich] = parseResources(full, { file: 'a.yaml' });
    assert.deepEqual(rich?.spec, {
      listen: '[::1]:9000',
      stickiness: { header: 'x-team', cookie: 'sluice-shop' },
      versions: {
        '1.0': {
          kind: 'run',
          run: { command: 'app', env: {}, replicas: 1, readiness: { path: '/', intervalMs: 1000, timeoutMs: 250 }, cwd: 'demo', gracePeriodMs: 120_000 },
        },
      },
      stable: '1.0',
    });
  });

  test('parseResources reads an optional progressDeadline and rejects a zero one', () => {
    const rollout = (extra: string) =>
      `apiVersion: sluice.dev/v1\nkind: Rollout\nmetadata: { name: r }\nspec:\n  service: shop\n  target: v2\n${extra}  strategy: { canary: { steps: [ { setWeight: 5 } ] } }\n`;
    const [withDeadline] = parseResources(rollout('  progressDeadline: 2m\n'), { file: 'r.yaml' });
    assert.equal(withDeadline?.kind === 'Rollout' ? withDeadline.spec.progressDeadlineMs : undefined, 120_000);
    const [without] = parseResources(rollout(''), { file: 'r.yaml' });
    assert.equal(without?.kind === 'Rollout' && 'progressDeadlineMs' in without.spec, false);
    assert.throws(
      () => parseResources(rollout('  progressDeadline: 0s\n'), { file: 'r.yaml' }),
      (e: unknown) => isSluiceError(e) && e.problems.some((p) => p.path === "spec.progressDeadline" && p.line === 7),
    );
  });

  test('parseResources skips empty documents and counts them in docIndex', () => {
    const resources = parseResources(`---\n# nothing here\n---\n${service(SPEC)}---\n---\n`, { file: 'a.yaml' });
    assert.equal(resources.length, 1);
    assert.equal(resources[0]?.source.docIndex, 1);
  });

  test('parseResources reads JSON documents too', () => {
    const json = JSON.stringify({
      apiVersion: 'sluice.dev/v1',
      kind: 'Rollout',
      metadata: { name: 'r' },
      spec: { service: 's', target: 'v2', strategy: { canary: { steps: [{ setWeight: 0.01 }] } } },
    });
    const [parsed] = parseResources(json, { file: '<body>' });
    assert.deepEqual(parsed?.spec, { service: 's', target: 'v2', strategy: { kind: 'canary', steps: [{ kind: 'setWeight', weight: 0.01 }] } });
  });
});

describe('parseResources on malformed documents', () => {
  test('parseResources reports a YAML syntax error at its line and column', () => {
    const problem = onlyProblem(problemsOf('apiVersion: sluice.dev/v1\nkind: Service\nmetadata:\n  name: shop\n   bad: 1\n'));
    assertProblem(problem, { line: 4, col: 9, path: undefined, message: /invalid YAML: Nested mappings/ });
  });

  test('parseResources reports duplicate YAML keys at the second key', () => {
    const problem = onlyProblem(problemsOf('apiVersion: sluice.dev/v1\nkind: Service\nkind: Rollout\n'));
    assertProblem(problem, { line: 3, col: 1, path: 'kind', message: /invalid YAML: duplicate key "kind"/ });
    const nested = onlyProblem(problemsOf(service(SPEC.replace('    v1:\n', '    v1:\n      upstreams: ["http://a"]\n'))));
    assertProblem(nested, { line: 10, col: 7, path: 'spec.versions.v1.upstreams', message: /duplicate key "upstreams"/ });
  });

  test('parseResources handles a huge map in linear time and caps the problems per document', () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => `k${i % 25_000}: v\n`).join('');
    const duplicates = problemsOf(keys);
    assert.equal(duplicates.length, 50);
    assertProblem(duplicates[0]!, { line: 25_001, col: 1, path: 'k0', message: /duplicate key "k0"/ });
    const unknown = problemsOf(`${service(SPEC)}${Array.from({ length: 30_000 }, (_, i) => `k${i}: v\n`).join('')}`);
    assert.equal(unknown.length, 50);
    assertProblem(unknown[0]!, { line: 11, col: 1, path: 'k0', message: /unknown field "k0"/ });
  });

  test('parseResources reports empty input', () => {
    for (const text of ['', '  \n# only a comment\n---\n']) {
      const problem = onlyProblem(problemsOf(text));
      assertProblem(problem, { line: 1, col: 1, path: undefined, message: /no resources found/, expected: /Service, Rollout, Segment, AnalysisTemplate, Experiment, Target, Flag or Webhook/ });
    }
  });

  test('parseResources reports a document that is not a map', () => {
    const problem = onlyProblem(problemsOf(`${service(SPEC)}---\n- a\n- b\n`));
    assertProblem(problem, { line: 12, col: 1, path: undefined, message: /must be a map/, found: 'a list of 2 items', expected: /apiVersion, kind/ });
  });

  test('parseResources reports a missing apiVersion at the document map', () => {
    const problem = onlyProblem(problemsOf(service(SPEC).replace('apiVersion: sluice.dev/v1\n', '')));
    assertProblem(problem, { line: 1, col: 1, path: 'apiVersion', message: /missing required field "apiVersion"/, expected: '"sluice.dev/v1"' });
  });

  test('parseResources reports a wrong apiVersion at its value', () => {
    const problem = onlyProblem(problemsOf(service(SPEC).replace('sluice.dev/v1', 'apps/v1')));
    assertProblem(problem, { line: 1, col: 13, path: 'apiVersion', message: /unsupported apiVersion/, found: '"apps/v1"', expected: '"sluice.dev/v1"' });
  });

  test('parseResources reports an unknown kind, and still checks its apiVersion', () => {
    const problems = problemsOf('apiVersion: v2\nkind: Deployment\nmetadata: { name: x }\n');
    assert.equal(problems.length, 2);
    assertProblem(problems[0]!, { line: 1, col: 13, path: 'apiVersion', message: /unsupported apiVersion/ });
    assertProblem(problems[1]!, { line: 2, col: 7, path: 'kind', message: /unknown kind "Deployment"/, found: '"Deployment"', expected: 'Service, Rollout, Segment, AnalysisTemplate, Experiment, Target, Flag or Webhook' });
  });

  test('parseResources reports a missing kind', () => {
    const problem = onlyProblem(problemsOf('apiVersion: sluice.dev/v1\nmetadata: { name: x }\n'));
    assertProblem(problem, { line: 1, col: 1, path: 'kind', message: /missing required field "kind"/, expected: 'Service, Rollout, Segment, AnalysisTemplate, Experiment, Target, Flag or Webhook' });
  });

  test('parseResources reports nesting deeper than the parser can follow instead of crashing', () => {
    const problem = onlyProblem(problemsOf(`a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`));
    // The column is where the parser ran out of stack, which depends on the stack size.
    assert.equal(problem.file, 'shop.yaml');
    assert.equal(problem.line, 1);
    assert.ok(typeof problem.col === 'number' && problem.col > 3, String(problem.col));
    assert.match(problem.message, /invalid YAML/);
  });

  test('parseResources reports an unresolved alias instead of crashing', () => {
    const problem = onlyProblem(problemsOf(service(SPEC.replace('stable: v1', 'stable: *nope'))));
    assertProblem(problem, { line: 1, col: 1, path: undefined, message: /cannot be read: Unresolved alias/ });
  });
});

test('parseResources reports a top-level undefined alias or scalar document as a problem, never a crash', () => {
  for (const text of ['*nope\n', '- &a [1]\n- *a\n', '42\n']) {
    const problem = onlyProblem(problemsOf(text));
    assert.match(problem.message, /a resource must be a map/);
  }
});

describe('parseResources on invalid fields', () => {
  test('parseResources reports an unknown field at its key, listing the allowed ones', () => {
    const problem = onlyProblem(problemsOf(service(`${SPEC}  replica: 2\n`)));
    assertProblem(problem, {
      line: 11,
      col: 3,
      path: 'spec.replica',
      message: /unknown field "replica"/,
      expected: 'one of: listen, hosts, stickiness, versions, stable, routes, proxy, rollbackWindow',
    });
  });

  test('parseResources reports an unknown field deep inside a version', () => {
    const spec = SPEC.replace('      upstreams: ["http://127.0.0.1:9101"]', '      run: { command: app, readiness: { path: /, intervall: 1s } }');
    const problem = onlyProblem(problemsOf(service(spec)));
    assertProblem(problem, {
      line: 9,
      col: 50,
      path: 'spec.versions.v1.run.readiness.intervall',
      message: /unknown field "intervall"/,
      expected: 'one of: path, interval, timeout',
    });
  });

  test('parseResources reports a missing field at the parent map', () => {
    const problem = onlyProblem(problemsOf(service(SPEC.replace('  stable: v1\n', ''))));
    assertProblem(problem, { line: 6, col: 3, path: 'spec.stable', message: /missing required field "stable"/, expected: /one of the versions/ });
  });

  test('parseResources reports wrong types with what was found', () => {
    const spec = SPEC.replace('listen: 127.0.0.1:0', 'listen: 8080').replace(
      '      upstreams: ["http://127.0.0.1:9101"]',
      '      run: { command: app, replicas: "two", env: { PORT: 8080 } }',
    );
    const problems = problemsOf(service(spec));
    assert.equal(problems.length, 3);
    assertProblem(problems[0]!, { line: 6, col: 11, path: 'spec.listen', message: /wrong type for "listen"/, found: '8080', expected: /host:port/ });
    assertProblem(problems[1]!, { line: 9, col: 38, path: 'spec.versions.v1.run.replicas', message: /wrong type for "replicas"/, found: '"two"', expected: 'an integer from 1 to 32' });
    assertProblem(problems[2]!, { line: 9, col: 58, path: 'spec.versions.v1.run.env.PORT', message: /wrong type for "PORT"/, found: '8080', expected: /quote numbers/ });
  });

  test('parseResources reports a weight out of range with its range and resolution', () => {
    const problem = onlyProblem(problemsOf(rollout('        - setWeight: 20\n        - setWeight: 150\n')));
    assertProblem(problem, {
      line: 12,
      col: 22,
      path: 'spec.strategy.canary.steps[1].setWeight',
      message: /out of range/,
      found: '150',
      expected: 'a number from 0 to 100 in steps of 0.01',
    });
  });

  test('parseResources reports a weight finer than 0.01', () => {
    const problem = onlyProblem(problemsOf(rollout('        - setWeight: 0.005\n')));
    assertProblem(problem, { line: 11, col: 22, path: 'spec.strategy.canary.steps[0].setWeight', message: /finer than 0\.01/, found: '0.005' });
  });

  test('parseResources reports a bad duration with examples of good ones', () => {
    const problem = onlyProblem(problemsOf(rollout('        - pause: { duration: 30 seconds }\n')));
    assertProblem(problem, {
      line: 11,
      col: 30,
      path: 'spec.strategy.canary.steps[0].pause.duration',
      message: /invalid duration/,
      found: '"30 seconds"',
      expected: /like 500ms, 30s, 5m, 1h/,
    });
  });

  test('parseResources requires exactly one key per step', () => {
    const problems = problemsOf(rollout('        - { setWeight: 1, pause: {} }\n        - {}\n        - bogus: 1\n'));
    assert.equal(problems.length, 3);
    const path = 'spec.strategy.canary.steps';
    assertProblem(problems[0]!, { line: 11, col: 11, path: `${path}[0]`, message: /exactly one of setWeight, pause/, found: 'setWeight and pause' });
    assertProblem(problems[1]!, { line: 12, col: 11, path: `${path}[1]`, message: /exactly one of setWeight, pause/, found: 'none of them' });
    assertProblem(problems[2]!, { line: 13, col: 11, path: `${path}[2].bogus`, message: /unknown field "bogus"/, expected: 'one of: setWeight, pause, setHeaderRoute, setSegmentRoute, setMirror, setFlag, analysis, approval, checklist, load, adaptive, pointOfNoReturn, contract' });
  });

  test('parseResources bounds the number of steps', () => {
    const none = onlyProblem(problemsOf(rollout('        []\n').replace('steps:\n        []', 'steps: []')));
    assertProblem(none, { line: 10, col: 14, path: 'spec.strategy.canary.steps', message: /wrong number of steps/, found: 'a list of 0 items', expected: /1 to 100/ });
    const many = onlyProblem(problemsOf(rollout('        - setWeight: 1\n'.repeat(101))));
    assertProblem(many, { line: 11, col: 9, path: 'spec.strategy.canary.steps', message: /wrong number of steps/, found: 'a list of 101 items' });
  });

  test('parseResources requires a version to be exactly one of run or upstreams', () => {
    const spec = SPEC.replace('    v1:\n      upstreams: ["http://127.0.0.1:9101"]\n', '    v1: {}\n    v2: { run: { command: a }, upstreams: ["http://x"] }\n');
    const problems = problemsOf(service(spec));
    assert.equal(problems.length, 2);
    assertProblem(problems[0]!, { line: 8, col: 9, path: 'spec.versions.v1', message: /exactly one of run, upstreams/, found: 'none of them' });
    assertProblem(problems[1]!, { line: 9, col: 9, path: 'spec.versions.v2', message: /exactly one of run, upstreams/, found: 'run and upstreams' });
  });

  test('a run gives a command (local processes), an image (Kubernetes) or both, and an image must be an image reference', () => {
    const withRun = (run: string) => service(SPEC.replace('      upstreams: ["http://127.0.0.1:9101"]\n', `      run: ${run}\n`));
    const both = parseResources(withRun('{ command: "node app.js", image: "ghcr.io/acme/shop:1.4.0@sha256:' + 'a'.repeat(64) + '" }'), { file: 'shop.yaml' })[0];
    assert.ok(both?.kind === 'Service');
    const source = both.spec.versions['v1'];
    assert.deepEqual(source?.kind === 'run' ? [source.run.command, source.run.image] : [], ['node app.js', `ghcr.io/acme/shop:1.4.0@sha256:${'a'.repeat(64)}`]);
    const imageOnly = parseResources(withRun('{ image: "localhost:5000/shop" }'), { file: 'shop.yaml' })[0];
    assert.ok(imageOnly?.kind === 'Service' && imageOnly.spec.versions['v1']?.kind === 'run');
    assert.equal(imageOnly.spec.versions['v1'].run.command, undefined);
    const neither = onlyProblem(problemsOf(withRun('{ env: { A: b } }')));
    assertProblem(neither, { line: 9, col: 12, path: 'spec.versions.v1.run', message: /needs a command \(for local processes\) or an image \(for Kubernetes\)/, found: 'neither command nor image', expected: /or both/ });
    const badImage = onlyProblem(problemsOf(withRun('{ image: "ghcr.io/Acme/Shop:1 0" }')));
    assertProblem(badImage, { line: 9, col: 21, path: 'spec.versions.v1.run.image', message: /invalid image/, expected: /image reference/ });
  });

  test('parseResources checks upstream URLs and their count', () => {
    const bad = onlyProblem(problemsOf(service(SPEC.replace('"http://127.0.0.1:9101"', '"http://ok:1", "ftp://x"'))));
    assertProblem(bad, { line: 9, col: 34, path: 'spec.versions.v1.upstreams[1]', message: /invalid upstream URL/, found: '"ftp://x"', expected: /http\(s\)/ });
    const urls = Array.from({ length: 65 }, (_, i) => `"http://127.0.0.1:${9000 + i}"`).join(', ');
    const many = onlyProblem(problemsOf(service(SPEC.replace('"http://127.0.0.1:9101"', urls))));
    assertProblem(many, { line: 9, col: 18, path: 'spec.versions.v1.upstreams', message: /wrong number of upstreams/, found: 'a list of 65 items' });
  });

  test('parseResources checks names and version names at their keys', () => {
    const problems = problemsOf(service(SPEC.replace('    v1:', '    V_1:').replace('stable: v1', 'stable: V_1'), 'Shop'));
    assert.equal(problems.length, 2);
    assertProblem(problems[0]!, { line: 4, col: 9, path: 'metadata.name', message: /invalid name/, found: '"Shop"', expected: /lower-case letters/ });
    assertProblem(problems[1]!, { line: 8, col: 5, path: 'spec.versions.V_1', message: /invalid version name/, found: '"V_1"' });
  });

  test('parseResources checks listen addresses', () => {
    const problem = onlyProblem(problemsOf(service(SPEC.replace('127.0.0.1:0', '127.0.0.1:70000'))));
    assertProblem(problem, { line: 6, col: 11, path: 'spec.listen', message: /invalid listen address/, found: '"127.0.0.1:70000"', expected: /0 to 65535/ });
  });

  test('parseResources reports a stable version that is not in versions', () => {
    const problem = onlyProblem(problemsOf(service(SPEC.replace('stable: v1', 'stable: v3'))));
    assertProblem(problem, { line: 10, col: 11, path: 'spec.stable', message: /stable version "v3" is not one of the versions/, found: '"v3"', expected: 'one of: v1' });
  });

  test('parseResources collects the problems of every document, in file order', () => {
    const text = `${rollout('        - setWeight: 150\n')}---\n${service(SPEC.replace('stable: v1', 'stable: v3'))}---\nkind: Nope\n`;
    const problems = problemsOf(text, 'all.yaml');
    assert.deepEqual(
      problems.map((p) => [p.file, p.line, p.path]),
      [
        ['all.yaml', 11, 'spec.strategy.canary.steps[0].setWeight'],
        ['all.yaml', 22, 'spec.stable'],
        ['all.yaml', 24, 'apiVersion'],
        ['all.yaml', 24, 'kind'],
      ],
    );
  });
});

describe('parseResources across documents', () => {
  test('parseResources reports a second resource of the same kind and name at its name', () => {
    const text = `${service(SPEC)}---\n${rollout('        - setWeight: 1\n', 'shop')}---\n${service(SPEC)}`;
    const problem = onlyProblem(problemsOf(text));
    assertProblem(problem, { line: 27, col: 9, path: 'metadata.name', message: /duplicate Service "shop": already defined at line 4/ });
  });

  test('parseResources reports two services on the same non-zero listen address', () => {
    const fixed = SPEC.replace('127.0.0.1:0', '127.0.0.1:8080');
    const problem = onlyProblem(problemsOf(`${service(fixed)}---\n${service(fixed, 'other')}`));
    assertProblem(problem, {
      line: 17,
      col: 11,
      path: 'spec.listen',
      message: /already used by Service "shop" at line 6/,
      found: '"127.0.0.1:8080"',
    });
  });

  test('parseResources lets any number of services listen on port 0', () => {
    assert.equal(parseResources(`${service(SPEC)}---\n${service(SPEC, 'other')}`, { file: 'a.yaml' }).length, 2);
  });
});

describe('parseResources limits', () => {
  function payloadError(run: () => unknown) {
    try {
      run();
    } catch (error) {
      assert.ok(isSluiceError(error));
      assert.equal(error.code, ErrorCode.PAYLOAD_TOO_LARGE);
      return error;
    }
    return assert.fail('expected PAYLOAD_TOO_LARGE');
  }

  test('parseResources rejects input over maxBytes, counting UTF-8 bytes', () => {
    const text = `# ${'é'.repeat(60)}\n${service(SPEC)}`; // 120 bytes of comment in 60 characters
    assert.equal(parseResources(text, { file: 'a.yaml', maxBytes: 1000 }).length, 1);
    const error = payloadError(() => parseResources(text, { file: 'a.yaml', maxBytes: text.length + 10 }));
    assert.match(error.message, /a\.yaml is larger than the limit/);
    assert.deepEqual(error.problems[0], { file: 'a.yaml', message: 'input too large', found: `${text.length + 60} bytes`, expected: `at most ${text.length + 10} bytes` });
    const huge = payloadError(() => parseResources('x'.repeat(DEFAULT_LIMIT + 1), { file: 'b.yaml' }));
    assert.equal(huge.problems[0]?.found, `more than ${DEFAULT_LIMIT} bytes`);
  });

  test('parseResources rejects more than maxDocuments non-empty documents', () => {
    const text = Array.from({ length: 3 }, (_, i) => service(SPEC, `s${i}`)).join('---\n');
    assert.equal(parseResources(`${text}---\n---\n`, { file: 'a.yaml', maxDocuments: 3 }).length, 3);
    const error = payloadError(() => parseResources(text, { file: 'a.yaml', maxDocuments: 2 }));
    assert.match(error.message, /3 documents; the limit is 2/);
    assert.deepEqual(error.problems[0], { file: 'a.yaml', line: 23, col: 1, message: 'too many documents', found: '3 documents', expected: 'at most 2 documents' });
  });
});

const DEFAULT_LIMIT = 1024 * 1024;
