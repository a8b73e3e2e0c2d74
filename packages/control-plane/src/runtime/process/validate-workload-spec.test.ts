import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_READINESS, ErrorCode, SluiceError } from '@sluice/domain';
import type { WorkloadSpec } from '../runtime.js';
import { validateWorkloadSpec } from './validate-workload-spec.js';

const good: WorkloadSpec = {
  service: 'shop',
  version: 'v1',
  run: { command: 'node app.js', env: { A: '1' }, replicas: 2, readiness: DEFAULT_READINESS, gracePeriodMs: 1000 },
};

function problemsOf(run: Partial<WorkloadSpec['run']>): string[] {
  try {
    validateWorkloadSpec({ ...good, run: { ...good.run, ...run } });
    return [];
  } catch (error) {
    assert.ok(error instanceof SluiceError);
    assert.equal(error.code, ErrorCode.INVALID_SPEC);
    return error.problems.map((p) => p.path ?? '');
  }
}

describe('validateWorkloadSpec', () => {
  test('accepts a normal spec and zero replicas', () => {
    assert.deepEqual(problemsOf({}), []);
    assert.deepEqual(problemsOf({ replicas: 0 }), []);
  });

  test('names every bad field', () => {
    assert.deepEqual(problemsOf({ command: ' ', replicas: -1, gracePeriodMs: Number.NaN }), ['run.command', 'run.replicas', 'run.gracePeriodMs']);
    assert.deepEqual(problemsOf({ readiness: { path: 'healthz', intervalMs: 0, timeoutMs: 10 } }), ['run.readiness.intervalMs', 'run.readiness.path']);
    assert.deepEqual(problemsOf({ env: { 'A=B': 'x', C: 'a\0b' } }), ['run.env.A=B', 'run.env.C']);
    const rollingUpdate = { maxSurge: '25 %', maxUnavailable: -1, progressDeadlineMs: 0 } as unknown as NonNullable<WorkloadSpec['run']['rollingUpdate']>;
    assert.deepEqual(problemsOf({ rollingUpdate }), ['run.rollingUpdate.maxSurge', 'run.rollingUpdate.maxUnavailable', 'run.rollingUpdate.progressDeadlineMs']);
    assert.deepEqual(problemsOf({ rollingUpdate: { maxSurge: '100%', maxUnavailable: 0, progressDeadlineMs: 1000 } }), []);
  });

  test('the message says where, what was found and what is expected', () => {
    assert.throws(
      () => validateWorkloadSpec({ ...good, run: { ...good.run, replicas: 1.5 } }),
      /^SluiceError: Cannot run shop\/v1: run.replicas is 1.5, expected a whole number from 0 to 1000$/,
    );
  });
});
