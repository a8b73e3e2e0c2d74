import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startRollout } from '@sluice/domain';
import { startTestApi, type TestApi } from '../http/testing/api-server.js';

const SERVICE = (image: string) => `apiVersion: sluice.dev/v1
kind: Service
metadata: { name: shop }
spec:
  listen: 127.0.0.1:0
  versions:
    v1: { upstreams: ["http://127.0.0.1:9001"] }
    v2: { upstreams: ["${image}"] }
  stable: v1
`;

const ROLLOUT = `apiVersion: sluice.dev/v1
kind: Rollout
metadata: { name: shop-v2 }
spec:
  service: shop
  target: v2
  strategy:
    canary:
      steps:
        - setWeight: 10
        - approval: {}
`;

const FLAG = `apiVersion: sluice.dev/v1
kind: Flag
metadata: { name: banner }
spec:
  kind: release
  environments:
    production: { enabled: true, default: { rollout: 25 } }
`;

const EXPERIMENT = `apiVersion: sluice.dev/v1
kind: Experiment
metadata: { name: button }
spec:
  variants:
    - { name: blue, weight: 50, flag: button, variation: blue }
    - { name: green, weight: 50, flag: button, variation: green }
  control: blue
  primary: { name: click, event: click, kind: conversion, direction: increase }
`;

async function withApi(options: { trustProxy?: boolean }, body: (api: TestApi) => Promise<void>): Promise<void> {
  const api = await startTestApi(options);
  try {
    await body(api);
  } finally {
    await api.close();
  }
}

const post = async (api: TestApi, path: string, body: string, headers: Record<string, string> = {}) => {
  const answer = await api.call(path, { method: 'POST', body, actor: 'alice', headers });
  assert.equal(answer.status, 200, `${path}: ${JSON.stringify(answer.body)}`);
  return answer.body;
};

describe('the audit log: source and before/after of every action', () => {
  test('apply and commands record the client address and what changed; GET /events returns and filters them', () =>
    withApi({}, async (api) => {
      await post(api, '/apply', SERVICE('http://127.0.0.1:9002') + '---\n' + FLAG);
      await post(api, '/apply', SERVICE('http://127.0.0.1:9003') + '---\n' + ROLLOUT);
      await post(api, '/flags/banner/environments/production', JSON.stringify({ rollout: 50 }));
      const stored = await api.store.rollouts.get('shop-v2');
      assert.ok(stored);
      await api.store.rollouts.save(startRollout(stored, api.clock.now()).rollout, stored.version);
      await post(api, '/rollouts/shop-v2/pause', '{}');
      const { body } = await api.call('/events?source=127.0.0.1');
      const rows = body.items.map((e: any) => [e.type, `${e.subject.kind}/${e.subject.name}`, e.to ?? null]);
      assert.deepEqual(rows, [
        ['ServiceCreated', 'Service/shop', 'v1'],
        ['ResourceChanged', 'Flag/banner', 'created'],
        ['ServiceUpdated', 'Service/shop', null],
        ['RolloutCreated', 'Rollout/shop-v2', 'v2'],
        ['ResourceChanged', 'Flag/banner', 'environment'],
        ['CommandAccepted', 'Rollout/shop-v2', 'pause'],
        ['PhaseChanged', 'Rollout/shop-v2', 'Paused'],
      ]);
      const [created, flagCreated, updated, rollout, flagChanged, pause] = body.items;
      assert.ok(body.items.every((e: any) => e.source === '127.0.0.1' && e.actor === 'alice'));
      assert.equal('before' in created.data, false, 'a created service has no before');
      assert.equal(created.data.after.stable, 'v1');
      assert.equal(flagCreated.data.after.environments.production.enabled, true);
      assert.deepEqual([updated.data.before.versions.v2.upstreams, updated.data.after.versions.v2.upstreams], [['http://127.0.0.1:9002'], ['http://127.0.0.1:9003']]);
      assert.equal(rollout.data.after.createdBy, 'alice');
      assert.deepEqual([flagChanged.data.before.default.rollout, flagChanged.data.after.default.rollout, flagChanged.data.environment], [25, 50, 'production']);
      assert.deepEqual([pause.data.before, pause.data.after], [{ phase: 'Progressing', step: 1, weight: 0 }, { phase: 'Paused', step: 1, weight: 0, hold: 'manual' }]);
      assert.deepEqual((await api.call('/events?source=198.51.100.1')).body.items, []);
      const view = await api.call('/rollouts/shop-v2');
      assert.equal(view.body.createdBy, 'alice');
    }));

  test('an experiment of flags alone records its start and stop about itself, with before/after', () =>
    withApi({}, async (api) => {
      await post(api, '/apply', EXPERIMENT);
      await post(api, '/experiments/button/stop', JSON.stringify({ reason: 'enough' }));
      const events = (await api.call('/events?subject=Experiment/button')).body.items;
      assert.deepEqual(events.map((e: any) => [e.type, e.to, e.service, e.source]), [['ResourceChanged', 'created', '', '127.0.0.1'], ['ResourceChanged', 'stop', '', '127.0.0.1']]);
      assert.equal(events[0].data.after.control, 'blue');
      assert.deepEqual([events[1].data.before.phase, events[1].data.after.phase], ['Running', 'Stopped']);
    }));

  test('X-Forwarded-For is used only with trustProxy, and then only its last entry', async () => {
    const forwarded = { 'x-forwarded-for': '6.6.6.6, 198.51.100.9' };
    await withApi({}, async (api) => {
      await post(api, '/apply', FLAG, forwarded);
      const [event] = (await api.call('/events')).body.items;
      assert.equal(event.source, '127.0.0.1');
    });
    await withApi({ trustProxy: true }, async (api) => {
      await post(api, '/apply', FLAG, forwarded);
      await post(api, '/flags/banner/kill', '{}', { 'x-forwarded-for': 'junk' });
      const events = (await api.call('/events')).body.items;
      assert.deepEqual(events.map((e: any) => [e.to, e.source]), [['created', '198.51.100.9'], ['kill', '127.0.0.1']]);
      assert.deepEqual(events[1].data.before.production.enabled, true);
      assert.deepEqual(events[1].data.after.production.enabled, false);
    });
  });
});
