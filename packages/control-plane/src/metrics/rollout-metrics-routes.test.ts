import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventType, Phase, startRollout, type GuardCondition, type NewReleaseEvent, type Rollout, type Step } from '@sluice/domain';
import { startTestApi, type TestApi } from '../http/testing/api-server.js';
import { shopRollout, shopService, T0 } from '../orchestrator/testing/fixtures.js';
import { seedMetricSamples, syntheticMetricSamples } from '../store/testing/metric-sample-seed.js';
import { MAX_METRICS_SPAN_MS } from './rollout-metrics-routes.js';

const STEPS: readonly Step[] = [{ kind: 'setWeight', weight: 20 }, { kind: 'pause', durationMs: 60_000 }, { kind: 'setWeight', weight: 100 }];

async function withApi(rollout: Rollout, body: (api: TestApi) => Promise<void>): Promise<void> {
  const api = await startTestApi();
  try {
    await api.store.services.save(shopService(), 0);
    await api.store.rollouts.save(rollout, 0);
    await body(api);
  } finally {
    await api.close();
  }
}

const progressing = (steps = STEPS) => startRollout(shopRollout(steps), T0).rollout;

const stepCompleted = (step: number, at: number, kind = 'setWeight'): NewReleaseEvent => ({
  at,
  actor: 'controller',
  service: 'shop',
  subject: { kind: 'Rollout', name: 'shop-v2' },
  type: EventType.StepCompleted,
  reason: `step ${step} completed`,
  data: { step, kind },
});

/** 30 minutes: stable 100 req/s with no errors, canary 20 req/s with 5 % errors. */
const seedHalfHour = (api: TestApi) =>
  seedMetricSamples(api.store, syntheticMetricSamples({ service: 'shop', from: T0, seconds: 1800, versions: [{ version: 'v1', requestsPerSecond: 100, p50Ms: 10, p99Ms: 80 }, { version: 'v2', requestsPerSecond: 20, errorRate: 0.05, p50Ms: 15, p99Ms: 300 }] }));

describe('GET /rollouts/{name}/metrics', () => {
  test('answers both versions columnar, with error rates, the default guard line and the steps started', () =>
    withApi(progressing(), async (api) => {
      await seedHalfHour(api);
      await api.store.events.append([stepCompleted(0, T0 + 60_000), stepCompleted(2, T0 + 70_000, 'target'), stepCompleted(1, T0 + 120_000, 'pause')]);
      api.clock.set(T0 + 1800_000);
      const { status, body } = await api.call('/rollouts/shop-v2/metrics');
      assert.equal(status, 200, JSON.stringify(body));
      assert.deepEqual([body.rollout, body.service, body.stable, body.canary, body.from, body.to, body.stepMs, body.truncated], ['shop-v2', 'shop', 'v1', 'v2', T0, T0 + 1800_000, 1000, undefined]);
      const [stable, canary] = body.series;
      assert.deepEqual([stable.version, stable.role, canary.version, canary.role], ['v1', 'stable', 'v2', 'canary']);
      assert.equal(stable.t.length, 1800);
      assert.equal(canary.t[0], T0);
      assert.equal(canary.t.at(-1), T0 + 1799_000);
      assert.deepEqual([stable.requests[5], stable.errorRate[5], canary.requests[5], canary.errorRate[5]], [100, 0, 20, 0.05]);
      assert.equal(Object.keys(canary).sort().join(), 'errorRate,errors,p50Ms,p99Ms,requests,role,t,version');
      assert.equal(body.thresholds.errorRate.value, 0.01);
      assert.equal(body.thresholds.errorRate.relativeTo, 'stable');
      assert.match(body.thresholds.errorRate.label, /error-rate: rollback at 10× stable/);
      assert.deepEqual(body.steps.map((s: any) => [s.index, s.kind, s.startedAt - T0, s.description]), [[0, 'setWeight', 0, 'setWeight 20'], [1, 'pause', 60_000, 'pause 60s'], [2, 'setWeight', 120_000, 'setWeight 100']]);
    }));

  test('after= answers only later points; a second with no requests has a null error rate', () =>
    withApi(progressing(), async (api) => {
      await seedHalfHour(api);
      await api.store.metricSamples.append([{ service: 'shop', version: 'v2', at: T0 + 1800_000, requests: 0, errors: 0, p50Ms: null, p99Ms: null }]);
      api.clock.set(T0 + 1801_500);
      const { status, body } = await api.call(`/rollouts/shop-v2/metrics?after=${T0 + 1797_000}`);
      assert.equal(status, 200);
      assert.deepEqual(body.series[0].t, [T0 + 1798_000, T0 + 1799_000]);
      assert.deepEqual(body.series[1].t, [T0 + 1798_000, T0 + 1799_000, T0 + 1800_000]);
      assert.deepEqual(body.series[1].errorRate.at(-1), null);
      assert.deepEqual(body.series[1].p99Ms.at(-1), null);
      const none = await api.call(`/rollouts/shop-v2/metrics?after=${T0 + 1800_000}`);
      assert.deepEqual(none.body.series.map((s: any) => s.t.length), [0, 0]);
    }));

  test('a rollout longer than 6 hours answers its last 6 hours, marked truncated', () =>
    withApi(progressing(), async (api) => {
      const hours = 7 * 3600;
      await seedMetricSamples(api.store, syntheticMetricSamples({ service: 'shop', from: T0, seconds: hours, versions: [{ version: 'v1', requestsPerSecond: 10 }, { version: 'v2', requestsPerSecond: 1 }] }));
      api.clock.set(T0 + hours * 1000);
      const { body } = await api.call('/rollouts/shop-v2/metrics');
      assert.equal(body.truncated, true);
      assert.equal(body.from, T0);
      assert.deepEqual(body.series.map((s: any) => s.t.length), [21_600, 21_600]);
      assert.equal(body.series[0].t[0], T0 + hours * 1000 - MAX_METRICS_SPAN_MS);
      const recent = await api.call(`/rollouts/shop-v2/metrics?after=${T0 + hours * 1000 - 10_000}`);
      assert.equal(recent.body.truncated, undefined);
      assert.equal(recent.body.series[0].t.length, 9);
    }));

  test('an ended rollout is answered up to 10 minutes after its end; a fixed guard threshold is drawn with its label', () => {
    const p99: GuardCondition = {
      name: 'p99', provider: { kind: 'builtin' }, query: 'latency-p99', judge: { kind: 'threshold', successCondition: 'result < 800' },
      intervalMs: 1000, timeoutMs: 1000, retries: 0, gate: { count: 0, failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 4, consecutiveSuccessLimit: 0 }, action: 'pause',
    };
    const errors: GuardCondition = { ...p99, name: 'errors', query: 'error-rate', judge: { kind: 'threshold', failureCondition: 'result * 100 > 2' }, action: 'rollback' };
    const base = progressing();
    const ended: Rollout = { ...base, spec: { ...base.spec, guard: { conditions: [p99, errors] } }, status: { ...base.status, phase: Phase.Aborted, finishedAt: T0 + 600_000 } };
    return withApi(ended, async (api) => {
      await seedHalfHour(api);
      api.clock.set(T0 + 3600_000);
      const { body } = await api.call('/rollouts/shop-v2/metrics');
      assert.equal(body.to, T0 + 1200_000);
      assert.equal(body.series[0].t.length, 1200);
      assert.deepEqual(body.thresholds, { p99Ms: { value: 800, label: 'guard p99: pause unless result < 800' }, errorRate: { value: 0.02, label: 'guard errors: rollback when result * 100 > 2' } });
    });
  });

  test('unknown rollout: 404 ROLLOUT_NOT_FOUND; bad after: 400 naming the parameter', () =>
    withApi(progressing(), async (api) => {
      const missing = await api.call('/rollouts/nope/metrics');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'ROLLOUT_NOT_FOUND');
      assert.match(missing.body.error.message, /"nope"/);
      for (const bad of ['-1', 'soon', '1.5', '99999999999999999999']) {
        const answer = await api.call(`/rollouts/shop-v2/metrics?after=${bad}`);
        assert.equal(answer.status, 400, bad);
        assert.equal(answer.body.error.code, 'INVALID_REQUEST');
        assert.equal(answer.body.error.details.problems[0].path, '?after');
      }
    }));
});
