import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRollout, EventType, ManualClock, Phase, requestAbort, wavesStrategy, type Rollout, type Target, type WavesSpec } from '@sluice/domain';
import { silentLogger } from '../platform/logger.js';
import { MemoryRuntime } from '../runtime/in-memory/memory-runtime.js';
import { MemoryStore } from '../store/memory/memory-store.js';
import { MemoryRouter } from '../traffic/in-memory/memory-router.js';
import { TargetRouters } from '../waves/target-routers.js';
import { createWaveExecutor } from '../waves/wave-executor.js';
import { Controller } from './controller.js';
import { StepExecutorRegistry } from './step-executor.js';
import { pauseExecutor } from './step-executors/pause-executor.js';
import { setWeightExecutor } from './step-executors/set-weight-executor.js';
import { seed, T0 } from './testing/fixtures.js';

const target = (name: string, labels: Record<string, string>): Target => ({
  name,
  version: 0,
  spec: { labels, dataPlane: { kind: 'builtin', services: { shop: { listen: '127.0.0.1:0' } } } },
});

const WAVES: WavesSpec = {
  waves: [
    { name: 'eu-1', selector: { matchLabels: { region: 'eu', cluster: '1' } }, steps: [{ kind: 'setWeight', weight: 50 }, { kind: 'pause', durationMs: 10_000 }, { kind: 'setWeight', weight: 100 }], switch: false, bakeTimeMs: 30_000 },
    { name: 'eu', selector: { matchLabels: { region: 'eu' } }, steps: [{ kind: 'setWeight', weight: 20 }, { kind: 'pause', durationMs: 5_000 }, { kind: 'setWeight', weight: 100 }], switch: false },
    { name: 'rest', selector: { matchLabels: {} }, steps: [{ kind: 'setWeight', weight: 100 }], switch: true },
  ],
};

async function setup() {
  const store = new MemoryStore();
  const clock = new ManualClock(T0);
  const routers = new TargetRouters(() => new MemoryRouter());
  const targets = { routers, store: store.targets };
  for (const t of [target('eu-1', { region: 'eu', cluster: '1' }), target('eu-2', { region: 'eu', cluster: '2' }), target('us-1', { region: 'us' })]) await store.targets.save(t, 0);
  await seed(store, createRollout('shop-v2', { service: 'shop', target: 'v2', strategy: wavesStrategy(WAVES) }, 'v1', T0));
  const executors = new StepExecutorRegistry().register(setWeightExecutor).register(pauseExecutor).register(createWaveExecutor(targets));
  const controller = new Controller({ store, traffic: new MemoryRouter(), runtime: new MemoryRuntime({ manualReadiness: false }), executors, clock, log: silentLogger, targets });
  const rollout = async (): Promise<Rollout> => (await store.rollouts.get('shop-v2')) as Rollout;
  const settle = async () => {
    let last = '';
    for (let i = 0; i < 30; i++) {
      await controller.reconcileOnce();
      const now = JSON.stringify((await rollout()).status);
      if (now === last) return;
      last = now;
    }
  };
  const served = async (name: string) => {
    const split = await (routers.existing(name) as MemoryRouter).observeSplit('shop');
    return `${split.stable}/${split.canary ?? '-'}:${split.weight}`;
  };
  return { store, clock, routers, rollout, settle, served };
}

describe('waves on the in-memory harness', () => {
  test('waves run in order with their steps, bake and per-target weights, and the rollout promotes every target', async () => {
    const h = await setup();
    await h.settle();
    let r = await h.rollout();
    assert.equal(r.status.wave, 0);
    assert.deepEqual(r.status.targets?.['eu-1'], { wave: 0, stepIndex: 1, weight: 50, phase: 'Progressing', pauseUntil: T0 + 10_000 });
    assert.deepEqual([await h.served('eu-1'), await h.served('eu-2'), await h.served('us-1')], ['v1/v2:50', 'v1/v2:0', 'v1/v2:0']);
    assert.equal(r.status.canaryWeight, 0, "the service's own listener stays on stable during the waves");
    h.clock.advance(10_000);
    await h.settle();
    r = await h.rollout();
    assert.equal(r.status.phase, Phase.Paused, 'wave 1 done: baking');
    assert.equal(r.status.stepIndex, 1);
    assert.equal(r.status.targets?.['eu-1']?.phase, 'Done');
    assert.equal(await h.served('eu-2'), 'v1/v2:0', 'wave 2 waits for the bake');
    h.clock.advance(30_000);
    await h.settle();
    assert.equal(await h.served('eu-2'), 'v1/v2:20');
    assert.equal(await h.served('us-1'), 'v1/v2:0', 'wave 3 waits for wave 2');
    h.clock.advance(5_000);
    await h.settle();
    r = await h.rollout();
    assert.equal(r.status.phase, Phase.Succeeded);
    assert.deepEqual([await h.served('eu-1'), await h.served('eu-2'), await h.served('us-1')], ['v2/-:0', 'v2/-:0', 'v2/-:0']);
    const started = (await h.store.events.list({ types: [EventType.StepStarted] })).filter((e) => e.data?.['kind'] === 'wave').map((e) => e.to);
    assert.deepEqual(started, ['wave 1', 'wave 2', 'wave 3']);
  });

  test('a failure during wave 2 rolls back eu-1 and eu-2 through recorded target operations; wave 3 never starts and us-1 is never touched', async () => {
    const h = await setup();
    await h.settle();
    h.clock.advance(10_000);
    await h.settle();
    h.clock.advance(30_000);
    await h.settle();
    let r = await h.rollout();
    assert.equal(r.status.wave, 1);
    assert.equal(await h.served('eu-2'), 'v1/v2:20');
    assert.equal(r.status.phase, Phase.Progressing);
    await h.store.rollouts.save(requestAbort(r, 'failure', 'canary errors on eu-2', h.clock.now()).rollout, r.version);
    await h.settle();
    r = await h.rollout();
    assert.equal(r.status.phase, Phase.Failed);
    assert.deepEqual(r.status.rollbackPlan?.ops.map((o) => `${o.op}${o.target === undefined ? '' : `@${o.target}`}:${o.doneAt === undefined ? 'todo' : 'done'}`), [
      'traffic:done', 'traffic@eu-1:done', 'traffic@eu-2:done', 'verify:done', 'verify@eu-1:done', 'verify@eu-2:done',
    ]);
    assert.deepEqual([await h.served('eu-1'), await h.served('eu-2'), await h.served('us-1')], ['v1/-:0', 'v1/-:0', 'v1/-:0']);
    const us = h.routers.existing('us-1') as MemoryRouter;
    assert.ok(us.calls.every((c) => (c.split.weight ?? 0) === 0), 'us-1 never had a canary weight');
    const events = await h.store.events.list({});
    assert.ok(!events.some((e) => e.type === EventType.StepStarted && e.to === 'wave 3'), 'wave 3 never started');
    const progressed = events.filter((e) => e.type === EventType.RollbackProgressed).map((e) => e.reason);
    assert.ok(progressed.some((reason) => /traffic on eu-2/.test(reason)), progressed.join('\n'));
  });
});
