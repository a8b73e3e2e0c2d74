import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventType } from '../events/release-event.js';
import { Phase } from './phase.js';
import {
  changeMirror,
  changeWeight,
  completeStep,
  enterPause,
  finishAbort,
  finishPromotion,
  requestAbort,
  removeRolloutRule,
  requestPromote,
  setRolloutRule,
  startRollout,
} from './progress.js';
import type { RouteRuleSpec } from '../traffic/routing.js';
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

describe('rollout rules and mirror', () => {
  const testers: RouteRuleSpec = { name: 'testers', conditions: [{ kind: 'header', name: 'x-user-id', match: { in: ['u1'] } }], action: { kind: 'version', version: 'v2' } };
  const segment: RouteRuleSpec = { name: 'segment:eu', conditions: [{ kind: 'segment', segment: 'eu' }], action: { kind: 'version', version: 'v2' } };
  const mirror = { version: 'v2', percent: 10, maxBodyBytes: 1024 };

  test('setRolloutRule appends new rules in step order and records RouteChanged', () => {
    let r = startRollout(rollout(), T0).rollout;
    const first = setRolloutRule(r, testers, T0 + 1);
    assert.deepEqual(first.events.map((e) => [e.type, e.from, e.to]), [[EventType.RouteChanged, 'none', 'testers: header x-user-id in [u1] → v2']]);
    r = setRolloutRule(first.rollout, segment, T0 + 2).rollout;
    assert.deepEqual(r.status.rules?.map((x) => x.name), ['testers', 'segment:eu']);
    assert.equal(r.status.updatedAt, T0 + 2);
    assert.equal(setRolloutRule(r, structuredClone(testers), T0 + 3).events.length, 0, 'the same rule again is a no-op');
  });

  test('setRolloutRule replaces a rule of the same name where it stands', () => {
    let r = startRollout(rollout(), T0).rollout;
    r = setRolloutRule(setRolloutRule(r, testers, T0).rollout, segment, T0).rollout;
    const wider: RouteRuleSpec = { ...testers, conditions: [{ kind: 'header', name: 'x-user-id', match: { in: ['u1', 'u2'] } }] };
    const { rollout: replaced, events } = setRolloutRule(r, wider, T0);
    assert.deepEqual(replaced.status.rules, [wider, segment]);
    assert.equal(events[0]?.from, 'testers: header x-user-id in [u1] → v2');
    assert.equal(events[0]?.to, 'testers: header x-user-id in [u1, u2] → v2');
  });

  test('removeRolloutRule removes by name, clears the field when empty, and ignores unknown names', () => {
    let r = setRolloutRule(startRollout(rollout(), T0).rollout, testers, T0).rollout;
    assert.equal(removeRolloutRule(r, 'nope', T0).events.length, 0);
    const removed = removeRolloutRule(r, 'testers', T0);
    assert.deepEqual(removed.events.map((e) => [e.type, e.to]), [[EventType.RouteChanged, 'none']]);
    assert.equal('rules' in removed.rollout.status, false);
    r = setRolloutRule(setRolloutRule(r, segment, T0).rollout, testers, T0).rollout;
    assert.deepEqual(removeRolloutRule(r, 'testers', T0).rollout.status.rules, [segment]);
  });

  test('changeMirror records MirrorChanged from → to; 0 % stops it; unchanged is a no-op', () => {
    const started = startRollout(rollout(), T0).rollout;
    const on = changeMirror(started, mirror, T0);
    assert.deepEqual(on.rollout.status.mirror, mirror);
    assert.deepEqual(on.events.map((e) => [e.type, e.from, e.to]), [[EventType.MirrorChanged, '0%', '10%']]);
    assert.equal(changeMirror(on.rollout, { ...mirror }, T0).events.length, 0);
    const off = changeMirror(on.rollout, { ...mirror, percent: 0 }, T0);
    assert.equal('mirror' in off.rollout.status, false);
    assert.deepEqual(off.events.map((e) => [e.from, e.to]), [['10%', '0%']]);
    assert.equal(changeMirror(started, undefined, T0).events.length, 0);
  });

  test('abort clears the rollout rules and mirror with events; the split goes back to stable', () => {
    let r = changeWeight(startRollout(rollout(), T0).rollout, 20, T0).rollout;
    r = changeMirror(setRolloutRule(setRolloutRule(r, testers, T0).rollout, segment, T0).rollout, mirror, T0).rollout;
    const { rollout: aborting, events } = requestAbort(r, 'user', 'bad', T0);
    assert.equal('rules' in aborting.status, false);
    assert.equal('mirror' in aborting.status, false);
    assert.deepEqual(events.map((e) => [e.type, e.from, e.to]), [
      [EventType.PhaseChanged, Phase.Progressing, Phase.Aborting],
      [EventType.RouteChanged, 'testers, segment:eu', 'none'],
      [EventType.MirrorChanged, '10%', '0%'],
    ]);
    assert.deepEqual(desiredSplit(aborting), { stable: 'v1', weight: 0 });
  });

  test('entering Promoting (steps done or promote --full) clears rules and mirror', () => {
    let r = startRollout(rollout(), T0).rollout;
    r = changeMirror(setRolloutRule(r, testers, T0).rollout, mirror, T0).rollout;
    const full = requestPromote(r, true, T0);
    assert.equal(full.rollout.status.phase, Phase.Promoting);
    assert.equal('rules' in full.rollout.status || 'mirror' in full.rollout.status, false);
    assert.deepEqual(full.events.map((e) => e.type), [EventType.PhaseChanged, EventType.RouteChanged, EventType.MirrorChanged]);
    const last = completeStep({ ...r, status: { ...r.status, stepIndex: 2 } }, T0, 'done');
    assert.equal(last.rollout.status.phase, Phase.Promoting);
    assert.equal('rules' in last.rollout.status, false);
    assert.deepEqual(last.events.map((e) => e.type).slice(-2), [EventType.RouteChanged, EventType.MirrorChanged]);
  });
});
