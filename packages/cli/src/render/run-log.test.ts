process.env['TZ'] = 'UTC';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rolloutEvent, rolloutView, T0 } from '../testing/fixtures.js';
import { advanceProgress, compactEvent, isLogged, personWait, progressOf, runLogLine, waitLogLine } from './run-log.js';
import { rollbackReason, rolledBackLine, succeededLine } from './run-summary.js';

const START = { step: 1, steps: 5, weight: 0 };

describe('rollout run log lines', () => {
  test('each event is one line: time, step n/N and weight after it, what happened', () => {
    const weight = rolloutEvent({ type: 'WeightChanged', from: '0', to: '20', reason: 'Canary v2 weight 0% → 20%' });
    const afterWeight = advanceProgress(START, weight);
    assert.equal(runLogLine(weight, afterWeight), '00:00:00 [step 1/5 20%] weight 0% → 20%');
    const done = rolloutEvent({ type: 'StepCompleted', at: T0 + 2000, from: '1', to: '2', reason: 'Step 1/5 (setWeight 20) completed: weight applied', data: { step: 0, kind: 'setWeight' } });
    const afterStep = advanceProgress(afterWeight, done);
    assert.deepEqual(afterStep, { step: 2, steps: 5, weight: 20 });
    assert.equal(runLogLine(done, afterStep), '00:00:02 [step 2/5 20%] Step 1/5 (setWeight 20) completed: weight applied');
    const phase = rolloutEvent({ type: 'PhaseChanged', from: 'Progressing', to: 'Paused', reason: 'Paused at step 2 for 30s' });
    assert.equal(runLogLine(phase, afterStep), '00:00:00 [step 2/5 20%] phase Progressing → Paused: Paused at step 2 for 30s');
  });

  test('verdicts, breaches and commands say who and what', () => {
    const p = { step: 3, steps: 5, weight: 50 };
    const analysis = rolloutEvent({ type: 'AnalysisDecided', to: 'failed', reason: 'error-rate failed 3 times' });
    assert.equal(runLogLine(analysis, p), '00:00:00 [step 3/5 50%] analysis failed: error-rate failed 3 times');
    const breach = rolloutEvent({ type: 'GuardBreached', from: 'error-rate', to: 'rollback', reason: 'canary errors 30% > 1%' });
    assert.equal(runLogLine(breach, p), '00:00:00 [step 3/5 50%] guard error-rate breached (rollback): canary errors 30% > 1%');
    const command = rolloutEvent({ type: 'CommandAccepted', actor: 'alice', to: 'promote', reason: 'Promote requested' });
    assert.equal(runLogLine(command, p), '00:00:00 [step 3/5 50%] alice ran promote: Promote requested');
  });

  test('per-target events of a waves rollout move neither the step nor the weight; measurements are not logged', () => {
    const target = rolloutEvent({ type: 'WeightChanged', from: '0', to: '50', reason: 'x', data: { target: 'eu-1', wave: 0 } });
    assert.deepEqual(advanceProgress(START, target), START);
    assert.equal(isLogged(rolloutEvent({ type: 'AnalysisMeasured', reason: 'm' })), false);
    assert.equal(isLogged(target), true);
  });

  test('a compact event keeps what happened and drops the evidence', () => {
    const event = rolloutEvent({ type: 'GuardBreached', from: 'p99', to: 'pause', reason: 'slow', data: { evidence: { big: true } } });
    assert.deepEqual(compactEvent(event), { seq: event.seq, at: T0, type: 'GuardBreached', actor: 'controller', from: 'p99', to: 'pause', reason: 'slow' });
  });
});

describe('what a rollout waits for', () => {
  test('a pause until promoted names promote and abort; a timed pause waits for nobody', () => {
    const untilPromoted = rolloutView({ stepIndex: 3, pauseUntil: undefined, canaryWeight: 50 });
    const wait = personWait(untilPromoted);
    assert.equal(wait, 'paused at step 4 until promoted: `sluice promote shop-v2` goes on, `sluice abort shop-v2` rolls back');
    assert.equal(waitLogLine(wait ?? '', progressOf(untilPromoted), T0), `00:00:00 [step 4/5 50%] waiting for a person: ${wait}`);
    assert.equal(personWait(rolloutView()), undefined);
  });

  test('holds name the command that releases them', () => {
    const held = rolloutView({ phase: 'Paused', hold: { source: 'analysis', reason: 'analysis inconclusive', at: T0, paused: true } });
    assert.match(personWait(held) ?? '', /^held for a person \(analysis inconclusive\): `sluice promote shop-v2` goes on/);
    const manual = rolloutView({ hold: { source: 'manual', reason: 'Paused by bob', at: T0, paused: true } });
    assert.match(personWait(manual) ?? '', /`sluice resume shop-v2` goes on/);
  });
});

describe('rollout run outcome lines', () => {
  test('success and rollback say what happened, how far it got, and why', () => {
    const done = rolloutView({ phase: 'Succeeded', stepIndex: 5, canaryWeight: 100, pauseUntil: undefined });
    assert.equal(succeededLine(done, 42_000), 'rollout/shop-v2 succeeded in 42s: v2 is stable (5/5 steps done)');
    const aborted = rolloutView({ phase: 'Aborted', canaryWeight: 0, pauseUntil: undefined, message: 'All traffic is back on v1' });
    const events = [rolloutEvent({ type: 'PhaseChanged', actor: 'ci', from: 'Paused', to: 'Aborting', reason: 'smoke test failed' })];
    const reason = rollbackReason(aborted, events);
    assert.equal(reason, 'smoke test failed (by ci)');
    assert.equal(rolledBackLine(aborted, 8000, reason), 'rollout/shop-v2 ended Aborted after 8s, all traffic back on v1 (1/5 steps done): smoke test failed (by ci)');
    assert.equal(rollbackReason(aborted, []), 'All traffic is back on v1');
  });
});
