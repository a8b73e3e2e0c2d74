import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseResources } from './parse-resources.js';

const doc = (judge: string) => `apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: r }
spec:
  service: shop
  target: v2
  guard:
    conditions:
      - name: burst
        provider: { builtin: {} }
        judge: ${judge}
  strategy:
    canary:
      steps:
        - setWeight: 5
`;

test('an errorBurst judge in a guard condition: defaults and given options', () => {
  const [plain] = parseResources(doc('{ errorBurst: {} }'), { file: 'r.yaml' });
  assert.ok(plain?.kind === 'Rollout');
  assert.deepEqual(plain.spec.guard?.conditions[0]?.judge, { kind: 'errorBurst', requestsQuery: 'requests', errorsQuery: 'errors', windowsSeconds: [2, 4, 8], baselineSeconds: 60, options: {} });
  const [tuned] = parseResources(doc('{ errorBurst: { windows: [1, 3], baselineWindow: 120, pValue: 0.00001, minErrors: 8 } }'), { file: 'r.yaml' });
  assert.ok(tuned?.kind === 'Rollout');
  assert.deepEqual(tuned.spec.guard?.conditions[0]?.judge, { kind: 'errorBurst', requestsQuery: 'requests', errorsQuery: 'errors', windowsSeconds: [1, 3], baselineSeconds: 120, options: { pValue: 0.00001, minErrors: 8 } });
});

test('bad errorBurst options are reported where they are', () => {
  assert.throws(() => parseResources(doc('{ errorBurst: { windows: [0] } }'), { file: 'r.yaml' }), (error: Error & { problems?: { line?: number; path?: string }[] }) => {
    const problem = error.problems?.[0];
    return problem?.line === 11 && /windows/.test(problem.path ?? '');
  });
});

test('an errorBurst query naming an unknown placeholder is refused at apply, where it is', () => {
  const judge = '{ errorBurst: { errorsQuery: "errors {{versoin}}" } }';
  assert.throws(() => parseResources(doc(judge), { file: 'r.yaml' }), (error: Error & { problems?: { line?: number; path?: string; message?: string }[] }) => {
    const problem = error.problems?.[0];
    return problem?.line === 11 && problem.path === 'spec.guard.conditions[0].judge.errorBurst.errorsQuery' && /versoin/.test(`${problem.message} ${JSON.stringify(problem)}`);
  });
  assert.doesNotThrow(() => parseResources(doc('{ errorBurst: { errorsQuery: "errors {{version}}" } }'), { file: 'r.yaml' }));
});
