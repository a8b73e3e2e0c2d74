import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, SluiceError } from '../errors.js';
import { Phase, TERMINAL_PHASES } from './phase.js';
import { canTransition, nextPhase, PHASE_TABLE, type PhaseTrigger } from './transition.js';

const ALL_PHASES = Object.values(Phase);
const TRIGGERS = Object.keys(PHASE_TABLE) as PhaseTrigger[];

describe('nextPhase', () => {
  test('nextPhase follows the happy path Pending → Progressing → Paused → Progressing → Promoting → Succeeded', () => {
    let phase: Phase = Phase.Pending;
    for (const [trigger, expected] of [
      ['start', Phase.Progressing],
      ['pause', Phase.Paused],
      ['resume', Phase.Progressing],
      ['stepsDone', Phase.Promoting],
      ['promoted', Phase.Succeeded],
    ] as const) {
      phase = nextPhase(phase, trigger);
      assert.equal(phase, expected);
    }
  });

  test('nextPhase ends an abort in Aborted for a person and Failed for a failure', () => {
    assert.equal(nextPhase(Phase.Aborting, 'rolledBack', 'user'), Phase.Aborted);
    assert.equal(nextPhase(Phase.Aborting, 'rolledBack', 'failure'), Phase.Failed);
  });

  test('nextPhase lets every active phase abort or fail, and no terminal phase', () => {
    for (const phase of ALL_PHASES) {
      const active = phase !== Phase.Aborting && !TERMINAL_PHASES.has(phase);
      assert.equal(canTransition(phase, 'abort'), active, phase);
      assert.equal(canTransition(phase, 'fail'), active, phase);
    }
  });

  test('nextPhase never leaves a terminal phase', () => {
    for (const phase of TERMINAL_PHASES) {
      for (const trigger of TRIGGERS) assert.equal(canTransition(phase, trigger), false, `${phase} ${trigger}`);
    }
  });

  test('nextPhase rejects an invalid trigger with INVALID_TRANSITION naming the accepted phases', () => {
    assert.throws(
      () => nextPhase(Phase.Succeeded, 'abort'),
      (e: unknown) =>
        e instanceof SluiceError &&
        e.code === ErrorCode.INVALID_TRANSITION &&
        /Cannot abort a rollout that is Succeeded/.test(e.message) &&
        /Progressing/.test(e.message),
    );
  });
});
