import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { allocationOrder, assignVariant, variantAssigner, variantVersion, type Experiment } from '@sluice/domain';
import { pickVersion } from '@sluice/proxy';
import { harness, shopService, T0 } from '../orchestrator/testing/fixtures.js';
import { makeExperiment } from '../store/experiments.contract.js';
import { experimentSplit } from './experiment-split.js';
import { stopExperiment } from './experiment-commands.js';

const READY = { v1: ['http://127.0.0.1:1'], v2: ['http://127.0.0.1:2'] };
const noSegments = () => undefined;

function weighted(name: string, treatmentWeight: number): Experiment {
  const base = makeExperiment(name);
  return { ...base, spec: { ...base.spec, variants: [{ name: 'control', weight: 100 - treatmentWeight, serves: { version: 'v1' } }, { name: 'treatment', weight: treatmentWeight, serves: { version: 'v2' } }] } };
}

describe('experiment split', () => {
  test('the proxy serving the experiment split sends each of 10,000 keys to the version assignVariant gives it', () => {
    for (const weight of [50, 12.34, 0.01, 99.99]) {
      const experiment = weighted('new-checkout', weight);
      const split = experimentSplit(experiment, shopService(), noSegments, READY);
      assert.ok(split);
      assert.deepEqual({ ...split }, { stable: 'v1', canary: 'v2', weight, salt: 'new-checkout' });
      const order = allocationOrder(experiment.spec.variants, experiment.spec.control);
      let treated = 0;
      for (let i = 0; i < 10_000; i++) {
        const key = `user-${i}`;
        const variant = assignVariant('new-checkout', order, key);
        assert.equal(pickVersion(split, key), variantVersion(experiment.spec, variant), `${key} at ${weight} %`);
        if (variant === 'treatment') treated++;
      }
      if (weight === 50) assert.ok(treated > 4800 && treated < 5200, `${treated} treated`);
    }
  });

  test('the split keeps the service static routes and waits until both versions have a ready backend', () => {
    const service = shopService();
    const withRoute = { ...service, spec: { ...service.spec, routes: [{ name: 'staff', conditions: [{ kind: 'header' as const, name: 'x-staff', match: { exact: '1' } }], action: { kind: 'version' as const, version: 'v2' } }] } };
    const split = experimentSplit(weighted('exp', 50), withRoute, noSegments, READY);
    assert.equal(split?.rules?.[0]?.name, 'staff');
    assert.equal(experimentSplit(weighted('exp', 50), service, noSegments, { v1: READY.v1, v2: [] }), undefined);
    assert.equal(experimentSplit(weighted('exp', 50), service, noSegments, { v2: READY.v2 }), undefined);
  });

  test('the controller serves a running experiment split instead of the stable one, and gives it back when it stops', async () => {
    const h = harness();
    await h.store.services.save(shopService(), 0);
    await h.store.experiments.save(weighted('new-checkout', 30), 0);
    await h.controller.reconcileOnce();
    const during = await h.router.observeSplit('shop');
    assert.deepEqual([during.stable, during.canary, during.weight, during.salt], ['v1', 'v2', 30, 'new-checkout']);
    const assign = variantAssigner((await h.store.experiments.get('new-checkout'))?.spec ?? assert.fail('no experiment'));
    assert.equal(assign('someone') === 'treatment', pickVersion(during, 'someone') === 'v2');
    await stopExperiment({ store: h.store, clock: h.clock, actor: 'alice' }, 'new-checkout');
    await h.controller.reconcileOnce();
    const after = await h.router.observeSplit('shop');
    assert.equal(after.stable, 'v1');
    assert.ok(after.canary === undefined || after.weight === 0, JSON.stringify(after));
    const stopped = await h.store.experiments.get('new-checkout');
    assert.equal(stopped?.status.phase, 'Stopped');
    assert.equal(stopped?.status.endedAt, T0);
  });

  test('an experiment of flag variations does not touch the split', async () => {
    const h = harness();
    await h.store.services.save(shopService(), 0);
    const base = makeExperiment('button');
    const flags: Experiment = { ...base, spec: { ...base.spec, variants: base.spec.variants.map((v) => ({ ...v, serves: { flag: 'button', variation: v.name } })) } };
    await h.store.experiments.save(flags, 0);
    await h.controller.reconcileOnce();
    const split = await h.router.observeSplit('shop');
    assert.equal(split.stable, 'v1');
    assert.ok(split.canary === undefined || split.weight === 0);
  });
});
