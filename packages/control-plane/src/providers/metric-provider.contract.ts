import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SluiceError } from '@sluice/domain';
import type { MetricProvider, MetricQuery } from './metric-provider.js';

/**
 * What a contract run needs from one provider implementation: the provider, three queries its source
 * was prepared to answer — one with a value (`expected`), one with no data, one that fails — and a
 * provider pointed at a source that is down.
 */
export interface MetricProviderFixture {
  readonly provider: MetricProvider;
  readonly withValue: MetricQuery;
  readonly expected: number;
  readonly noData: MetricQuery;
  readonly failing: MetricQuery;
  readonly unreachable: MetricProvider;
  cleanup(): Promise<void>;
}

/** The behaviour every MetricProvider shares; each implementation runs it against its real source. */
export function metricProviderContract(name: string, setup: () => Promise<MetricProviderFixture>): void {
  describe(`MetricProvider contract: ${name}`, () => {
    test('a query with data answers its value and the query as it ran', async () => {
      const f = await setup();
      try {
        const result = await f.provider.measure(f.withValue);
        assert.equal(result.kind, 'value');
        if (result.kind !== 'value') return;
        const value = Array.isArray(result.value) ? result.value[0] : result.value;
        assert.ok(typeof value === 'number' && Math.abs(value - f.expected) <= 1e-9 * Math.max(1, Math.abs(f.expected)), `${String(value)} ≠ ${f.expected}`);
        assert.doesNotMatch(result.resolvedQuery, /\{\{/, 'placeholders were replaced');
      } finally {
        await f.cleanup();
      }
    });

    test('a query without data is "no-data" with a reason, not an error and not zero', async () => {
      const f = await setup();
      try {
        const result = await f.provider.measure(f.noData);
        assert.equal(result.kind, 'no-data');
        if (result.kind === 'no-data') assert.ok(result.reason.length > 5, result.reason);
      } finally {
        await f.cleanup();
      }
    });

    test('a failing query rejects with a SluiceError naming the provider and the query', async () => {
      const f = await setup();
      try {
        await assert.rejects(f.provider.measure(f.failing), (error: unknown) => {
          assert.ok(error instanceof SluiceError, String(error));
          assert.match(error.message, new RegExp(f.provider.kind));
          return true;
        });
      } finally {
        await f.cleanup();
      }
    });

    test('reachable says ok for a live source and not ok, with a detail, for one that is down', async () => {
      const f = await setup();
      try {
        const up = await f.provider.reachable();
        assert.equal(up.ok, true, up.detail);
        const down = await f.unreachable.reachable();
        assert.equal(down.ok, false);
        assert.ok(down.detail.length > 5, down.detail);
        await assert.rejects(f.unreachable.measure(f.withValue), (error: unknown) => error instanceof SluiceError);
      } finally {
        await f.cleanup();
      }
    });

    test('an aborted signal stops a query', async () => {
      const f = await setup();
      try {
        const controller = new AbortController();
        controller.abort();
        await assert.rejects(f.provider.measure(f.withValue, controller.signal));
      } finally {
        await f.cleanup();
      }
    });
  });
}
