import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ExperimentCounts } from '@sluice/domain';
import { startTestApi, type TestApi } from '../http/testing/api-server.js';
import { T0 } from '../orchestrator/testing/fixtures.js';
import { MemoryMetricProvider } from '../providers/in-memory/memory-provider.js';

const RESOURCES = `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
    v1: { upstreams: ["http://127.0.0.1:9001"] }
    v2: { upstreams: ["http://127.0.0.1:9002"] }
  stable: v1
---
apiVersion: sluice.dev/v1
kind: Experiment
metadata: { name: new-checkout }
spec:
  service: shop
  variants:
    - { name: control, weight: 50, version: v1 }
    - { name: treatment, weight: 50, version: v2 }
  control: control
  primary: { name: purchase, event: checkout, kind: conversion, direction: increase }
  guardrails:
    - name: errors
      kind: conversion
      direction: decrease
      maxDegradation: 0.1
      provider: { prometheus: { address: "http://127.0.0.1:9090" } }
      successQuery: 'errors{service="{{service}}",version="{{version}}"}[{{window}}]'
      totalQuery: 'requests{version="{{version}}"}[{{window}}]'
`;

/** Treatment clearly wins on purchase: 10 % vs 13 % of 5,000 users each. */
const WINNING: ExperimentCounts = { exposures: { control: 5000, treatment: 5000 }, conversions: { purchase: { control: 500, treatment: 650 } }, values: {}, droppedExposures: 0 };

async function withApi(memory: MemoryMetricProvider, body: (api: TestApi) => Promise<void>): Promise<void> {
  const api = await startTestApi({ providers: () => memory });
  try {
    const applied = await api.call('/apply', { method: 'POST', body: RESOURCES, actor: 'alice' });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    await api.store.experiments.saveCounts('new-checkout', WINNING);
    api.clock.advance(600_000);
    await body(api);
  } finally {
    await api.close();
  }
}

const answers = (treatmentErrors: number) => ({
  'errors{service="shop",version="v1"}[600s]': 100,
  'requests{version="v1"}[600s]': 10_000,
  'errors{service="shop",version="v2"}[600s]': treatmentErrors,
  'requests{version="v2"}[600s]': 10_000,
});

describe('experiment provider metrics', () => {
  test('a provider guardrail within its tolerance leaves the winner; its rows carry the provider counts over the running time', () =>
    withApi(new MemoryMetricProvider(answers(105)), async (api) => {
      const { report } = (await api.call('/experiments/new-checkout')).body;
      assert.deepEqual([report.result, report.winner], ['winner', 'treatment']);
      const rows = report.rows.filter((r: any) => r.metric === 'errors');
      assert.deepEqual(rows.map((r: any) => [r.variant, r.n, r.value, r.verdict]), [['control', 10_000, 0.01, null], ['treatment', 10_000, 0.0105, 'ok']]);
    }));

  test('a provider guardrail breach turns the would-be winner into inconclusive with the guardrail reason, and promote is refused', () =>
    withApi(new MemoryMetricProvider(answers(300)), async (api) => {
      const { report } = (await api.call('/experiments/new-checkout')).body;
      assert.deepEqual([report.result, report.winner], ['inconclusive', null]);
      assert.deepEqual(report.reasons.map((r: any) => r.code), ['guardrail-breached', 'guardrail-breached']);
      assert.match(report.reasons[1].message, /guardrail errors breached by treatment/);
      const promoted = await api.call('/experiments/new-checkout/promote', { method: 'POST', body: '{}', actor: 'bob' });
      assert.equal(promoted.status, 409, JSON.stringify(promoted.body));
    }));

  test('a provider that fails makes the report inconclusive with metric-unavailable, not a silent winner', () =>
    withApi(new MemoryMetricProvider({ ...answers(105), 'requests{version="v2"}[600s]': { error: 'timeout' } }), async (api) => {
      const { report } = (await api.call('/experiments/new-checkout')).body;
      assert.deepEqual([report.result, report.winner], ['inconclusive', null]);
      assert.equal(report.reasons[0].code, 'metric-unavailable');
      assert.match(report.reasons[0].message, /metric errors of treatment could not be read: .*timeout/);
      assert.equal(report.reasons.some((r: any) => r.code === 'winner'), false);
    }));

  test('a stopped experiment is measured up to when it stopped, not to now', () => {
    const memory = new MemoryMetricProvider(answers(105));
    return withApi(memory, async (api) => {
      const stopped = await api.call('/experiments/new-checkout/stop', { method: 'POST', body: '{}', actor: 'bob' });
      assert.equal(stopped.status, 200, JSON.stringify(stopped.body));
      assert.equal(stopped.body.status.endedAt, T0 + 600_000);
      api.clock.advance(60_000);
      const { report } = (await api.call('/experiments/new-checkout')).body;
      assert.equal(report.result, 'winner');
      assert.ok(memory.asked.every((q) => !q.includes('[660s]')), memory.asked.join(', '));
    });
  });
});
