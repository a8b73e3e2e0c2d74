import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JudgeSpec, MetricCheck } from '@sluice/domain';
import { MemoryMetricProvider, type ScriptedAnswer } from '../providers/in-memory/memory-provider.js';
import { measureCheck, type CheckTarget } from './measure-check.js';

const T = Date.UTC(2026, 0, 1);
const target: CheckTarget = { service: 'shop', rollout: 'shop-v2', canary: 'v2', stable: 'v1', args: { limit: '5' }, now: T + 60_000, startedAt: T, defaultWindowMs: 10_000 };

function check(judge: JudgeSpec, query?: string, windowMs?: number): MetricCheck {
  return { provider: { kind: 'builtin' }, judge, timeoutMs: 1_000, retries: 0, ...(query === undefined ? {} : { query }), ...(windowMs === undefined ? {} : { windowMs }) };
}

async function measure(judge: JudgeSpec, answers: Record<string, ScriptedAnswer>, query?: string, windowMs?: number) {
  const provider = new MemoryMetricProvider(answers);
  const outcome = await measureCheck(check(judge, query, windowMs), target, () => provider, new AbortController().signal);
  return { ...outcome, asked: provider.asked };
}

describe('measureCheck', () => {
  test('threshold: the canary value, with template args in the condition and builtin args in the query', async () => {
    const { result, record } = await measure({ kind: 'threshold', successCondition: 'result < {{args.limit}}' }, { 'p99 shop v2 10s': 4 }, 'p99 {{service}} {{version}} {{window}}');
    assert.equal(result.kind === 'verdict' && result.verdict.outcome, 'pass');
    assert.deepEqual(record.queries, { canary: 'p99 shop v2 10s' });
    assert.deepEqual(record.window, { fromMs: T + 50_000, toMs: T + 60_000 });
  });

  test('baseline: both versions over the same window', async () => {
    const { record, asked } = await measure({ kind: 'baseline', relativeTolerance: 0.1 }, { 'lat v2': 130, 'lat v1': 100 }, 'lat {{version}}', 30_000);
    assert.equal(record.result, 'fail');
    assert.deepEqual([...asked].sort(), ['lat v1', 'lat v2']);
    assert.equal(record.window.fromMs, T + 30_000);
  });

  test('errorRate: cumulative since the analysis started, counts from four queries', async () => {
    const answers = { 'requests v2': 1000, 'errors v2': 100, 'requests v1': 9000, 'errors v1': 9 };
    const { record } = await measure({ kind: 'errorRate', requestsQuery: 'requests {{version}}', errorsQuery: 'errors {{version}}', options: {} }, answers);
    assert.equal(record.result, 'fail');
    assert.equal(record.rule, 'fast-path');
    assert.equal(record.window.fromMs, T);
    assert.deepEqual(record.canary, { n: 1000, errors: 100, value: 0.1 });
  });

  test('errorRate: no data in a count is zero requests, which is too few to judge', async () => {
    const answers = { 'requests v2': { noData: 'no series' }, 'errors v2': { noData: 'no series' }, 'requests v1': 10, 'errors v1': 0 };
    const { record } = await measure({ kind: 'errorRate', requestsQuery: 'requests {{version}}', errorsQuery: 'errors {{version}}', options: {} }, answers);
    assert.equal(record.result, 'inconclusive');
    assert.equal(record.rule, 'min-sample');
  });

  test('latency: the stable reference latency becomes thresholdMs of the above-count queries', async () => {
    const answers = { 'p99 v1': 250, 'above 250 v2': 80, 'above 250 v1': 10, 'requests v2': 1000, 'requests v1': 1000 };
    const spec: JudgeSpec = { kind: 'latency', quantile: 0.99, referenceQuery: 'p99 {{version}}', aboveQuery: 'above {{thresholdMs}} {{version}}', requestsQuery: 'requests {{version}}', options: {} };
    const { record } = await measure(spec, answers);
    assert.equal(record.result, 'fail');
    assert.equal(record.queries['canary above'], 'above 250 v2');
  });

  test('mannWhitney: vectors on both sides', async () => {
    const slow = Array.from({ length: 50 }, (_, i) => 200 + i);
    const fast = Array.from({ length: 50 }, (_, i) => 100 + i);
    const { record } = await measure({ kind: 'mannWhitney', options: { direction: 'increase' } }, { 's v2': slow, 's v1': fast }, 's {{version}}');
    assert.equal(record.result, 'fail');
    assert.equal(record.rule, 'mann-whitney');
  });

  test('no data is a no-data result, a provider failure an error: neither is a verdict', async () => {
    const noData = await measure({ kind: 'threshold', successCondition: 'result < 1' }, { 'q v2': { noData: 'empty' } }, 'q {{version}}');
    assert.deepEqual(noData.result, { kind: 'no-data', message: 'canary: empty' });
    const failed = await measure({ kind: 'threshold', successCondition: 'result < 1' }, { 'q v2': { error: 'HTTP 500' } }, 'q {{version}}');
    assert.equal(failed.result.kind, 'error');
    assert.match(failed.record.reason, /HTTP 500/);
  });

  test('a vector where one number is needed is an error that says how to fix the query', async () => {
    const { result } = await measure({ kind: 'threshold', successCondition: 'result < 1' }, { 'q v2': [1, 2, 3] }, 'q {{version}}');
    assert.equal(result.kind, 'error');
    assert.match(result.kind === 'error' ? result.message : '', /3 numbers.*aggregate/);
  });
});
