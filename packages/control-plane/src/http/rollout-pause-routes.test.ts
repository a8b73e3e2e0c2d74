import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventType, Phase, startRollout, type Step } from '@sluice/domain';
import { shopRollout, shopService, T0 } from '../orchestrator/testing/fixtures.js';
import { startTestApi, type TestApi } from './testing/api-server.js';

const STEPS: readonly Step[] = [
  { kind: 'setWeight', weight: 20 },
  { kind: 'pause', durationMs: 30_000 },
  { kind: 'setWeight', weight: 50 },
  { kind: 'setWeight', weight: 100 },
];

/** Runs `body` against a fresh API holding the shop rollout, Progressing at step 1. */
async function withApi(body: (api: TestApi) => Promise<void>): Promise<void> {
  const api = await startTestApi();
  try {
    await api.store.services.save(shopService(), 0);
    await api.store.rollouts.save(startRollout(shopRollout(STEPS), T0).rollout, 0);
    await body(api);
  } finally {
    await api.close();
  }
}

const post = (api: TestApi, path: string, body: unknown, actor = 'alice') => api.call(path, { method: 'POST', body: JSON.stringify(body), actor });

/** Controller passes, the clock moving `stepMs` before each. */
async function passes(api: TestApi, n: number, stepMs = 0): Promise<void> {
  for (let i = 0; i < n; i++) {
    api.clock.advance(stepMs);
    await api.controller.reconcileOnce();
  }
}

async function status(api: TestApi) {
  const rollout = await api.store.rollouts.get('shop-v2');
  assert.ok(rollout);
  return rollout.status;
}

describe('pause and resume over HTTP', () => {
  test('pause holds a progressing rollout across controller passes; resume lets it go on', () =>
    withApi(async (api) => {
      const paused = await post(api, '/rollouts/shop-v2/pause', { reason: 'checking the dashboards' });
      assert.equal(paused.status, 200, JSON.stringify(paused.body));
      assert.equal(paused.body.status.phase, Phase.Paused);
      assert.deepEqual(paused.body.status.hold, { source: 'manual', reason: 'Paused by alice: checking the dashboards', at: T0, paused: true });
      await passes(api, 5, 60_000);
      const held = await status(api);
      assert.equal(held.phase, Phase.Paused);
      assert.equal(held.stepIndex, 0, 'no step advanced while paused');
      assert.equal(held.canaryWeight, 0);
      const resumed = await post(api, '/rollouts/shop-v2/resume', { comment: 'all green' }, 'bob');
      assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
      assert.equal(resumed.body.status.phase, Phase.Progressing);
      assert.equal(resumed.body.status.hold, undefined);
      await passes(api, 5);
      const after = await status(api);
      assert.equal(after.stepIndex, 1, 'went on to the pause step');
      assert.equal(after.canaryWeight, 20);
      const commands = await api.store.events.list({ types: [EventType.CommandAccepted] });
      assert.deepEqual(commands.map((e) => [e.actor, e.to, e.reason]), [
        ['alice', 'pause', 'Paused by alice: checking the dashboards'],
        ['bob', 'resume', 'Resumed by bob: all green'],
      ]);
    }));

  test("a pause step's timer does not end it while a person holds it; after resume it ends at once", () =>
    withApi(async (api) => {
      await passes(api, 5);
      const inPause = await status(api);
      assert.equal(inPause.stepIndex, 1);
      assert.equal(inPause.phase, Phase.Paused);
      const paused = await post(api, '/rollouts/shop-v2/pause', {});
      assert.equal(paused.status, 200);
      assert.equal(paused.body.status.hold.paused, false);
      assert.equal(paused.body.status.hold.reason, 'Paused by alice');
      await passes(api, 4, 60_000);
      assert.equal((await status(api)).stepIndex, 1, 'the 30 s pause did not end');
      assert.equal((await post(api, '/rollouts/shop-v2/resume', {})).status, 200);
      await passes(api, 6);
      const done = await status(api);
      assert.equal(done.canaryWeight, 100);
      assert.ok(done.stepIndex >= 3, `stepIndex ${done.stepIndex}`);
    }));

  test('resume without a pause and pause of a finished rollout are 409 INVALID_TRANSITION; bad bodies 400; unknown 404', () =>
    withApi(async (api) => {
      const resume = await post(api, '/rollouts/shop-v2/resume', {});
      assert.equal(resume.status, 409);
      assert.equal(resume.body.error.code, 'INVALID_TRANSITION');
      assert.match(resume.body.error.message, /not paused by a person/);
      const tooLong = await post(api, '/rollouts/shop-v2/pause', { reason: 'x'.repeat(1001) });
      assert.equal(tooLong.status, 400);
      assert.equal(tooLong.body.error.details.problems[0].path, '$.reason');
      assert.match(tooLong.body.error.details.problems[0].expected, /at most 1000 characters/);
      const wrongField = await post(api, '/rollouts/shop-v2/resume', { reason: 'x' });
      assert.equal(wrongField.status, 400);
      assert.equal(wrongField.body.error.details.problems[0].expected, 'one of: comment');
      assert.equal((await post(api, '/rollouts/nosuch/pause', {})).body.error.code, 'ROLLOUT_NOT_FOUND');
      assert.equal((await post(api, '/rollouts/shop-v2/abort', {})).status, 200);
      const late = await post(api, '/rollouts/shop-v2/pause', {});
      assert.equal(late.status, 409);
      assert.deepEqual(late.body.error.details.accepted, [Phase.Progressing, Phase.Paused]);
      const doc = (await api.call('/openapi.json')).body;
      assert.ok(doc.paths['/rollouts/{name}/pause']?.post);
      assert.ok(doc.paths['/rollouts/{name}/resume']?.post);
    }));
});
