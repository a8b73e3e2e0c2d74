import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRollout, DEFAULT_GATE, EventType, Phase, rollingStrategy, type GuardCondition, type Rollout, type Service } from '@sluice/domain';
import { Guardian } from '../guard/guardian.js';
import { MemoryMetricProvider } from '../providers/in-memory/memory-provider.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { harness, settle, shopService, T0, type Harness } from './testing/fixtures.js';

const ERRORS: GuardCondition = {
  name: 'errors',
  provider: { kind: 'builtin' },
  judge: { kind: 'errorRate', requestsQuery: 'requests {{version}}', errorsQuery: 'errors {{version}}', options: {} },
  intervalMs: 1_000,
  timeoutMs: 1_000,
  retries: 0,
  gate: { ...DEFAULT_GATE, inconclusiveLimit: Number.MAX_SAFE_INTEGER, consecutiveErrorLimit: Number.MAX_SAFE_INTEGER },
  action: 'rollback',
};
const HEALTHY = { 'requests v2': 1000, 'errors v2': 1, 'requests v1': 9000, 'errors v1': 9, requests: 500, errors: 0 };

/** shop with v1 at 3 replicas (stable) and v2, and a rolling rollout to v2: maxSurge 1, maxUnavailable 0, guarded. */
async function setup(bounds: { maxSurge: number; maxUnavailable: number } = { maxSurge: 1, maxUnavailable: 0 }): Promise<Harness & { provider: MemoryMetricProvider }> {
  const provider = new MemoryMetricProvider(HEALTHY);
  const store = new MemoryStore();
  const base = shopService();
  const runOf = (v: string) => {
    const source = base.spec.versions[v];
    assert.equal(source?.kind, 'run');
    return source.kind === 'run' ? { kind: 'run' as const, run: { ...source.run, replicas: 3 } } : source;
  };
  const service: Service = { ...base, spec: { ...base.spec, versions: { v1: runOf('v1'), v2: runOf('v2') } } };
  const rollout: Rollout = createRollout('shop-v2', { service: 'shop', target: 'v2', strategy: rollingStrategy(bounds), guard: { conditions: [ERRORS] } }, 'v1', T0);
  await store.transaction(async (tx) => {
    await tx.services.save(service, 0);
    await tx.rollouts.save(rollout, 0);
  });
  return { ...harness({ store, manualReadiness: true, guardian: new Guardian(() => provider) }), provider };
}

const V1 = { service: 'shop', version: 'v1' };
const V2 = { service: 'shop', version: 'v2' };
const get = async (h: Harness): Promise<Rollout> => {
  const r = await h.store.rollouts.get('shop-v2');
  assert.ok(r);
  return r;
};
const ready = (h: Harness, key: typeof V1) => h.runtime.status(key)?.readyEndpoints.length ?? 0;
const instances = (h: Harness, key: typeof V1) => h.runtime.status(key)?.instances.length ?? 0;

describe('a rolling rollout', () => {
  test('raises the target, waits for it, moves traffic to its share, then lowers the stable; the guard rolls it back and the plan restores the scales', async () => {
    const h = await setup();
    await settle(h);
    h.runtime.markReady(V1);
    await settle(h);
    let r = await get(h);
    // Batch 1 begins: v2 raised to 1 (not to its spec's 3), no traffic until it is ready, v1 untouched.
    assert.deepEqual(r.status.scale, { v1: 3, v2: 1 });
    assert.equal(instances(h, V2), 1);
    assert.equal(r.status.canaryWeight, 0);
    assert.equal(ready(h, V1), 3);

    h.runtime.markReady(V2);
    await settle(h);
    r = await get(h);
    // Weight 33.33 % served, then v1 lowered to 2; batch 2 raised v2 to 2, waiting for its new instance.
    assert.equal(r.status.canaryWeight, 33.33);
    assert.equal((await h.router.observeSplit('shop')).weight, 33.33);
    assert.deepEqual(r.status.scale, { v1: 2, v2: 2 });
    assert.equal(ready(h, V1), 2);
    assert.equal(ready(h, V2), 1);
    const v1Before = ready(h, V1);

    h.provider.set('errors v2', 100);
    for (let i = 0; i < 3; i++) {
      h.clock.advance(1_000);
      await settle(h);
      assert.ok(ready(h, V1) >= v1Before, `v1 kept the ${v1Before} ready instances it had before the failing batch`);
    }
    r = await get(h);
    assert.equal(r.status.phase, Phase.Aborting, 'waiting for v1 to be back at 3 ready instances');
    assert.equal((await h.router.observeSplit('shop')).weight, 0, 'traffic went back to v1 first');
    assert.deepEqual(r.status.scale, { v1: 3, v2: 0 });
    assert.deepEqual(r.status.rollbackPlan?.ops.map((o) => [o.op, o.doneAt !== undefined]), [['traffic', true], ['verify', true], ['runtime', false]]);
    assert.equal(instances(h, V2), 0);

    // A control plane that dies here resumes from the store: a new one (new runtime) finishes the plan.
    const restarted = harness({ store: h.store, clock: h.clock, router: h.router, manualReadiness: true, guardian: new Guardian(() => h.provider) });
    await settle(restarted);
    assert.equal((await get(h)).status.phase, Phase.Aborting);
    assert.equal(instances(restarted, V1), 3, 'the new runtime starts v1 at the scale the store says');
    assert.equal(instances(restarted, V2), 0);
    restarted.runtime.markReady(V1);
    await settle(restarted);
    r = await get(h);
    assert.equal(r.status.phase, Phase.Failed);
    assert.equal(ready(restarted, V1), 3);
    const progressed = await h.store.events.list({ subject: { kind: 'Rollout', name: 'shop-v2' }, types: [EventType.RollbackProgressed] });
    assert.deepEqual(progressed.map((e) => e.to), ['traffic', 'verify', 'runtime']);
    assert.match(progressed[2]?.reason ?? '', /Rollback 3\/3 \(runtime\): v1 runs 3 ready instance\(s\), v2 none/);
    // Ended: v2 is idle, so the service reconcile does not start it again at its spec's 3 replicas.
    const service = await h.store.services.get('shop');
    assert.ok(service?.status.idle?.['v2'] !== undefined);
    await settle(restarted);
    await restarted.controller.reconcileOnce();
    assert.equal(instances(restarted, V2), 0);
    assert.equal(instances(restarted, V1), 3);
  });

  test('without a breach it ends with v2 at 3 instances and 100 %, promotes it, and retires v1', async () => {
    const h = await setup();
    await settle(h);
    for (let i = 0; i < 12; i++) {
      for (const key of [V1, V2]) if (h.runtime.status(key) !== undefined) h.runtime.markReady(key);
      await settle(h);
      assert.ok(ready(h, V1) + ready(h, V2) >= 3, 'maxUnavailable 0: never fewer than 3 ready instances');
      assert.ok(instances(h, V1) + instances(h, V2) <= 4, 'maxSurge 1: never more than 4 instances');
    }
    const r = await get(h);
    assert.equal(r.status.phase, Phase.Succeeded);
    const weights = (await h.store.events.list({ subject: { kind: 'Rollout', name: 'shop-v2' }, types: [EventType.WeightChanged] })).map((e) => e.to);
    assert.deepEqual(weights, ['33.33', '66.67', '100']);
    assert.equal((await h.store.services.get('shop'))?.status.stable, 'v2');
    await h.controller.reconcileOnce();
    assert.equal(instances(h, V2), 3);
    assert.equal(instances(h, V1), 0, 'the stable\'s last instance went at promotion');
  });

  test('maxSurge 0: a breach once the stable has no instance left brings one back before traffic returns to it', async () => {
    const h = await setup({ maxSurge: 0, maxUnavailable: 1 });
    await settle(h);
    // Batches (v2, weight, v1): (0, 0, 2), (1, 50, 1), (2, 100, 0), (3, 100, 0).
    for (let i = 0; i < 8 && (await get(h)).status.scale?.['v1'] !== 0; i++) {
      for (const key of [V1, V2]) if (h.runtime.status(key) !== undefined) h.runtime.markReady(key);
      await settle(h);
    }
    let r = await get(h);
    assert.equal(r.status.scale?.['v1'], 0);
    assert.ok((r.status.scale?.['v2'] ?? 0) >= 2);
    assert.equal(r.status.canaryWeight, 100);
    assert.equal(ready(h, V1), 0);

    h.provider.set('errors v2', 100);
    for (let i = 0; i < 3; i++) {
      h.clock.advance(1_000);
      await settle(h);
    }
    r = await get(h);
    assert.equal(r.status.phase, Phase.Aborting);
    assert.equal(r.status.rollbackPlan?.ops[0]?.doneAt, undefined, 'traffic has not moved: v1 has no ready instance');
    assert.equal((await h.router.observeSplit('shop')).weight, 100, 'v2 keeps serving meanwhile');
    assert.equal(instances(h, V1), 3, 'v1 started again at once, its spec\'s replicas');

    h.runtime.markReady(V1);
    await settle(h);
    r = await get(h);
    assert.equal(r.status.phase, Phase.Failed);
    assert.equal((await h.router.observeSplit('shop')).weight, 0);
    assert.deepEqual(r.status.scale, { v1: 3, v2: 0 });
  });

  test('a target instance that never becomes ready rolls back at the progress deadline, through the same plan', async () => {
    const h = await setup();
    await settle(h);
    h.runtime.markReady(V1);
    await settle(h);
    h.clock.advance(599_000);
    await settle(h);
    assert.equal((await get(h)).status.phase, Phase.Progressing, 'still within the 10-minute deadline');
    h.clock.advance(2_000);
    await settle(h);
    const r = await get(h);
    assert.equal(r.status.phase, Phase.Failed);
    const reasons = (await h.store.events.list({ subject: { kind: 'Rollout', name: 'shop-v2' } })).map((e) => e.reason);
    assert.ok(reasons.some((reason) => /batch 1: only 0 of 1 instance\(s\) of v2 ready and routed .*progress deadline/.test(reason)), reasons.join('\n'));
    assert.deepEqual(r.status.scale, { v1: 3, v2: 0 });
    assert.deepEqual(r.status.rollbackPlan?.ops.map((o) => o.op), ['traffic', 'verify', 'runtime']);
    assert.equal(instances(h, V2), 0);
    assert.equal(ready(h, V1), 3);
  });
});
