process.env['TZ'] = 'UTC';
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { blueGreenStrategy, describeStrategyStep } from '@sluice/domain';
import type { RolloutView } from '../api-types.js';
import { rolloutEvent, rolloutView, T0 } from '../testing/fixtures.js';
import { commandResultLine, pauseLine, renderStatus, stepLine, summaryLine } from './status-view.js';

describe('renderStatus', () => {
  test('renderStatus shows versions, phase, step, weight bar and countdown', () => {
    const text = renderStatus(rolloutView(), T0 + 5_000).join('\n');
    assert.match(text, /^Rollout: +shop-v2$/m);
    assert.match(text, /^Service: +shop$/m);
    assert.match(text, /^Version: +v1 → v2$/m);
    assert.match(text, /^Phase: +Paused: Paused at step 2 for 30s$/m);
    assert.match(text, /^Step 2\/5: +pause 30s$/m);
    assert.match(text, /^Traffic: +\[████░░░░░░░░░░░░░░░░\] 20% v2 \/ 80% v1$/m);
    assert.match(text, /^Pause: +ends in 25s \(at 00:00:30\)$/m);
  });

  test('renderStatus says what an active, unpaused rollout waits for, and not for a pause', () => {
    const waiting = { ...rolloutView({ phase: 'Progressing', pauseUntil: undefined, pausedAt: undefined, message: 'Started' }), waitingFor: 'Waiting for a ready instance of v2' };
    assert.match(renderStatus(waiting, T0).join('\n'), /^Waiting: +Waiting for a ready instance of v2$/m);
    const paused = { ...rolloutView(), waitingFor: 'Paused until 2026-01-01T00:00:30.000Z' };
    assert.doesNotMatch(renderStatus(paused, T0).join('\n'), /^Waiting:/m);
  });

  test('renderStatus lists the rollout rules, one per line, and the mirror', () => {
    const rules = [
      { name: 'segment:internal-testers', conditions: [{ kind: 'segment' as const, segment: 'internal-testers' }], action: { kind: 'version' as const, version: 'v2' } },
      { name: 'canary', conditions: [{ kind: 'header' as const, name: 'x-canary', match: { exact: 'always' } }, { kind: 'method' as const, methods: ['GET'] }], action: { kind: 'version' as const, version: 'v2' } },
    ];
    const lines = renderStatus(rolloutView({ rules, mirror: { version: 'v2', percent: 10, maxBodyBytes: 1048576 } }), T0);
    const at = lines.findIndex((l) => l.startsWith('Routes:'));
    assert.deepEqual(lines.slice(at, at + 3), [
      'Routes:    segment:internal-testers: segment internal-testers → v2',
      '           canary: header x-canary exact "always" and method GET → v2',
      'Mirror:    10% → v2 (bodies up to 1048576 bytes)',
    ]);
    const plain = renderStatus(rolloutView(), T0);
    assert.ok(!plain.some((l) => /^(Routes|Mirror):/.test(l)), 'no routing lines without rules or mirror');
  });

  test('renderStatus marks done, current and pending steps', () => {
    const lines = renderStatus(rolloutView({ stepIndex: 2, phase: 'Progressing', pauseUntil: undefined }), T0);
    const steps = lines.slice(lines.indexOf('Steps:') + 1, lines.indexOf('Steps:') + 6);
    assert.deepEqual(steps, [
      '  ✓ 1. setWeight 20',
      '  ✓ 2. pause 30s',
      '  ▶ 3. setWeight 50',
      '  · 4. pause (until promoted)',
      '  · 5. setWeight 100',
    ]);
    assert.ok(!lines.some((l) => l.startsWith('Pause:')), 'no pause line when not paused');
  });

  test('renderStatus shows the last 5 events with time, actor, type and transition', () => {
    const events = Array.from({ length: 7 }, (_, i) =>
      rolloutEvent({ type: 'WeightChanged', at: T0 + i * 1000, from: `${i}`, to: `${i + 1}`, reason: `event ${i}` }),
    );
    const lines = renderStatus(rolloutView({}, { events }), T0);
    const shown = lines.slice(lines.indexOf('Events:') + 1);
    assert.equal(shown.length, 5);
    assert.equal(shown[0], '  00:00:02  controller  WeightChanged  2→3  event 2');
    assert.equal(shown[4], '  00:00:06  controller  WeightChanged  6→7  event 6');
  });
});

describe('pauseLine', () => {
  test('pauseLine counts down with the injected time and rounds up', () => {
    const view = rolloutView();
    assert.equal(pauseLine(view, T0 + 29_001), 'ends in 1s (at 00:00:30)');
    assert.equal(pauseLine(view, T0 - 60_000), 'ends in 1m30s (at 00:00:30)');
    assert.equal(pauseLine(view, T0 + 31_000), 'ends now (at 00:00:30)');
  });

  test('pauseLine tells how to end an indefinite pause', () => {
    const view = rolloutView({ stepIndex: 3, pauseUntil: undefined });
    assert.equal(pauseLine(view, T0), 'until promoted: run `sluice promote shop-v2`');
  });

  test('a pause made by a person says resume ends it, even in a timed pause step', () => {
    const hold = { source: 'manual' as const, reason: 'Paused by alice', at: T0, paused: false };
    const view = rolloutView({ hold });
    assert.equal(pauseLine(view, T0 + 1_000), 'by a person: run `sluice resume shop-v2`');
    assert.match(renderStatus(view, T0).join('\n'), /^Paused by a person: Paused by alice — `sluice resume shop-v2` goes on, `sluice abort shop-v2` rolls back$/m);
  });
});

test('stepLine reports all steps done after the last one', () => {
  assert.equal(stepLine(rolloutView({ stepIndex: 5, phase: 'Succeeded' })), 'Step 5/5: all steps done');
});

test('summaryLine is one plain line with phase, step and split', () => {
  assert.equal(
    summaryLine(rolloutView(), T0 + 1000),
    '00:00:01 shop-v2 Paused, step 2/5: pause 30s, [████░░░░░░░░░░░░░░░░] 20% v2 / 80% v1',
  );
});

test('commandResultLine names the rollout, command, phase and message', () => {
  const view = rolloutView({ phase: 'Aborting', message: 'bad latency' });
  assert.equal(commandResultLine(view, 'abort'), 'rollout/shop-v2 abort accepted: Aborting (bad latency)');

  test('renderStatus shows the current analysis gates, checklist items and the approval it waits for', () => {
    const gate = { status: 'running' as const, reason: 'x', measurements: 3, passes: 2, failures: 1, inconclusives: 0, errors: 0, consecutiveErrors: 0, consecutivePasses: 0 };
    const analysis = { startedAt: T0, status: 'running' as const, reason: 'measuring', metrics: { 'health/errors': { gate, nextAt: T0 + 10_000 } } };
    const base = rolloutView({ phase: 'Progressing', pauseUntil: undefined, pausedAt: undefined, stepIndex: 1 });
    const analysing = { ...base, status: { ...base.status, stepState: { stepIndex: 1, startedAt: T0, analysis } } };
    const text = renderStatus(analysing, T0).join('\n');
    assert.match(text, /^Analysis \(running\):$/m);
    assert.match(text, /^  health\/errors +running +3 measured: 2 passed, 1 failed, 0 inconclusive, 0 errors$/m);
    const items = [{ name: 'smoke', phase: 'passed' as const, detail: 'ok' }, { name: 'dns', phase: 'awaiting-person' as const, detail: 'flip it' }];
    const checking = { ...base, status: { ...base.status, stepState: { stepIndex: 1, startedAt: T0, checklist: items } } };
    assert.match(renderStatus(checking, T0).join('\n'), /^  \? dns +awaiting-person +flip it$/m);
    const steps = base.steps.map((s, i) => (i === 1 ? { ...s, kind: 'approval', description: 'approval' } : s));
    const approving = { ...base, steps, status: { ...base.status, stepState: { stepIndex: 1, startedAt: T0 } } };
    assert.match(renderStatus(approving, T0).join('\n'), /^Approval: waiting — `sluice approve shop-v2`/m);
    const approved = { ...approving, status: { ...approving.status, stepState: { stepIndex: 1, startedAt: T0, approval: { by: 'alice', at: T0, comment: 'ok' } } } };
    assert.match(renderStatus(approved, T0).join('\n'), /^Approval: approved by alice at 00:00:00: ok$/m);
    const held = { ...base, status: { ...base.status, hold: { source: 'background' as const, reason: 'Background analysis halted', at: T0, paused: false } } };
    assert.match(renderStatus(held, T0).join('\n'), /^Held for a person: Background analysis halted — `sluice promote shop-v2` goes on/m);
    const guard = { startedAt: T0, conditions: [], breaches: { errors: { at: T0, action: 'rollback' as const, reason: 'Guard "errors" breached: x10' } } };
    const guarded = { ...base, status: { ...base.status, guard, exposure: { requests: 120, failedRequests: 12, distinctKeys: 87, trafficMinutes: 0.0042, throughMs: T0 } } };
    const text2 = renderStatus(guarded, T0).join('\n');
    assert.match(text2, /^  ✗ errors breached at 00:00:00 \(rollback\): Guard "errors" breached: x10$/m);
    assert.match(text2, /^Exposure: 120 requests \(12 failed\), 87 distinct sticky keys, 0\.004 traffic-minutes$/m);
    const past = { ...guarded, status: { ...guarded.status, pointOfNoReturn: { step: 2, at: T0, reason: 'contract' } } };
    assert.match(renderStatus(past, T0).join('\n'), /^Point of no return: passed at step 3 \(contract\): failures hold for a person instead of rolling back$/m);
  });
});

describe('renderStatus: blue-green', () => {
  const blueGreen = blueGreenStrategy({ previewRoute: { kind: 'header', name: 'x-preview', value: '1' }, autoPromote: true, postPromotionAnalysis: { templates: ['health'], args: {} }, scaleDownDelayMs: 30_000 });
  /** shop-v2 as a blue-green rollout at `stepIndex` (0 preview, 1 switch, 2 post-promotion analysis). */
  function view(status: Partial<RolloutView['status']>): RolloutView {
    const base = rolloutView({ phase: 'Progressing', pauseUntil: undefined, pausedAt: undefined, message: 'm', ...status });
    const steps = blueGreen.steps.map((_, i) => ({ index: i, kind: blueGreen.steps[i]?.kind ?? '', description: describeStrategyStep(blueGreen, i), state: 'pending' as const }));
    return { ...base, spec: { ...base.spec, strategy: blueGreen }, steps };
  }

  test('renderStatus says blue-green and which color is live, before and after the switch', () => {
    const before = renderStatus(view({ stepIndex: 0, canaryWeight: 0 }), T0).join('\n');
    assert.match(before, /^Blue-green: +blue v1 live; green v2 waiting for the switch, preview on header x-preview = 1$/m);
    assert.match(before, /^ {2}· 2\. switch to green: setWeight 100$/m);
    const after = renderStatus(view({ stepIndex: 2, canaryWeight: 100 }), T0).join('\n');
    assert.match(after, /^Blue-green: +green v2 live; blue v1 warm for an instant switch back$/m);
    const back = renderStatus(view({ stepIndex: 2, canaryWeight: 100, phase: 'Aborting' }), T0).join('\n');
    assert.match(back, /^Blue-green: +switching back to blue v1$/m);
  });

  test('summaryLine names the live color of a blue-green rollout, and nothing for a canary', () => {
    assert.match(summaryLine(view({ stepIndex: 1, canaryWeight: 100 }), T0), /, blue v1 live \(switching\)$/);
    assert.match(summaryLine(view({ stepIndex: 3, canaryWeight: 100, phase: 'Succeeded' }), T0), /, green v2 live$/);
    assert.doesNotMatch(summaryLine(rolloutView(), T0), /live/);
  });
});
