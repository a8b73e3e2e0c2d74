import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, SluiceError } from '@sluice/domain';
import { MAX_METRIC_SAMPLES_PER_LIST, type MetricSample } from './store.js';
import { seedMetricSamples, syntheticMetricSamples } from './testing/metric-sample-seed.js';
import { withStore, type OpenTestStore } from './testing/store-fixtures.js';

const T0 = Date.UTC(2026, 0, 1);

const sample = (version: string, second: number, fields: Partial<MetricSample> = {}): MetricSample => ({
  service: 'shop',
  version,
  at: T0 + second * 1000,
  requests: 100,
  errors: 5,
  p50Ms: 12.5,
  p99Ms: 250.125,
  ...fields,
});

const isInvalid = (path: string) => (error: unknown) =>
  error instanceof SluiceError && error.code === ErrorCode.INVALID_REQUEST && error.problems.some((p) => p.path === path);

export function registerMetricSampleTests(open: OpenTestStore): void {
  describe('metric samples', () => {
    test('append stores a batch; list answers it by time then version, exactly, within [from, to)', () =>
      withStore(open, async (store) => {
        const batch = [sample('v2', 1), sample('v1', 1, { errors: 0, p50Ms: null, p99Ms: null, requests: 0 }), sample('v1', 0), sample('v1', 2)];
        assert.equal(await store.metricSamples.append(batch), 4);
        assert.deepEqual(await store.metricSamples.append([]), 0);
        const all = await store.metricSamples.list({ service: 'shop', from: T0, to: T0 + 3000 });
        assert.deepEqual(all, [batch[2], batch[1], batch[0], batch[3]]);
        const middle = await store.metricSamples.list({ service: 'shop', from: T0 + 1000, to: T0 + 2000 });
        assert.deepEqual(middle.map((s) => [s.version, s.at]), [['v1', T0 + 1000], ['v2', T0 + 1000]]);
        assert.deepEqual(await store.metricSamples.list({ service: 'other', from: T0, to: T0 + 3000 }), []);
      }));

    test('versions narrows the answer; limit keeps the oldest', () =>
      withStore(open, async (store) => {
        await store.metricSamples.append(syntheticMetricSamples({ service: 'shop', from: T0, seconds: 10, versions: [{ version: 'v1', requestsPerSecond: 10 }, { version: 'v2', requestsPerSecond: 1 }, { version: 'v3', requestsPerSecond: 1 }] }));
        const v2 = await store.metricSamples.list({ service: 'shop', versions: ['v2'], from: T0, to: T0 + 10_000 });
        assert.equal(v2.length, 10);
        assert.ok(v2.every((s) => s.version === 'v2'));
        const two = await store.metricSamples.list({ service: 'shop', versions: ['v1', 'v3'], from: T0, to: T0 + 10_000, limit: 3 });
        assert.deepEqual(two.map((s) => [s.version, s.at]), [['v1', T0], ['v3', T0], ['v1', T0 + 1000]]);
        assert.deepEqual(await store.metricSamples.list({ service: 'shop', versions: [], from: T0, to: T0 + 10_000 }), []);
      }));

    test('a second already stored keeps its first sample; the rest of the batch is stored', () =>
      withStore(open, async (store) => {
        await store.metricSamples.append([sample('v1', 0)]);
        const added = await store.metricSamples.append([sample('v1', 0, { requests: 999, errors: 1 }), sample('v1', 1)]);
        assert.equal(added, 1);
        const listed = await store.metricSamples.list({ service: 'shop', from: T0, to: T0 + 5000 });
        assert.deepEqual(listed.map((s) => s.requests), [100, 100]);
        // Two writers at once (two control planes on one database): still one row per second.
        await Promise.all([store.metricSamples.append([sample('v1', 2)]), store.metricSamples.append([sample('v1', 2, { requests: 7, errors: 0 })])]);
        assert.equal((await store.metricSamples.list({ service: 'shop', from: T0 + 2000, to: T0 + 3000 })).length, 1);
      }));

    test('prune deletes the samples before a time and says how many', () =>
      withStore(open, async (store) => {
        await store.metricSamples.append([sample('v1', 0), sample('v2', 0), sample('v1', 1), sample('v1', 2)]);
        await store.metricSamples.append([{ ...sample('v1', 0), service: 'cart' }]);
        assert.equal(await store.metricSamples.prune(T0 + 2000), 4);
        assert.deepEqual((await store.metricSamples.list({ service: 'shop', from: 0, to: T0 + 10_000 })).map((s) => s.at), [T0 + 2000]);
        assert.deepEqual(await store.metricSamples.list({ service: 'cart', from: 0, to: T0 + 10_000 }), []);
        assert.equal(await store.metricSamples.prune(T0), 0);
      }));

    test('a list answers at most 50,000 samples', () =>
      withStore(open, async (store) => {
        const samples = syntheticMetricSamples({ service: 'shop', from: T0, seconds: 25_001, versions: [{ version: 'v1', requestsPerSecond: 3 }, { version: 'v2', requestsPerSecond: 1 }] });
        assert.equal(await seedMetricSamples(store, samples), 50_002);
        const listed = await store.metricSamples.list({ service: 'shop', from: T0, to: T0 + 30_000_000 });
        assert.equal(listed.length, MAX_METRIC_SAMPLES_PER_LIST);
        assert.equal(listed.at(-1)?.at, T0 + 24_999_000);
        await assert.rejects(store.metricSamples.list({ service: 'shop', from: T0, to: T0 + 1000, limit: 50_001 }), isInvalid('limit'));
      }));

    test('malformed samples and queries are refused with the field named; nothing of the batch is stored', () =>
      withStore(open, async (store) => {
        await assert.rejects(store.metricSamples.append([sample('v1', 0), sample('v1', 1, { at: T0 + 1500 })]), isInvalid('samples[1].at'));
        await assert.rejects(store.metricSamples.append([sample('v1', 0, { errors: 101 })]), isInvalid('samples[0].errors'));
        await assert.rejects(store.metricSamples.append([sample('', 0)]), isInvalid('samples[0].version'));
        await assert.rejects(store.metricSamples.append([sample('v1', 0, { p99Ms: Number.NaN })]), isInvalid('samples[0].p99Ms'));
        await assert.rejects(store.metricSamples.append([sample('v1', 0, { requests: -1 })]), isInvalid('samples[0].requests'));
        assert.deepEqual(await store.metricSamples.list({ service: 'shop', from: 0, to: T0 + 10_000 }), []);
        await assert.rejects(store.metricSamples.list({ service: 'shop', from: Number.NaN, to: 1 }), isInvalid('from'));
        await assert.rejects(store.metricSamples.list({ service: 'shop', from: 0, to: 1, limit: 0 }), isInvalid('limit'));
        await assert.rejects(store.metricSamples.prune(Number.POSITIVE_INFINITY), isInvalid('olderThan'));
      }));

    test('calls after close fail', () =>
      withStore(open, async (store) => {
        await store.close();
        await assert.rejects(store.metricSamples.append([sample('v1', 0)]), /closed/);
        await assert.rejects(store.metricSamples.list({ service: 'shop', from: 0, to: 1 }), /closed/);
      }));
  });
}
