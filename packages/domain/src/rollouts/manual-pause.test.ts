import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, SluiceError } from '../errors.js';
import { EventType } from '../events/release-event.js';
import { holdForPerson } from './approval.js';
import { requestPause, requestResume } from './manual-pause.js';
import { Phase } from './phase.js';
import { completeStep, enterPause, requestAbort, requestPromote, startRollout } from './progress.js';
import { createRollout, type Rollout } from './rollout.js';

const T0 = 1_000_000;

function progressing(): Rollout {
  const created = createRollout(
    'shop-v2',
    { service: 'shop', target: 'v2', strategy: { kind: 'canary', steps: [{ kind: 'setWeight', weight: 20 }, { kind: 'pause', durationMs: 30_000 }] } },
    'v1',
    T0,
  );
  return startRollout(created, T0).rollout;
}

/** At step 2, in its 30 s pause. */
function atPauseStep(): Rollout {
  const moved = completeStep(progressing(), T0 + 1, 'weight set').rollout;
  return enterPause(moved, 30_000, T0 + 2).rollout;
}

function invalidTransition(accepted?: readonly string[]) {
  return (error: unknown) => {
    assert.ok(error instanceof SluiceError, String(error));
    assert.equal(error.code, ErrorCode.INVALID_TRANSITION);
    if (accepted !== undefined) assert.deepEqual(error.details.accepted, accepted);
    return true;
  };
}

describe('manual pause and resume', () => {
  test('pause moves Progressing to Paused with a manual hold that paused it, naming the actor and reason', () => {
    const { rollout, events } = requestPause(progressing(), 'alice', '  checking the dashboards ', T0 + 5);
    assert.equal(rollout.status.phase, Phase.Paused);
    assert.deepEqual(rollout.status.hold, { source: 'manual', reason: 'Paused by alice: checking the dashboards', at: T0 + 5, paused: true });
    assert.equal(rollout.status.pausedAt, T0 + 5);
    assert.deepEqual(
      events.map((e) => [e.type, e.from, e.to, e.reason]),
      [
        [EventType.CommandAccepted, undefined, 'pause', 'Paused by alice: checking the dashboards'],
        [EventType.PhaseChanged, Phase.Progressing, Phase.Paused, 'Paused by alice: checking the dashboards'],
      ],
    );
    assert.deepEqual(events[0]?.data, { by: 'alice', reason: 'checking the dashboards' });
  });

  test('resume releases the hold and goes back to Progressing', () => {
    const paused = requestPause(progressing(), 'alice', undefined, T0 + 5).rollout;
    const { rollout, events } = requestResume(paused, 'bob', 'looks fine', T0 + 9);
    assert.equal(rollout.status.phase, Phase.Progressing);
    assert.equal(rollout.status.hold, undefined);
    assert.equal(rollout.status.pausedAt, undefined);
    assert.deepEqual(
      events.map((e) => [e.type, e.from, e.to, e.reason]),
      [
        [EventType.CommandAccepted, undefined, 'resume', 'Resumed by bob: looks fine'],
        [EventType.PhaseChanged, Phase.Paused, Phase.Progressing, 'Resumed by bob: looks fine'],
      ],
    );
  });

  test('a rollout in a pause step keeps its phase and deadline; resume leaves it in its pause', () => {
    const inPause = atPauseStep();
    const { rollout, events } = requestPause(inPause, 'alice', undefined, T0 + 10);
    assert.equal(rollout.status.phase, Phase.Paused);
    assert.equal(rollout.status.pauseUntil, inPause.status.pauseUntil);
    assert.equal(rollout.status.hold?.paused, false);
    assert.deepEqual(events.map((e) => e.type), [EventType.CommandAccepted]);
    const resumed = requestResume(rollout, 'alice', undefined, T0 + 20);
    assert.equal(resumed.rollout.status.phase, Phase.Paused);
    assert.equal(resumed.rollout.status.pauseUntil, inPause.status.pauseUntil);
    assert.equal(resumed.rollout.status.hold, undefined);
    assert.deepEqual(resumed.events.map((e) => [e.type, e.to, e.reason]), [[EventType.CommandAccepted, 'resume', 'Resumed by alice']]);
  });

  test('pausing again changes nothing', () => {
    const paused = requestPause(progressing(), 'alice', 'one', T0 + 5);
    const again = requestPause(paused.rollout, 'bob', 'two', T0 + 6);
    assert.equal(again.rollout, paused.rollout);
    assert.deepEqual(again.events, []);
  });

  test('pause of a pending, promoting, aborting or finished rollout is INVALID_TRANSITION with the accepted phases', () => {
    const pending = createRollout('r', progressing().spec, 'v1', T0);
    const promoting = requestPromote(progressing(), true, T0 + 1).rollout;
    const aborting = requestAbort(progressing(), 'user', 'no', T0 + 1).rollout;
    const aborted = { ...aborting, status: { ...aborting.status, phase: Phase.Aborted } };
    for (const r of [pending, promoting, aborting, aborted]) {
      assert.throws(() => requestPause(r, 'alice', undefined, T0 + 2), invalidTransition([Phase.Progressing, Phase.Paused]), r.status.phase);
    }
  });

  test('pause while another hold waits for a person is refused and says why', () => {
    const held = holdForPerson(progressing(), 'analysis', 'Analysis inconclusive', T0 + 3).rollout;
    assert.throws(() => requestPause(held, 'alice', undefined, T0 + 4), (error: unknown) => {
      assert.ok(error instanceof SluiceError && error.code === ErrorCode.INVALID_TRANSITION);
      assert.match(error.message, /already waits for a person \(analysis: Analysis inconclusive\)/);
      return true;
    });
  });

  test('resume without a manual hold is INVALID_TRANSITION, also while another hold stands', () => {
    assert.throws(() => requestResume(progressing(), 'bob', undefined, T0 + 1), invalidTransition());
    const held = holdForPerson(progressing(), 'guard', 'error rate breached', T0 + 3).rollout;
    assert.throws(() => requestResume(held, 'bob', undefined, T0 + 4), /guard hold \(error rate breached\): promote goes on/);
  });

  test("a person's promote during a manual pause releases it like resume, and says so", () => {
    const paused = requestPause(progressing(), 'alice', undefined, T0 + 5).rollout;
    const { rollout, events } = requestPromote(paused, false, T0 + 6);
    assert.equal(rollout.status.phase, Phase.Progressing);
    assert.equal(rollout.status.hold, undefined);
    assert.equal(rollout.status.promoteRequested, undefined, 'the promote is not kept for a later pause step');
    assert.deepEqual(events.map((e) => [e.type, e.to]), [[EventType.CommandAccepted, 'promote'], [EventType.PhaseChanged, Phase.Progressing]]);
    assert.match(events[0]?.reason ?? '', /^Promote: the manual pause ends, as resume would \(Paused by alice\)/);
  });

  test('abort during a manual pause rolls back and clears the hold', () => {
    const paused = requestPause(progressing(), 'alice', undefined, T0 + 5).rollout;
    const { rollout } = requestAbort(paused, 'user', 'stop', T0 + 6);
    assert.equal(rollout.status.phase, Phase.Aborting);
    assert.equal(rollout.status.hold, undefined);
  });

  test('a guard hold replaces a manual pause and keeps that the hold paused the rollout', () => {
    const paused = requestPause(progressing(), 'alice', undefined, T0 + 5).rollout;
    const guarded = holdForPerson(paused, 'guard', 'p99 breached', T0 + 6).rollout;
    assert.deepEqual(guarded.status.hold, { source: 'guard', reason: 'p99 breached', at: T0 + 6, paused: true });
    const promoted = requestPromote(guarded, false, T0 + 7).rollout;
    assert.equal(promoted.status.phase, Phase.Progressing);
  });
});
