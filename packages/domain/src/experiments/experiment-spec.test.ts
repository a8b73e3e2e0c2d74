import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SluiceError } from '../errors.js';
import {
  addConversion, addMeanValue, EMPTY_CONVERSION_STATS, EMPTY_MEAN_STATS, mergeExperimentStats, resolveExperimentMetric, validateExperimentSpec,
  type ExperimentSpec,
} from './experiment-spec.js';
import { experimentReport } from './report.js';

const VALID: ExperimentSpec = {
  name: 'e',
  variants: [
    { name: 'a', weight: 60, serves: { version: 'v1' } },
    { name: 'b', weight: 40, serves: { flag: 'f', variation: 'on' } },
  ],
  control: 'a',
  primaryMetric: { name: 'm', kind: 'conversion', direction: 'increase' },
};

function problemPaths(spec: ExperimentSpec): string[] {
  try {
    validateExperimentSpec(spec);
  } catch (error) {
    assert.ok(error instanceof SluiceError);
    assert.equal(error.code, 'INVALID_SPEC');
    return error.problems.map((p) => p.path ?? '');
  }
  return [];
}

test('a valid spec passes, and metric defaults are alpha 0.05, power 0.8, no tolerated degradation', () => {
  assert.deepEqual(problemPaths(VALID), []);
  const m = resolveExperimentMetric(VALID.primaryMetric);
  assert.deepEqual([m.alpha, m.power, m.maxDegradation, m.minimumDetectableEffect], [0.05, 0.8, 0, undefined]);
});

test('every problem is reported with its path', () => {
  assert.deepEqual(problemPaths({ ...VALID, variants: [VALID.variants[0]!, { ...VALID.variants[1]!, weight: 30 }] }), ['spec.variants']);
  assert.deepEqual(problemPaths({ ...VALID, variants: [VALID.variants[0]!, { ...VALID.variants[0]!, weight: 40 }] }), ['spec.variants[1].name']);
  assert.deepEqual(problemPaths({ ...VALID, variants: [{ ...VALID.variants[0]!, weight: 100 }] }), ['spec.variants']);
  assert.deepEqual(problemPaths({ ...VALID, control: 'z' }), ['spec.control']);
  assert.deepEqual(problemPaths({ ...VALID, primaryMetric: { ...VALID.primaryMetric, alpha: 1.5, power: 0, minimumDetectableEffect: -0.1 } }),
    ['spec.primaryMetric.minimumDetectableEffect', 'spec.primaryMetric.alpha', 'spec.primaryMetric.power']);
  assert.deepEqual(problemPaths({ ...VALID, guardrailMetrics: [{ name: 'm', kind: 'mean', direction: 'decrease', maxDegradation: -1 }] }),
    ['spec.guardrailMetrics[0].maxDegradation', 'spec.guardrailMetrics[0].name']);
  assert.deepEqual(problemPaths({ ...VALID, minSamplesPerVariant: 1.5 }), ['spec.minSamplesPerVariant']);
  const serves = { ...VALID.variants[1]!, serves: { flag: 'f' } } as unknown as ExperimentSpec['variants'][number];
  assert.deepEqual(problemPaths({ ...VALID, variants: [VALID.variants[0]!, serves] }), ['spec.variants[1].serves']);
});

test('impossible data is INVALID_REQUEST naming the field', () => {
  const data = { exposures: { a: 10, b: 10 }, metrics: { m: { a: { users: 10, conversions: 11 } } } };
  assert.throws(() => experimentReport(VALID, data), (e: unknown) => e instanceof SluiceError && e.code === 'INVALID_REQUEST' && e.message.includes('data.metrics.m.a'));
  assert.throws(() => experimentReport(VALID, { exposures: { a: -1 }, metrics: {} }), (e: unknown) => e instanceof SluiceError && e.message.includes('data.exposures.a'));
});

test('incremental aggregation: add one at a time, merge partial aggregates', () => {
  const conv = [true, false, true].reduce(addConversion, EMPTY_CONVERSION_STATS);
  assert.deepEqual(conv, { users: 3, conversions: 2 });
  const left = [1, 2].reduce(addMeanValue, EMPTY_MEAN_STATS);
  const right = [3].reduce(addMeanValue, EMPTY_MEAN_STATS);
  assert.deepEqual(mergeExperimentStats(left, right), { n: 3, sum: 6, sumSquares: 14 });
  assert.deepEqual(mergeExperimentStats(conv, { users: 2, conversions: 1 }), { users: 5, conversions: 3 });
});
