import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, SluiceError } from '@sluice/domain';
import type { MetricProvider, MetricQuery, MetricResult } from './metric-provider.js';
import { resilient } from './resilient-provider.js';

const QUERY: MetricQuery = { query: 'up', args: {}, fromMs: 0, toMs: 1000 };

/** A provider failing its first `failures` calls, then answering 1; it records the calls. */
function flaky(failures: number, answer: MetricResult = { kind: 'value', value: 1, resolvedQuery: 'up' }): MetricProvider & { calls: number } {
  const provider = {
    kind: 'fake',
    calls: 0,
    async measure(): Promise<MetricResult> {
      provider.calls++;
      if (provider.calls <= failures) throw new SluiceError(ErrorCode.UNREACHABLE, `fake: connection refused (call ${provider.calls})`);
      return answer;
    },
    reachable: async () => ({ ok: true, detail: 'fake' }),
  };
  return provider;
}

test('retries with doubling backoff, then answers', async () => {
  const waits: number[] = [];
  const source = flaky(2);
  const result = await resilient(source, { retries: 2, backoffMs: 100, sleep: async (ms) => void waits.push(ms) }).measure(QUERY);
  assert.equal(result.kind, 'value');
  assert.equal(source.calls, 3);
  assert.deepEqual(waits, [100, 200]);
});

test('gives up after the retries with an error naming provider, query, attempts and cause, keeping its code', async () => {
  const source = flaky(10);
  await assert.rejects(resilient(source, { retries: 1, sleep: async () => undefined }).measure(QUERY), (error: unknown) => {
    assert.ok(error instanceof SluiceError);
    assert.equal(error.code, ErrorCode.UNREACHABLE);
    assert.equal(error.message, 'fake: query "up" failed after 2 attempts: fake: connection refused (call 2)');
    return true;
  });
  assert.equal(source.calls, 2);
});

test('no data is an answer: it is not retried', async () => {
  const source = flaky(0, { kind: 'no-data', reason: 'empty vector', resolvedQuery: 'up' });
  const result = await resilient(source, { sleep: async () => undefined }).measure(QUERY);
  assert.equal(result.kind, 'no-data');
  assert.equal(source.calls, 1);
});

test('an attempt that takes longer than timeoutMs is cut and retried; a caller abort is not retried', async () => {
  let calls = 0;
  const slow: MetricProvider = {
    kind: 'slow',
    measure: (_q, signal) => {
      calls++;
      return new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
    },
    reachable: async () => ({ ok: true, detail: 'slow' }),
  };
  await assert.rejects(resilient(slow, { timeoutMs: 20, retries: 1, sleep: async () => undefined }).measure(QUERY), /failed after 2 attempts: no answer within 20 ms/);
  assert.equal(calls, 2);
  const controller = new AbortController();
  const pending = resilient(slow, { timeoutMs: 10_000, retries: 3 }).measure(QUERY, controller.signal);
  controller.abort();
  await assert.rejects(pending);
  assert.equal(calls, 3, 'one more attempt, not retried after the abort');
});
