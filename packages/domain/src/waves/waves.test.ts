import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRollout } from '../rollouts/rollout.js';
import { markRollbackOp, nextRollbackEntry, planRollback } from '../rollouts/rollback-plan.js';
import { EventType } from '../events/release-event.js';
import type { Target } from './target.js';
import { advanceWave, assignTargets, type TargetsProgress, type WaveDecision, type WaveInput } from './wave-progress.js';
import { wavesStageLabel, wavesStrategy, type WavesSpec } from './waves.js';

const target = (name: string, labels: Record<string, string>, services = ['shop']): Target => ({
  name,
  version: 1,
  spec: { labels, dataPlane: { kind: 'builtin', services: Object.fromEntries(services.map((s) => [s, { listen: '127.0.0.1:0' }])) } },
});

const FLEET = [target('us-1', { region: 'us' }), target('eu-2', { region: 'eu', cluster: '2' }), target('eu-1', { region: 'eu', cluster: '1' }), target('ap-1', { region: 'ap' }, ['other'])];

const SPEC: WavesSpec = {
  waves: [
    { name: 'first', selector: { matchLabels: { region: 'eu', cluster: '1' } }, steps: [{ kind: 'setWeight', weight: 10 }, { kind: 'pause', durationMs: 5000 }, { kind: 'setWeight', weight: 100 }], switch: false, bakeTimeMs: 60_000, gate: { kind: 'approval' } },
    { name: 'eu', selector: { matchLabels: { region: 'eu' } }, steps: [{ kind: 'setWeight', weight: 100 }], switch: true },
    { name: 'rest', selector: { matchLabels: {} }, steps: [{ kind: 'setWeight', weight: 100 }], switch: true, maxConcurrent: 1 },
  ],
};

function input(targets: TargetsProgress, over: Partial<WaveInput> = {}): WaveInput {
  return { spec: SPEC, wave: 0, version: 'v2', targets, currentWave: 0, serving: {}, now: 1000, ...over };
}

function update(decision: WaveDecision): Extract<WaveDecision, { kind: 'update' }> {
  assert.equal(decision.kind, 'update', JSON.stringify(decision));
  return decision as Extract<WaveDecision, { kind: 'update' }>;
}

describe('waves strategy', () => {
  test('wavesStrategy expands each wave into its wave step, a bake pause and the gate, in order', () => {
    assert.deepEqual(wavesStrategy(SPEC).steps, [
      { kind: 'wave', wave: 0, name: 'first' },
      { kind: 'pause', durationMs: 60_000 },
      { kind: 'approval' },
      { kind: 'wave', wave: 1, name: 'eu' },
      { kind: 'wave', wave: 2, name: 'rest' },
    ]);
    assert.equal(wavesStageLabel(SPEC, 0), 'wave 1/3 (first) on region=eu, cluster=1: setWeight 10 → pause 5s → setWeight 100');
    assert.equal(wavesStageLabel(SPEC, 1), 'wave 1/3 (first) bake');
    assert.equal(wavesStageLabel(SPEC, 4), 'wave 3/3 (rest) on every target: switch, 1 at a time');
  });

  test('assignTargets gives each serving target the first wave that selects it; others and non-serving ones are left out', () => {
    assert.deepEqual(assignTargets(SPEC, 'shop', FLEET), {
      'eu-1': { wave: 0, stepIndex: 0, weight: 0, phase: 'Pending' },
      'eu-2': { wave: 1, stepIndex: 0, weight: 0, phase: 'Pending' },
      'us-1': { wave: 2, stepIndex: 0, weight: 0, phase: 'Pending' },
    });
    const narrow: WavesSpec = { waves: [{ ...SPEC.waves[1]!, selector: { matchLabels: { region: 'eu' } } }] };
    assert.deepEqual(Object.keys(assignTargets(narrow, 'shop', FLEET)), ['eu-1', 'eu-2']);
  });
});

describe('advanceWave', () => {
  const assigned = assignTargets(SPEC, 'shop', FLEET);

  test('a wave first records that it started, naming its targets', () => {
    const started = update(advanceWave(input(assigned, { currentWave: undefined })));
    assert.equal(started.wave, 0);
    assert.deepEqual(started.targets, assigned);
    assert.equal(started.events[0]?.type, EventType.StepStarted);
    assert.equal(started.events[0]?.reason, 'Wave 1/3 (first) started on eu-1');
  });

  test('a started target records its weight, completes the step only once its data plane serves it, then pauses until a stored time', () => {
    let targets = update(advanceWave(input(assigned))).targets;
    assert.equal(targets['eu-1']?.phase, 'Progressing');
    assert.equal(targets['eu-2']?.phase, 'Pending', 'a later wave does not start');
    const weighed = update(advanceWave(input(targets)));
    assert.equal(weighed.targets['eu-1']?.weight, 10);
    assert.deepEqual(weighed.events.map((e) => [e.type, e.from, e.to, e.data?.['target']]), [[EventType.WeightChanged, '0', '10', 'eu-1']]);
    targets = weighed.targets;
    assert.deepEqual(advanceWave(input(targets, { serving: { 'eu-1': 0 } })), { kind: 'wait', why: 'Waiting for target eu-1 to serve 10% on v2' });
    targets = update(advanceWave(input(targets, { serving: { 'eu-1': 10 } }))).targets;
    assert.deepEqual(targets['eu-1'], { wave: 0, stepIndex: 1, weight: 10, phase: 'Progressing', pauseUntil: 6000 });
    assert.deepEqual(advanceWave(input(targets, { serving: { 'eu-1': 10 }, now: 5999 })), { kind: 'wait', why: 'Target eu-1 paused', until: 6000 });
    const resumed = update(advanceWave(input(targets, { serving: { 'eu-1': 10 }, now: 6000 })));
    assert.deepEqual(resumed.targets['eu-1'], { wave: 0, stepIndex: 2, weight: 100, phase: 'Progressing' });
    const finished = update(advanceWave(input(resumed.targets, { serving: { 'eu-1': 100 }, now: 6000 })));
    assert.equal(finished.targets['eu-1']?.phase, 'Done');
    assert.match(finished.events[0]?.reason ?? '', /Target eu-1 finished wave 1 \(first\) at 100% on v2/);
    assert.deepEqual(advanceWave(input(finished.targets, { now: 6000 })), { kind: 'done', why: 'wave 1 (first) done on eu-1' });
  });

  test('maxConcurrent starts the next target of the wave only when a running one is done', () => {
    const wide: WavesSpec = { waves: [{ name: 'all', selector: { matchLabels: {} }, steps: [{ kind: 'setWeight', weight: 100 }], switch: true, maxConcurrent: 2 }] };
    let targets: TargetsProgress = assignTargets(wide, 'shop', FLEET);
    const at = (t: TargetsProgress, serving: Record<string, number> = {}) => update(advanceWave({ ...input(t, { spec: wide, serving }) })).targets;
    targets = at(targets);
    assert.deepEqual(Object.entries(targets).map(([n, t]) => [n, t.phase]), [['eu-1', 'Progressing'], ['eu-2', 'Progressing'], ['us-1', 'Pending']]);
    targets = at(targets);
    assert.equal(targets['us-1']?.phase, 'Pending', 'both slots are taken while eu-1 and eu-2 switch');
    targets = at(targets, { 'eu-1': 100 });
    assert.deepEqual(Object.entries(targets).map(([n, t]) => [n, t.phase]), [['eu-1', 'Done'], ['eu-2', 'Progressing'], ['us-1', 'Progressing']]);
  });

  test('a wave no target was assigned to starts and is done at once', () => {
    const none = assignTargets(SPEC, 'nothing', FLEET);
    assert.match(update(advanceWave(input(none, { currentWave: undefined }))).message, /started on no target selected/);
    assert.equal(advanceWave(input(none)).kind, 'done');
  });
});

describe('fleet-wide rollback plan', () => {
  const waves = wavesStrategy(SPEC);
  const rollout = (targets: TargetsProgress) => {
    const r = createRollout('shop-v2', { service: 'shop', target: 'v2', strategy: waves }, 'v1', 0);
    return { ...r, status: { ...r.status, targets } };
  };

  test('planRollback returns every touched target (in wave order) to stable and verifies it, never a target whose wave did not start', () => {
    const targets: TargetsProgress = {
      'us-1': { wave: 2, stepIndex: 0, weight: 0, phase: 'Pending' },
      'eu-2': { wave: 1, stepIndex: 0, weight: 100, phase: 'Progressing' },
      'eu-1': { wave: 0, stepIndex: 3, weight: 100, phase: 'Done' },
    };
    const plan = planRollback(rollout(targets), 5);
    assert.deepEqual(plan.ops, [
      { op: 'traffic' },
      { op: 'traffic', target: 'eu-1' },
      { op: 'traffic', target: 'eu-2' },
      { op: 'verify' },
      { op: 'verify', target: 'eu-1' },
      { op: 'verify', target: 'eu-2' },
    ]);
  });

  test('markRollbackOp marks only the operation of its target and says which target in the event', () => {
    const plan = planRollback(rollout({ 'eu-1': { wave: 0, stepIndex: 1, weight: 10, phase: 'Progressing' } }), 5);
    const first = markRollbackOp(plan, 'traffic', 'done', 6);
    assert.deepEqual(nextRollbackEntry(first.plan), { op: 'traffic', target: 'eu-1' });
    const second = markRollbackOp(first.plan, 'traffic', 'eu-1 told', 7, 'eu-1');
    assert.deepEqual(nextRollbackEntry(second.plan), { op: 'verify' });
    assert.equal(second.event.reason, 'Rollback 2/4 (traffic on eu-1): eu-1 told');
    assert.deepEqual(second.event.data, { target: 'eu-1' });
    assert.equal(second.event.to, 'traffic');
  });
});
