import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventType, Phase, type ReleaseEvent } from '@sluice/domain';
import { percentile, StepLatencyFold, summarize } from './measure.js';

let seq = 0;
function ev(type: EventType, at: number, extra: Partial<ReleaseEvent> = {}): ReleaseEvent {
  return { seq: ++seq, at, actor: 'controller', service: 's', subject: { kind: 'Rollout', name: 'r' }, type, reason: '', ...extra };
}

/** setWeight 10 → pause 2 s → setWeight 50, as the controller records it. */
const events: ReleaseEvent[] = [
  ev(EventType.RolloutCreated, 1_000),
  ev(EventType.PhaseChanged, 1_040, { from: Phase.Pending, to: Phase.Progressing }),
  ev(EventType.WeightChanged, 1_050, { from: '0', to: '10' }),
  ev(EventType.StepCompleted, 1_060, { data: { step: 0, kind: 'setWeight' } }),
  ev(EventType.PhaseChanged, 1_070, { from: Phase.Progressing, to: Phase.Paused, data: { pauseUntil: 3_070 } }),
  ev(EventType.StepCompleted, 3_400, { data: { step: 1, kind: 'pause' } }),
  ev(EventType.PhaseChanged, 3_400, { from: Phase.Paused, to: Phase.Progressing }),
  ev(EventType.WeightChanged, 3_420, { from: '10', to: '50' }),
  ev(EventType.StepCompleted, 3_430, { data: { step: 2, kind: 'setWeight' } }),
  ev(EventType.PhaseChanged, 3_430, { from: Phase.Progressing, to: Phase.Promoting }),
];

test('each step is due at creation, at the previous step completing, or at its pause end; started at its first record', () => {
  const fold = new StepLatencyFold();
  for (const e of events) fold.add(e);
  assert.deepEqual(
    fold.samples.map((s) => [s.step, s.due, s.started, s.afterPause]),
    [
      [0, 1_000, 1_050, false],
      [1, 1_060, 1_070, false],
      [2, 3_070, 3_420, true],
    ],
  );
  assert.deepEqual(fold.pending(), [], 'Promoting: no step is due after the last');
});

test('a step due and not started when the window closes counts as window end − due', () => {
  const fold = new StepLatencyFold();
  for (const e of events.slice(0, 5)) fold.add(e);
  const samples = [...fold.samples, ...fold.pending()];
  const s = summarize(samples, 3_000, 3_270);
  assert.equal(s.count, 1);
  assert.equal(s.notStarted, 1);
  assert.equal(s.max, 200);
});

test('percentile is nearest-rank', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile([7], 99), 7);
  assert.equal(percentile([], 50), undefined);
});
