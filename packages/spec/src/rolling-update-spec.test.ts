import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunSpec, ServiceSpec } from '@sluice/domain';
import { parseResources } from './parse-resources.js';
import { assertProblem, onlyProblem, problemsOf } from './testing/problems.js';

/** A Service whose one version runs `app` with the given extra `run` lines (10 spaces deep); `run:` is line 9. */
function service(runLines: string): string {
  return [
    'apiVersion: sluice.dev/v1',
    'kind: Service',
    'metadata: { name: shop }',
    'spec:',
    '  listen: 127.0.0.1:0',
    '  stable: v1',
    '  versions:',
    '    v1:',
    '      run:',
    '        command: app',
    runLines,
  ].join('\n');
}

function runOf(text: string): RunSpec {
  const [resource] = parseResources(text, { file: 'shop.yaml' });
  assert.equal(resource?.kind, 'Service');
  const source = (resource?.spec as ServiceSpec).versions['v1'];
  assert.equal(source?.kind, 'run');
  return (source as { run: RunSpec }).run;
}

describe('run.rollingUpdate', () => {
  test('absent: the run spec has none, so Kubernetes\' defaults apply at run time', () => {
    assert.equal(runOf(service('        replicas: 3')).rollingUpdate, undefined);
  });

  test('counts, percentages and the progress deadline are kept; left-out fields take the defaults', () => {
    const run = runOf(service('        replicas: 3\n        rollingUpdate: { maxSurge: 1, maxUnavailable: "0%", progressDeadline: 90s }'));
    assert.deepEqual(run.rollingUpdate, { maxSurge: 1, maxUnavailable: '0%', progressDeadlineMs: 90_000 });
    const partial = runOf(service('        rollingUpdate: { maxUnavailable: 1 }'));
    assert.deepEqual(partial.rollingUpdate, { maxSurge: '25%', maxUnavailable: 1, progressDeadlineMs: 600_000 });
  });

  test('both coming to 0 for the replicas is reported at rollingUpdate with what was found', () => {
    const problem = onlyProblem(problemsOf(service('        replicas: 3\n        rollingUpdate:\n          maxSurge: 0\n          maxUnavailable: "25%"')));
    assertProblem(problem, {
      line: 13,
      col: 11,
      path: 'spec.versions.v1.run.rollingUpdate',
      message: /maxSurge and maxUnavailable both come to 0 instances for 3 replica\(s\)/,
      found: 'maxSurge 0, maxUnavailable "25%"',
      expected: /maxSurge or maxUnavailable of at least 1 instance/,
    });
  });

  test('the rounding decides: 25 % unavailable of 4 replicas is 1, so maxSurge 0 is fine there', () => {
    assert.deepEqual(runOf(service('        replicas: 4\n        rollingUpdate: { maxSurge: 0 }')).rollingUpdate?.maxSurge, 0);
    const problem = onlyProblem(problemsOf(service('        rollingUpdate: { maxSurge: "0%" }')));
    assert.match(problem.message, /for 1 replica\(s\)/, 'replicas default to 1, and 25 % of 1 rounds down to 0');
  });

  test('a malformed value is reported at the field with the accepted forms', () => {
    const problem = onlyProblem(problemsOf(service('        rollingUpdate: { maxSurge: "25 percent" }')));
    assertProblem(problem, {
      line: 11,
      col: 36,
      path: 'spec.versions.v1.run.rollingUpdate.maxSurge',
      message: /invalid maxSurge/,
      found: '"25 percent"',
      expected: /an integer from 0 to 100 or a percentage of replicas from "0%" to "100%"/,
    });
    const over = onlyProblem(problemsOf(service('        rollingUpdate: { maxUnavailable: "150%" }')));
    assertProblem(over, { line: 11, col: 42, path: 'spec.versions.v1.run.rollingUpdate.maxUnavailable', message: /invalid maxUnavailable/, found: '"150%"' });
    const unknown = onlyProblem(problemsOf(service('        rollingUpdate: { maxSurge: 1, surge: 2 }')));
    assert.match(unknown.message, /unknown field "surge"/);
    assert.equal(unknown.expected, 'one of: maxSurge, maxUnavailable, progressDeadline');
  });

  test('a progress deadline under 1 s is refused', () => {
    const problem = onlyProblem(problemsOf(service('        rollingUpdate: { progressDeadline: 10ms }')));
    assertProblem(problem, { line: 11, col: 44, path: 'spec.versions.v1.run.rollingUpdate.progressDeadline', message: /invalid duration/, found: '"10ms"' });
  });
});
