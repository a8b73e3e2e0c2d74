import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchesAudit, mergeEvents } from '../audit/audit-model';
import { exposureOf, healthOf } from './release-health';
import { filterFromQuery, matches, releasesOf, stepText, type RolloutView, type ServiceState } from './release-model';

const service = (name: string, extra: Partial<ServiceState> = {}): ServiceState =>
  ({
    name,
    version: 1,
    spec: { listen: '127.0.0.1:0', stickiness: {}, versions: { v1: {}, v2: {} }, stable: 'v1' },
    status: { stable: 'v1', revision: 1 },
    workloads: [
      { version: 'v1', desiredReplicas: 2, readyEndpoints: ['a', 'b'], instances: [] },
      { version: 'v2', desiredReplicas: 1, readyEndpoints: [], instances: [] },
    ],
    ...extra,
  }) as unknown as ServiceState;

const rollout = (name: string, svc: string, phase: string, status: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): RolloutView =>
  ({
    name,
    version: 1,
    spec: { service: svc, target: 'v2', strategy: { kind: 'canary', steps: [] }, ...spec },
    status: { phase, stepIndex: 1, canaryWeight: 20, stable: 'v1', message: 'm', createdAt: name.length, updatedAt: 0, ...status },
    steps: [0, 1, 2].map((index) => ({ index, kind: 'pause', description: `step ${index}`, state: index === 1 ? 'current' : 'pending' })),
  }) as unknown as RolloutView;

test('releasesOf pairs each service with its active rollout and its latest finished one; the filters', () => {
  const data = { services: [service('shop'), service('cart')], rollouts: [rollout('shop-v1', 'shop', 'Aborted'), rollout('shop-v2x', 'shop', 'Paused')] };
  const releases = releasesOf(data);
  assert.deepEqual(releases.map((r) => [r.service.name, r.active?.name, r.last?.name]), [['cart', undefined, undefined], ['shop', 'shop-v2x', 'shop-v1']]);
  const names = (q: string) => releases.filter((r) => matches(r, filterFromQuery(new URLSearchParams(q)))).map((r) => r.service.name);
  assert.deepEqual(names(''), ['cart', 'shop']);
  assert.deepEqual(names('q=V2X'), ['shop']);
  assert.deepEqual(names('active=1'), ['shop']);
  assert.deepEqual(names('phase=Paused'), ['shop']);
  assert.deepEqual(names('phase=Aborted'), []);
  assert.deepEqual(names('phase=Bogus'), ['cart', 'shop'], 'an unknown phase is ignored');
  assert.equal(stepText(rollout('r', 'shop', 'Paused')), 'step 2/3');
  assert.equal(stepText(rollout('r', 'shop', 'Succeeded', { stepIndex: 3 })), 'step 3/3');
});

test('healthOf: healthy, then a hold, a guard breach, a failed analysis and a target without ready instances', () => {
  assert.deepEqual(healthOf(service('shop'), undefined).map((s) => [s.key, s.level]), [['healthy', 'ok']]);
  const troubled = rollout('r', 'shop', 'Paused', {
    hold: { source: 'budget', reason: 'Exposure budget spent', at: 1, paused: true },
    guard: { startedAt: 1, conditions: [], breaches: { 'error-rate': { at: 2, action: 'rollback', reason: '5xx ×10' } } },
    stepState: { stepIndex: 1, startedAt: 1, analysis: { startedAt: 1, metrics: {}, status: 'failed', reason: 'errors' } },
  });
  const signals = healthOf(service('shop', { problem: 'address in use' }), troubled);
  assert.deepEqual(signals.map((s) => [s.key, s.level]), [['problem', 'bad'], ['hold', 'warn'], ['guard:error-rate', 'bad'], ['analysis', 'bad'], ['instances:v1', 'ok'], ['instances:v2', 'warn']]);
  assert.match(signals.find((s) => s.key === 'hold')?.title ?? '', /Exposure budget spent.*promote releases it/);
  assert.equal(signals.find((s) => s.key === 'instances:v2')?.label, 'v2 0/1 ready');
});

test('exposureOf: each measure against the budget cap', () => {
  const r = rollout('r', 'shop', 'Paused', { exposure: { requests: 1500, failedRequests: 2, distinctKeys: 40, trafficMinutes: 0.123, throughMs: 0 } }, { exposureBudget: { maxRequests: 1000 } });
  assert.deepEqual(exposureOf(r).map((m) => [m.label, m.value, m.cap, m.used]), [['requests', '1,500', '1,000', 1], ['failed', '2', undefined, undefined], ['users', '~40', undefined, undefined], ['traffic-min', '0.12', undefined, undefined]]);
});

test('the audit filters and merging pages', () => {
  const e = (seq: number, type: string, actor: string) => ({ seq, type, at: 0, actor, service: 'shop', subject: { kind: 'Rollout', name: 'shop-v2' }, reason: '' });
  const filter = { service: 'shop', actor: 'alice', source: '', type: 'StableChanged,WeightChanged', subject: 'Rollout/shop-v2' };
  assert.equal(matchesAudit(e(1, 'WeightChanged', 'alice'), filter), true);
  assert.equal(matchesAudit(e(1, 'PhaseChanged', 'alice'), filter), false);
  assert.equal(matchesAudit(e(1, 'WeightChanged', 'bob'), filter), false);
  assert.equal(matchesAudit(e(1, 'WeightChanged', 'alice'), { ...filter, subject: 'Service/shop' }), false);
  assert.deepEqual(mergeEvents([e(5, 'a', 'x')], [e(4, 'a', 'x'), e(5, 'a', 'x')], [e(1, 'a', 'x')]).map((x) => x.seq), [5, 4, 1]);
});
