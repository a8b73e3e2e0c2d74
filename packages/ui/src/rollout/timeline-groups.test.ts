import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReleaseEvent } from './rollout-api';
import { groupByStep } from './timeline-groups';

let seq = 0;
const ev = (type: string, data?: Record<string, unknown>): ReleaseEvent =>
  ({ seq: ++seq, at: seq * 1000, actor: 'controller', service: 'shop', subject: { kind: 'Rollout', name: 'shop-v2' }, type, reason: type, ...(data ? { data } : {}) }) as ReleaseEvent;

test('events go to the step they name, else to the step running then; start and end have their own groups', () => {
  const events = [
    ev('RolloutCreated'),
    ev('PhaseChanged'),
    ev('WeightChanged'),
    ev('StepCompleted', { step: 0 }),
    ev('StepStarted', { step: 1 }),
    ev('ApprovalRecorded', { step: 1 }),
    ev('StepCompleted', { step: 1 }),
    ev('PhaseChanged'),
  ];
  const groups = groupByStep(events, ['setWeight 10', 'approval']);
  assert.deepEqual(
    groups.map((g) => [g.step, g.label, g.events.map((e) => e.seq)]),
    [
      [-1, 'Start', [1]],
      [0, 'Step 1/2: setWeight 10', [2, 3, 4]],
      [1, 'Step 2/2: approval', [5, 6, 7]],
      [2, 'Promotion and end', [8]],
    ],
  );
});

test('10,000 events group quickly', () => {
  const many = Array.from({ length: 10_000 }, (_, i) => ev(i % 100 === 99 ? 'StepCompleted' : 'AnalysisDecided', { step: Math.floor(i / 100) }));
  const started = performance.now();
  const groups = groupByStep(many, Array.from({ length: 100 }, (_, i) => `step ${i}`));
  assert.equal(groups.length, 100);
  assert.ok(performance.now() - started < 200, 'fast');
});
