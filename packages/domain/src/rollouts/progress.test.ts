import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventType } from '../events/release-event.js';
import { Phase } from './phase.js';
import {
  changeWeight,
  completeStep,
  enterPause,
  finishAbort,
  finishPromotion,
  requestAbort,
  requestPromote,
  startRollout,
} from './progress.js';
import { createRollout, desiredSplit, type Rollout } from './rollout.js';

const T0 = 1_000_000;

function rollout(): Rollout {
  return createRollout(
    'shop-v2',
    {
      service: 'shop',
      target: 'v2',
      strategy: { kind: 'canary', steps: [{ kind: 'setWeight', weight: 20 }, { kind: 'pause', durationMs: 30_000 }, { kind: 'pause' }] },
    },
    'v1',
    T0,
  );
}

describe('rollout progress', () => {
  test('startRollout moves Pending to Progressing with one PhaseChanged event', () => {
    const { rollout: r, events } = startRollout(rollout(), T0 + 1);
    assert.equal(r.status.phase, Phase.Progressing);
    assert.equal(r.status.updatedAt, T0 + 1);
    assert.deepEqual(events.map((e) => [e.type, e.from, e.to]), [[EventType.PhaseChanged, 'Pending', 'Progressing']]);
  });

  test('changeWeight records from → to and is a no-op for the same weight', () => {
    const started = startRollout(rollout(), T0).rollout;
    const { rollout: r, events } = changeWeight(started, 20, T0);
    assert.equal(r.status.canaryWeight, 20);
    assert.deepEqual(events.map((e) => [e.type, e.from, e.to]), [[EventType.WeightChanged, '0', '20']]);
    assert.equal(changeWeight(r, 20, T0).events.length, 0);
  });

  test('enterPause stores the deadline, and completeStep clears it and resumes', () => {
    let r = completeStep(startRollout(rollout(), T0).rollout, T0, 'weight set').rollout;
    r = enterPause(r, 30_000, T0 + 5).rollout;
    assert.equal(r.status.phase, Phase.Paused);
    assert.equal(r.status.pauseUntil, T0 + 30_005);
    const done = completeStep(r, T0 + 30_005, 'elapsed');
    assert.equal(done.rollout.status.phase, Phase.Progressing);
    assert.equal(done.rollout.status.stepIndex, 2);
    assert.equal('pauseUntil' in done.rollout.status, false, 'cleared fields are removed, not undefined');
    assert.deepEqual(done.events.map((e) => e.type), [EventType.StepCompleted, EventType.PhaseChanged]);
  });

  test('completeStep after the last step moves to Promoting', () => {
    let r = startRollout(rollout(), T0).rollout;
    r = { ...r, status: { ...r.status, stepIndex: 2 } };
    const { rollout: done, events } = completeStep(r, T0, 'promoted');
    assert.equal(done.status.phase, Phase.Promoting);
    assert.equal(events.at(-1)?.to, Phase.Promoting);
  });

  test('requestPromote marks a paused rollout and rejects one that is not paused', () => {
    const progressing = startRollout(rollout(), T0).rollout;
    assert.throws(() => requestPromote(progressing, false, T0), /Cannot promote rollout "shop-v2": it is Progressing/);
    const paused = enterPause(progressing, undefined, T0).rollout;
    assert.equal(requestPromote(paused, false, T0).rollout.status.promoteRequested, true);
    assert.equal(requestPromote(paused, true, T0).rollout.status.phase, Phase.Promoting);
  });

  test('abort returns traffic to stable; finishAbort ends Aborted for a person and Failed for a failure', () => {
    const weighted = changeWeight(startRollout(rollout(), T0).rollout, 20, T0).rollout;
    const aborting = requestAbort(weighted, 'user', 'bad latency', T0).rollout;
    assert.deepEqual(desiredSplit(aborting), { stable: 'v1', weight: 0 });
    assert.equal(finishAbort(aborting, T0).rollout.status.phase, Phase.Aborted);
    const failing = requestAbort(weighted, 'failure', 'crash loop', T0).rollout;
    assert.equal(finishAbort(failing, T0).rollout.status.phase, Phase.Failed);
  });

  test('finishPromotion makes the target the desired stable', () => {
    let r = requestPromote(startRollout(rollout(), T0).rollout, true, T0).rollout;
    r = finishPromotion(r, T0).rollout;
    assert.equal(r.status.phase, Phase.Succeeded);
    assert.deepEqual(desiredSplit(r), { stable: 'v2', weight: 0 });
  });
});
