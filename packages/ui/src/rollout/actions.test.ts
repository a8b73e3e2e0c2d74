import assert from 'node:assert/strict';
import { test } from 'node:test';
import { actionLabel, availableActions } from './actions';
import type { RolloutView, ServiceView } from './rollout-api';

function view(phase: string, step: Record<string, unknown>, status: Record<string, unknown> = {}): RolloutView {
  return {
    name: 'shop-v2',
    version: 3,
    spec: { service: 'shop', target: 'v2', strategy: { kind: 'canary', steps: [step] } },
    status: { phase, stepIndex: 0, canaryWeight: 10, stable: 'v1', message: '', createdAt: 0, updatedAt: 0, ...status },
    steps: [{ index: 0, kind: String(step['kind']), description: 'x', state: 'current' }],
  } as unknown as RolloutView;
}
const kinds = (v: RolloutView, s?: ServiceView) => availableActions(v, s).map(actionLabel);

test('the buttons follow the phase and the step', () => {
  assert.deepEqual(kinds(view('Progressing', { kind: 'setWeight', weight: 10 })), ['Promote fully', 'Pause', 'Abort']);
  assert.deepEqual(kinds(view('Paused', { kind: 'pause' })), ['Promote', 'Promote fully', 'Resume', 'Abort']);
  assert.deepEqual(kinds(view('Progressing', { kind: 'approval' })), ['Approve', 'Reject', 'Promote fully', 'Pause', 'Abort']);
  const approved = view('Progressing', { kind: 'approval' }, { stepState: { stepIndex: 0, startedAt: 0, approval: { by: 'a', at: 1 } } });
  assert.deepEqual(kinds(approved), ['Promote fully', 'Pause', 'Abort']);
  const checklist = view('Progressing', { kind: 'checklist', items: [] }, { stepState: { stepIndex: 0, startedAt: 0, checklist: [{ name: 'look', phase: 'awaiting-person' }, { name: 'b', phase: 'pending' }] } });
  assert.deepEqual(kinds(checklist), ['Confirm look', 'Promote fully', 'Pause', 'Abort']);
  const held = view('Progressing', { kind: 'analysis' }, { hold: { source: 'analysis', reason: 'inconclusive', at: 1, paused: false } });
  assert.deepEqual(kinds(held), ['Promote', 'Promote fully', 'Pause', 'Abort']);
});

test('a finished rollout offers only undo, and only when it succeeded and the service is free', () => {
  const service = { name: 'shop' } as ServiceView;
  assert.deepEqual(kinds(view('Succeeded', { kind: 'setWeight' }), service), ['Undo']);
  assert.deepEqual(kinds(view('Succeeded', { kind: 'setWeight' }), { ...service, activeRollout: 'next' }), []);
  assert.deepEqual(kinds(view('Aborted', { kind: 'setWeight' }), service), []);
  assert.deepEqual(kinds(view('Aborting', { kind: 'setWeight' }), service), []);
});
