import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alignMetrics, lastValue, MAX_POINTS, mergeMetrics, recentRequests, thresholdOf } from './metrics-data';
import type { MetricSeries, RolloutMetrics } from './rollout-api';

function series(role: 'stable' | 'canary', t: number[], requests: number[]): MetricSeries {
  return { version: role === 'stable' ? 'v1' : 'v2', role, t, requests, errorRate: requests.map(() => 0.01), p50Ms: requests.map(() => 5), p99Ms: requests.map(() => null) };
}

function answer(stable: MetricSeries, canary: MetricSeries, extra: Partial<RolloutMetrics> = {}): RolloutMetrics {
  return { rollout: 'shop-v2', service: 'shop', stable: 'v1', canary: 'v2', from: stable.t[0] ?? 0, to: 0, stepMs: 1000, series: [stable, canary], thresholds: {}, steps: [], ...extra };
}

test('an ?after= answer replaces the points it covers (a partial newest bucket) and appends the rest', () => {
  const held = answer(series('stable', [1000, 2000, 3000], [10, 10, 4]), series('canary', [1000, 2000, 3000], [1, 1, 0]), { steps: [{ index: 0, kind: 'setWeight', startedAt: 1000, description: 'setWeight 10' }], thresholds: { errorRate: 0.05 } });
  const fresh = answer(series('stable', [3000, 4000], [9, 8]), series('canary', [3000, 4000], [2, 3]), { steps: [{ index: 1, kind: 'pause', startedAt: 3500, description: 'pause' }] });
  const merged = mergeMetrics(held, fresh);
  const stable = merged.series.find((s) => s.role === 'stable')!;
  assert.deepEqual([stable.t, stable.requests], [[1000, 2000, 3000, 4000], [10, 10, 9, 8]]);
  assert.deepEqual(merged.steps.map((s) => s.index), [0, 1], 'steps of both answers');
  assert.deepEqual(merged.thresholds, { errorRate: 0.05 }, 'thresholds kept when the answer has none');
  assert.equal(merged.from, 1000);
});

test('the held points are capped, oldest dropped first', () => {
  const t = Array.from({ length: MAX_POINTS }, (_, i) => i * 1000);
  const held = answer(series('stable', t, t.map(() => 1)), series('canary', t, t.map(() => 1)));
  const next = MAX_POINTS * 1000;
  const merged = mergeMetrics(held, answer(series('stable', [next], [7]), series('canary', [next], [7])));
  const stable = merged.series[0]!;
  assert.equal(stable.t.length, MAX_POINTS);
  assert.deepEqual([stable.t[0], stable.t.at(-1), stable.requests.at(-1)], [1000, next, 7]);
});

test('alignMetrics puts both versions on one time axis in seconds, with requests per second', () => {
  const metrics = answer(series('stable', [1000, 2000, 3000], [10, 20, 30]), series('canary', [2000, 3000], [4, 0]), { stepMs: 2000 });
  const a = alignMetrics(metrics);
  assert.deepEqual(a.x, [1, 2, 3]);
  assert.deepEqual(a.canary.requests, [null, 4, 0]);
  assert.deepEqual(a.stable.rps, [5, 10, 15]);
  assert.equal(recentRequests(a.canary, 2), 4);
  assert.equal(recentRequests(a.canary, 1), 0);
  assert.equal(lastValue(a.canary.p99Ms), undefined);
  assert.equal(lastValue([1, 2, null]), 2);
});

test('a threshold is a number or a number with a label', () => {
  assert.deepEqual(thresholdOf(0.05), { value: 0.05 });
  assert.deepEqual(thresholdOf({ value: 800, label: 'p99 limit' }), { value: 800, label: 'p99 limit' });
  assert.equal(thresholdOf(undefined), undefined);
  assert.equal(thresholdOf(Number.NaN), undefined);
});
