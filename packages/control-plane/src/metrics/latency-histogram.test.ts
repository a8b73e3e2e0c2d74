import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clampDurationMs,
  EXPORT_BUCKET_COUNT,
  exportBucket,
  LATENCY_BUCKETS,
  LATENCY_RELATIVE_ERROR,
  latencyBucket,
  latencyBucketUpperMs,
  latencyQuantileMs,
} from './latency-histogram.js';

test('latencyBucket puts bounds in the bucket they close and covers 0.25 ms to 60 s', () => {
  assert.equal(LATENCY_BUCKETS, 145);
  assert.equal(latencyBucket(0), 0);
  assert.equal(latencyBucket(0.25), 0);
  assert.equal(latencyBucket(0.2501), 1);
  assert.equal(latencyBucket(0.5), 8);
  assert.equal(latencyBucket(0.5001), 9);
  assert.equal(latencyBucket(1), 16);
  assert.equal(latencyBucket(60_000), 143);
  assert.ok(latencyBucketUpperMs(142) < 60_000 && latencyBucketUpperMs(143) >= 60_000);
  assert.equal(latencyBucket(60_100), 144);
  assert.equal(latencyBucketUpperMs(144), Infinity);
});

test('latencyBucket is monotonic and every value is within its bucket bounds', () => {
  let previous = 0;
  for (let ms = 0.01; ms < 70_000; ms *= 1.003) {
    const k = latencyBucket(ms);
    assert.ok(k >= previous, `bucket of ${ms} went down`);
    assert.ok(ms <= latencyBucketUpperMs(k), `${ms} above bucket ${k}`);
    if (k > 0) assert.ok(ms > latencyBucketUpperMs(k - 1), `${ms} below bucket ${k}`);
    previous = k;
  }
});

test('clampDurationMs turns NaN and negatives into 0 and caps huge values', () => {
  assert.equal(clampDurationMs(Number.NaN), 0);
  assert.equal(clampDurationMs(-5), 0);
  assert.equal(clampDurationMs(12.5), 12.5);
  assert.equal(clampDurationMs(Infinity), 86_400_000);
});

test('exportBucket follows the le (less or equal) rule of Prometheus buckets', () => {
  assert.equal(EXPORT_BUCKET_COUNT, 14);
  assert.equal(exportBucket(0), 0);
  assert.equal(exportBucket(1), 0);
  assert.equal(exportBucket(1.01), 1);
  assert.equal(exportBucket(10_000), 12);
  assert.equal(exportBucket(10_001), 13);
});

test('latencyQuantileMs of one sample is within the documented error bound, and never above the max', () => {
  for (let ms = 0.3; ms < 60_000; ms *= 1.07) {
    const histogram = new Uint32Array(LATENCY_BUCKETS);
    histogram[latencyBucket(ms)] = 1;
    const estimate = latencyQuantileMs(histogram, 0, 1, 0.5, ms);
    assert.ok(Math.abs(estimate - ms) / ms <= LATENCY_RELATIVE_ERROR + 1e-12, `${ms} estimated as ${estimate}`);
    assert.ok(estimate <= ms);
  }
  assert.ok(LATENCY_RELATIVE_ERROR > 0.044 && LATENCY_RELATIVE_ERROR < 0.0444);
});

test('latencyQuantileMs reads nearest rank, handles the extreme buckets and an empty histogram', () => {
  const histogram = new Uint32Array(LATENCY_BUCKETS + 3);
  histogram[3 + 0] = 50; // 50 samples at or below 0.25 ms
  histogram[3 + 144] = 50; // 50 samples above 60 s
  assert.equal(latencyQuantileMs(histogram, 3, 100, 0.5, 90_000), 0.125);
  assert.equal(latencyQuantileMs(histogram, 3, 100, 0.51, 90_000), 90_000);
  assert.ok(Number.isNaN(latencyQuantileMs(histogram, 3, 0, 0.5, 0)));
});
