import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { changeScale, nextRollingAction, rollingBatches, rollingPlan, rollingStrategy, rolloutReplicas, shareWeight, type RollingBatch } from './rolling.js';
import { createRollout, desiredSplit } from './rollout.js';
import { markRollbackOp, nextRollbackOp, planRollback } from './rollback-plan.js';
import { changeWeight, requestAbort, startRollout } from './progress.js';

const T0 = 1_000;
const rollout = (strategy = rollingStrategy({ maxSurge: 1, maxUnavailable: 0 })) => createRollout('shop-v2', { service: 'shop', target: 'v2', strategy }, 'v1', T0);

describe('rollingBatches', () => {
  test('maxSurge 1, maxUnavailable 0 over 3 replicas: one new instance, then one old one out, three times', () => {
    assert.deepEqual(rollingBatches(3, { maxSurge: 1, maxUnavailable: 0 }), [
      { target: 1, weight: 33.33, stable: 2 },
      { target: 2, weight: 66.67, stable: 1 },
      { target: 3, weight: 100, stable: 0 },
    ]);
  });

  test('maxSurge 0, maxUnavailable 1: the stable makes room first, never below replicas − 1 instances', () => {
    const batches = rollingBatches(3, { maxSurge: 0, maxUnavailable: 1 });
    assert.deepEqual(batches, [
      { target: 0, weight: 0, stable: 2 },
      { target: 1, weight: 50, stable: 1 },
      { target: 2, weight: 100, stable: 0 },
      { target: 3, weight: 100, stable: 0 },
    ]);
    // Within a batch the target is raised before the stable is lowered: the fewest instances is after the lowering.
    for (const b of batches) assert.ok(b.target + b.stable >= 2, JSON.stringify(b));
  });

  test('every batch keeps instances within replicas + maxSurge and the last has all on the target', () => {
    for (const [replicas, surge, unavailable] of [[4, 2, 1], [5, 1, 2], [1, 1, 0], [10, 3, 0]] as const) {
      const batches = rollingBatches(replicas, { maxSurge: surge, maxUnavailable: unavailable });
      let stable: number = replicas;
      for (const b of batches) {
        assert.ok(b.target + stable <= replicas + surge, `surge exceeded: ${JSON.stringify(b)}`);
        assert.ok(b.target + b.stable >= replicas - unavailable, `too few: ${JSON.stringify(b)}`);
        stable = b.stable;
      }
      assert.deepEqual(batches.at(-1), { target: replicas, weight: 100, stable: 0 });
    }
  });

  test('rollingPlan reads percentages like run.rollingUpdate: surge rounds up, unavailable down', () => {
    // 25% of 3: surge ceil(0.75) = 1, unavailable floor(0.75) = 0.
    assert.deepEqual(rollingPlan({ maxSurge: '25%', maxUnavailable: '25%' }, 3), rollingBatches(3, { maxSurge: 1, maxUnavailable: 0 }));
    // Both 0: Kubernetes' fallback of maxUnavailable 1.
    assert.deepEqual(rollingPlan({ maxSurge: 0, maxUnavailable: 0 }, 2), rollingBatches(2, { maxSurge: 0, maxUnavailable: 1 }));
  });

  test('shareWeight rounds to the data plane resolution', () => {
    assert.equal(shareWeight(1, 3), 33.33);
    assert.equal(shareWeight(0, 0), 100);
  });
});

describe('nextRollingAction', () => {
  const batches: RollingBatch[] = rollingBatches(3, { maxSurge: 1, maxUnavailable: 0 });
  test('raise target, wait for it, move traffic, lower stable, then the next batch, then done', () => {
    const at = { target: 0, stable: 3, weight: 0, targetAvailable: 0 };
    assert.deepEqual(nextRollingAction(batches, at), { kind: 'scaleTarget', replicas: 1, batch: 1 });
    assert.deepEqual(nextRollingAction(batches, { ...at, target: 1 }), { kind: 'awaitTarget', replicas: 1, batch: 1 });
    assert.deepEqual(nextRollingAction(batches, { ...at, target: 1, targetAvailable: 1 }), { kind: 'setWeight', weight: 33.33, batch: 1 });
    assert.deepEqual(nextRollingAction(batches, { ...at, target: 1, targetAvailable: 1, weight: 33.33 }), { kind: 'scaleStable', replicas: 2, batch: 1 });
    assert.deepEqual(nextRollingAction(batches, { target: 1, stable: 2, weight: 33.33, targetAvailable: 1 }), { kind: 'scaleTarget', replicas: 2, batch: 2 });
    assert.deepEqual(nextRollingAction(batches, { target: 3, stable: 0, weight: 100, targetAvailable: 3 }), { kind: 'done' });
  });

  test('a target instance lost after its batch holds the update before any further traffic moves', () => {
    assert.deepEqual(nextRollingAction(batches, { target: 2, stable: 2, weight: 33.33, targetAvailable: 1 }), { kind: 'awaitTarget', replicas: 2, batch: 2 });
  });
});

describe('rolling rollout state', () => {
  test('the strategy runs one rollingBatches step with the bounds', () => {
    assert.deepEqual(rollingStrategy({ maxSurge: '25%', maxUnavailable: 0 }).steps, [{ kind: 'rollingBatches', maxSurge: '25%', maxUnavailable: 0 }]);
  });

  test('rolloutReplicas: the target at 0 before the first batch, then what status.scale says; canaries own no counts', () => {
    const r = rollout();
    assert.equal(rolloutReplicas(r, 'v2'), 0);
    assert.equal(rolloutReplicas(r, 'v1'), undefined);
    const scaled = changeScale(r, { v2: 1 }, 'batch 1', T0 + 1).rollout;
    assert.equal(rolloutReplicas(changeScale(scaled, { v1: 2 }, 'batch 1', T0 + 2).rollout, 'v1'), 2);
    assert.equal(rolloutReplicas(scaled, 'v2'), 1);
    assert.equal(rolloutReplicas(createRollout('c', { service: 'shop', target: 'v2', strategy: { kind: 'canary', steps: [] } }, 'v1', T0), 'v2'), undefined);
  });

  test('changeScale records what moved in a WorkloadChanged event', () => {
    const change = changeScale(changeScale(rollout(), { v1: 3, v2: 0 }, 'start', T0).rollout, { v2: 1 }, 'batch 1: v2 to 1', T0 + 5);
    assert.deepEqual(change.rollout.status.scale, { v1: 3, v2: 1 });
    assert.equal(change.events[0]?.from, 'v2=0');
    assert.equal(change.events[0]?.to, 'v2=1');
  });
});

describe('rollback plan of a rolling rollout', () => {
  test('runtime comes after traffic and verify, and is recorded like the others', () => {
    const aborting = requestAbort(startRollout(rollout(), T0 + 1).rollout, 'failure', 'error rate', T0 + 10).rollout;
    let plan = planRollback(aborting, T0 + 10);
    assert.deepEqual(plan.ops.map((o) => o.op), ['traffic', 'verify', 'runtime']);
    plan = markRollbackOp(plan, 'traffic', 'told', T0 + 11).plan;
    plan = markRollbackOp(plan, 'verify', 'served', T0 + 12).plan;
    assert.equal(nextRollbackOp(plan), 'runtime');
    const marked = markRollbackOp(plan, 'runtime', 'v1 at 3, v2 at 0', T0 + 13);
    assert.equal(marked.event.reason, 'Rollback 3/3 (runtime): v1 at 3, v2 at 0');
    assert.equal(nextRollbackOp(marked.plan), undefined);
  });

  test('with the stable at 0 instances, the traffic stays on the target while rolling back, and the stable runs its spec\'s replicas', () => {
    const started = startRollout(rollout(), T0 + 1).rollout;
    const emptied = changeScale(changeWeight(started, 100, T0 + 2).rollout, { v1: 0, v2: 2 }, 'batch 3', T0 + 3).rollout;
    const aborting = requestAbort(emptied, 'failure', 'error rate', T0 + 4).rollout;
    assert.deepEqual(desiredSplit(aborting), { stable: 'v1', canary: 'v2', weight: 100 });
    assert.equal(rolloutReplicas(aborting, 'v1'), undefined);
    const restored = changeScale(aborting, { v1: 3 }, 'v1 ready again', T0 + 5).rollout;
    assert.deepEqual(desiredSplit(restored), { stable: 'v1', weight: 0 });
    const withInstances = requestAbort(changeScale(started, { v1: 2, v2: 1 }, 'batch 1', T0 + 3).rollout, 'failure', 'error rate', T0 + 4).rollout;
    assert.deepEqual(desiredSplit(withInstances), { stable: 'v1', weight: 0 }, 'a stable with instances gets the traffic back at once');
  });

  test('a canary has no runtime op', () => {
    const canary = createRollout('c', { service: 'shop', target: 'v2', strategy: { kind: 'canary', steps: [] } }, 'v1', T0);
    assert.deepEqual(planRollback(canary, T0).ops.map((o) => o.op), ['traffic', 'verify']);
  });
});
