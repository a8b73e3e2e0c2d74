import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventType, Phase } from '@sluice/domain';
import { abortRollout, promoteRollout } from '../rollouts/rollout-commands.js';
import { harness, seed, settle, shopRollout } from './testing/fixtures.js';

async function phaseOf(h: ReturnType<typeof harness>) {
  const r = await h.store.rollouts.get('shop-v2');
  assert.ok(r);
  return { phase: r.status.phase, step: r.status.stepIndex, weight: r.status.canaryWeight };
}

describe('Controller', () => {
  test('controller drives the demo steps on fake time: weight, timed pause, manual pause, promotion', async () => {
    const h = harness();
    await seed(h.store);
    await settle(h);
    assert.deepEqual(await phaseOf(h), { phase: Phase.Paused, step: 1, weight: 1 });
    assert.equal((await h.router.observeSplit('shop')).weight, 1);

    h.clock.advance(29_999);
    await settle(h);
    assert.equal((await phaseOf(h)).step, 1, 'the timed pause has not ended 1 ms early');
    h.clock.advance(1);
    await settle(h);
    assert.deepEqual(await phaseOf(h), { phase: Phase.Paused, step: 3, weight: 20 });
    assert.equal((await h.router.observeSplit('shop')).weight, 20);

    await promoteRollout({ store: h.store, clock: h.clock, actor: 'alice' }, 'shop-v2', false);
    await settle(h);
    assert.equal((await phaseOf(h)).phase, Phase.Succeeded);
    const service = await h.store.services.get('shop');
    assert.deepEqual(service?.status, { stable: 'v2', revision: 2 });
    const split = await h.router.observeSplit('shop');
    assert.equal(split.stable, 'v2');
    assert.equal(split.canary, undefined);
  });

  test('controller waits for a ready canary instance before giving it weight', async () => {
    const h = harness({ manualReadiness: true });
    await seed(h.store);
    await settle(h);
    h.runtime.markReady({ service: 'shop', version: 'v1' });
    await settle(h);
    assert.deepEqual(await phaseOf(h), { phase: Phase.Progressing, step: 0, weight: 0 });
    assert.equal(h.controller.outcome('shop-v2')?.kind, 'waiting');
    h.runtime.markReady({ service: 'shop', version: 'v2' });
    await settle(h);
    assert.deepEqual(await phaseOf(h), { phase: Phase.Paused, step: 1, weight: 1 });
  });

  test('abort returns all traffic to stable and ends Aborted with the actor and reason recorded', async () => {
    const h = harness();
    await seed(h.store);
    await settle(h);
    h.clock.advance(30_000);
    await settle(h);
    await abortRollout({ store: h.store, clock: h.clock, actor: 'bob' }, 'shop-v2', 'p99 too high');
    await settle(h);
    assert.deepEqual(await phaseOf(h), { phase: Phase.Aborted, step: 3, weight: 0 });
    const split = await h.router.observeSplit('shop');
    assert.equal(split.stable, 'v1');
    assert.ok(split.canary === undefined || split.weight === 0);
    const events = await h.store.events.list({ subject: { kind: 'Rollout', name: 'shop-v2' } });
    const abort = events.find((e) => e.to === Phase.Aborting);
    assert.equal(abort?.actor, 'bob');
    assert.equal(abort?.reason, 'p99 too high');
    assert.equal((await h.store.services.get('shop'))?.status.stable, 'v1');
  });

  test('promote --full skips every remaining step', async () => {
    const h = harness();
    await seed(h.store);
    await settle(h);
    await promoteRollout({ store: h.store, clock: h.clock, actor: 'carol' }, 'shop-v2', true);
    await settle(h);
    assert.equal((await phaseOf(h)).phase, Phase.Succeeded);
  });

  test('controller retries a data-plane failure on the next pass without recording it twice', async () => {
    const h = harness();
    await seed(h.store, shopRollout([{ kind: 'setWeight', weight: 50 }, { kind: 'pause' }]));
    h.router.failNext(3);
    await settle(h);
    await settle(h);
    assert.deepEqual(await phaseOf(h), { phase: Phase.Paused, step: 1, weight: 50 });
    const weights = (await h.store.events.list()).filter((e) => e.type === EventType.WeightChanged);
    assert.equal(weights.length, 1);
  });

  test('controller reports a service that cannot converge until it recovers', async () => {
    const h = harness();
    await seed(h.store);
    h.router.failNext(1);
    await h.controller.reconcileOnce();
    assert.match(h.controller.serviceProblem('shop') ?? '', /./, 'the failed route upsert is reported');
    await h.controller.reconcileOnce();
    assert.equal(h.controller.serviceProblem('shop'), undefined);
  });

  test('controller keeps driving rollouts while a removed version drains', async () => {
    const h = harness();
    await seed(h.store);
    const service = await h.store.services.get('shop');
    assert.ok(service);
    const v3 = service.spec.versions.v2;
    assert.ok(v3);
    const withV3 = await h.store.services.save({ ...service, spec: { ...service.spec, versions: { ...service.spec.versions, v3 } } }, service.version);
    await settle(h);
    let release = () => {};
    const stuck = new Promise<void>((r) => (release = r));
    const retire = h.runtime.retire.bind(h.runtime);
    let retires = 0;
    h.runtime.retire = async (key) => {
      retires++;
      await stuck; // a version whose processes take their whole grace period to drain
      return retire(key);
    };
    const { v3: _dropped, ...versions } = withV3.spec.versions;
    await h.store.services.save({ ...withV3, spec: { ...withV3.spec, versions } }, withV3.version);
    await abortRollout({ store: h.store, clock: h.clock, actor: 'bob' }, 'shop-v2', 'stop');
    await settle(h);
    assert.equal((await phaseOf(h)).phase, Phase.Aborted, 'the abort finished while v3 was still draining');
    assert.equal(retires, 1, 'the retirement was started once, not once per pass');
    release();
  });

  test('a target that never becomes ready fails the rollout at the progress deadline and returns traffic to stable', async () => {
    const h = harness({ manualReadiness: true });
    await seed(h.store);
    await settle(h);
    h.runtime.markReady({ service: 'shop', version: 'v1' });
    await settle(h);
    h.clock.advance(599_999);
    await settle(h);
    assert.equal((await phaseOf(h)).phase, Phase.Progressing, 'still waiting 1 ms before the 10 min deadline');
    h.clock.advance(1);
    await settle(h);
    assert.deepEqual(await phaseOf(h), { phase: Phase.Failed, step: 0, weight: 0 });
    const failed = (await h.store.events.list()).find((e) => e.to === Phase.Aborting);
    assert.match(failed?.reason ?? '', /No ready instance of v2 for 10m/);
    assert.equal((await h.router.observeSplit('shop')).weight, 0);
  });
  test('a rollout waiting only for a time is not re-read until then, a write to it or pollMs; the data plane is re-checked every pollMs', async () => {
    const h = harness();
    await seed(h.store);
    await settle(h);
    assert.deepEqual(await phaseOf(h), { phase: Phase.Paused, step: 1, weight: 1 });
    let reads = 0;
    const get = h.store.rollouts.get.bind(h.store.rollouts);
    h.store.rollouts.get = (name) => {
      reads++;
      return get(name);
    };
    await h.controller.reconcileOnce();
    assert.equal(reads, 0, 'nothing changed and the pause has 30 s to go');
    // Someone resets the data plane: repaired within pollMs (1 s), as when every pass re-read every rollout.
    await h.router.setSplit('shop', { stable: 'v1', weight: 0, salt: 'shop-v2' });
    h.clock.advance(999);
    await h.controller.reconcileOnce();
    assert.equal((await h.router.observeSplit('shop')).weight, 0);
    h.clock.advance(1);
    await h.controller.reconcileOnce();
    assert.ok(reads > 0);
    assert.equal((await h.router.observeSplit('shop')).weight, 1, 'the split the store says is served again');
    // A write to the rollout (promote) is acted on at the next pass.
    await promoteRollout({ store: h.store, clock: h.clock, actor: 'alice' }, 'shop-v2', false);
    await h.controller.reconcileOnce();
    assert.deepEqual(await phaseOf(h), { phase: Phase.Paused, step: 3, weight: 20 });
  });
  test('a service whose inputs are unchanged is not re-converged within pollMs; a readiness change is pushed at the next pass', async () => {
    const h = harness();
    await seed(h.store);
    await settle(h);
    let upserts = 0;
    const upsert = h.router.upsertRoute.bind(h.router);
    h.router.upsertRoute = (...args) => {
      upserts++;
      return upsert(...args);
    };
    await h.controller.reconcileOnce();
    assert.equal(upserts, 0, 'nothing the service reconcile reads has changed');
    h.runtime.markUnready({ service: 'shop', version: 'v2' });
    await h.controller.reconcileOnce();
    assert.equal(upserts, 1);
    assert.deepEqual(h.router.route('shop')?.backends['v2'], [], 'the unready instance left the route');
    h.clock.advance(1000);
    await h.controller.reconcileOnce();
    assert.equal(upserts, 2, 're-converged after pollMs even though nothing changed');
  });
});
