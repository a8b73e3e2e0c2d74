import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, isSluiceError } from '../errors.js';
import { EventType } from '../events/release-event.js';
import { approveStep } from '../rollouts/approval.js';
import { Phase } from '../rollouts/phase.js';
import { requestAbort, startRollout } from '../rollouts/progress.js';
import { planRollback } from '../rollouts/rollback-plan.js';
import { createRollout, type Hold, type Rollout, type RolloutStatus } from '../rollouts/rollout.js';
import { describeStep } from '../rollouts/step.js';
import type { MigrationSpec } from './migration-spec.js';
import {
  backfillDueAt,
  backfillEtaMs,
  backfillPending,
  backfillPercent,
  needsMigrationDown,
  recordBackfillBatch,
  type BackfillProgress,
  type MigrationPhase,
  type MigrationState,
} from './migration-state.js';

const T0 = 1_000_000;
const BACKFILL = { batchSql: 'UPDATE orders SET b = a', remainingSql: 'SELECT count(*) FROM orders', batchSize: 100, pauseMs: 50, before: 'promotion' as const };
const MIGRATION: MigrationSpec = {
  databaseUrlEnv: 'SHOP_DATABASE_URL',
  lockTimeoutMs: 2_000,
  statementTimeoutMs: 300_000,
  retries: 10,
  expand: 'ALTER TABLE orders ADD COLUMN b bigint',
  down: 'ALTER TABLE orders DROP COLUMN IF EXISTS b',
  contract: 'ALTER TABLE orders DROP COLUMN IF EXISTS a',
  backfill: BACKFILL,
};

const { backfill: _backfill, ...NO_BACKFILL } = MIGRATION;

/** A started rollout (expand, setWeight 100, contract by dba) with `migration` (null: none), its status patched. */
function rollout(status: Partial<RolloutStatus> = {}, migration: MigrationSpec | null = MIGRATION): Rollout {
  const spec = {
    service: 'shop',
    target: 'v2',
    strategy: {
      kind: 'canary' as const,
      steps: [{ kind: 'migrationExpand' as const }, { kind: 'setWeight' as const, weight: 100 }, { kind: 'migrationContract' as const, drainMs: 30_000, approvers: ['dba'] }],
    },
    ...(migration === null ? {} : { migration }),
  };
  const started = startRollout(createRollout('shop-v2', spec, 'v1', T0), T0).rollout;
  return { ...started, status: { ...started.status, ...status } };
}

const checked: MigrationState = { phase: 'expanded', expandedAt: T0, checkedAt: T0 + 5 };

describe('recordBackfillBatch', () => {
  test('rows and batches accumulate; the phase event comes only when the phase changes', () => {
    const first = recordBackfillBatch(rollout({ migration: checked }), 100, undefined, T0 + 1_000);
    const b1 = first.rollout.status.migration?.backfill;
    assert.equal(first.rollout.status.migration?.phase, 'backfilling');
    assert.deepEqual(b1, { rows: 100, batches: 1, startedAt: T0 + 1_000, updatedAt: T0 + 1_000, nextAt: T0 + 1_050 });
    assert.equal(first.rollout.status.migration?.checkedAt, T0 + 5, 'the rest of the state is kept');
    assert.deepEqual(first.events.map((e) => [e.type, e.from, e.to]), [[EventType.MigrationChanged, 'expanded', 'backfilling']]);

    const second = recordBackfillBatch(first.rollout, 150, 750, T0 + 3_000);
    const b2 = second.rollout.status.migration?.backfill;
    assert.deepEqual([b2?.rows, b2?.batches, b2?.remaining, b2?.startedAt, b2?.nextAt], [250, 2, 750, T0 + 1_000, T0 + 3_050]);
    assert.deepEqual(second.events, [], 'backfilling → backfilling is no phase change');
    assert.match(second.rollout.status.message, /^Backfill 25% \(250 rows, 750 left\)/);
  });

  test('remaining is set only by a count: absent before the first, the last count kept until the next', () => {
    const first = recordBackfillBatch(rollout({ migration: checked }), 10, undefined, T0 + 1_000).rollout;
    assert.equal(first.status.migration?.backfill !== undefined && 'remaining' in first.status.migration.backfill, false);
    const counted = recordBackfillBatch(first, 10, 80, T0 + 2_000).rollout;
    assert.equal(counted.status.migration?.backfill?.remaining, 80);
    const later = recordBackfillBatch(counted, 10, undefined, T0 + 3_000).rollout;
    assert.equal(later.status.migration?.backfill?.remaining, 80);
    assert.equal(later.status.migration?.backfill?.rows, 30);
  });

  test('0 rows: backfilled, finished now with 0 remaining, batches not counted, one event', () => {
    const running = recordBackfillBatch(rollout({ migration: checked }), 250, 10, T0 + 1_000).rollout;
    const done = recordBackfillBatch(running, 0, undefined, T0 + 11_000);
    const state = done.rollout.status.migration;
    assert.equal(state?.phase, 'backfilled');
    assert.deepEqual([state?.backfill?.rows, state?.backfill?.batches, state?.backfill?.remaining, state?.backfill?.finishedAt], [250, 1, 0, T0 + 11_000]);
    assert.deepEqual(done.events.map((e) => [e.type, e.from, e.to]), [[EventType.MigrationChanged, 'backfilling', 'backfilled']]);
    assert.match(done.events[0]?.reason ?? '', /^Backfill done: 250 rows in 1 batches/);
    assert.deepEqual(done.events[0]?.data, { rows: 250, batches: 1, remaining: 0 });
  });
});

describe('backfill progress', () => {
  const progress = (b: Partial<BackfillProgress>): BackfillProgress => ({ rows: 250, batches: 3, startedAt: T0, updatedAt: T0, nextAt: T0, ...b });

  test('250 rows in 10 s with 750 left: 25 % and 30 s to go', () => {
    const b = progress({ remaining: 750 });
    assert.equal(backfillPercent(b), 25);
    assert.equal(backfillEtaMs(b, T0 + 10_000), 30_000);
  });

  test('percent to a tenth, rounded down; unknown without a count', () => {
    assert.equal(backfillPercent(progress({ rows: 1, remaining: 2 })), 33.3);
    assert.equal(backfillPercent(progress({ rows: 0, remaining: 0 })), 100);
    assert.equal(backfillPercent(progress({})), undefined);
    assert.equal(backfillEtaMs(progress({}), T0 + 10_000), undefined);
  });

  test('no ETA before a row or any elapsed time; a finished backfill is 100 % with ETA 0', () => {
    assert.equal(backfillEtaMs(progress({ rows: 0, remaining: 10 }), T0 + 10_000), undefined);
    assert.equal(backfillEtaMs(progress({ remaining: 10 }), T0), undefined);
    const done = progress({ remaining: 0, finishedAt: T0 + 5 });
    assert.deepEqual([backfillPercent(done), backfillEtaMs(done, T0 + 10_000)], [100, 0]);
  });
});

describe('backfillDueAt and backfillPending', () => {
  test('due at checkedAt once the gate passed, then at nextAt after each batch', () => {
    const r = rollout({ migration: checked });
    assert.equal(backfillDueAt(r), T0 + 5);
    const after = recordBackfillBatch(r, 100, 900, T0 + 1_000).rollout;
    assert.equal(backfillDueAt(after), T0 + 1_050);
    assert.equal(backfillDueAt(rollout({ migration: checked, phase: Phase.Paused })), T0 + 5);
  });

  test('not due without a backfill, before the gate, once backfilled, when aborting, or under a guard hold', () => {
    assert.equal(backfillDueAt(rollout({ migration: checked }, NO_BACKFILL)), undefined);
    assert.equal(backfillDueAt(rollout({ migration: { phase: 'expanded', expandedAt: T0 } })), undefined);
    assert.equal(backfillDueAt(rollout({ migration: { ...checked, phase: 'backfilled' } })), undefined);
    const aborting = requestAbort(rollout({ migration: checked }), 'user', 'stop', T0 + 1).rollout;
    assert.equal(aborting.status.phase, Phase.Aborting);
    assert.equal(backfillDueAt(aborting), undefined);
    const hold = (source: Hold['source']): Hold => ({ source, reason: 'held', at: T0, paused: true });
    assert.equal(backfillDueAt(rollout({ migration: checked, phase: Phase.Paused, hold: hold('guard') })), undefined);
    assert.equal(backfillDueAt(rollout({ migration: checked, phase: Phase.Paused, hold: hold('budget') })), undefined);
    assert.equal(backfillDueAt(rollout({ migration: checked, phase: Phase.Paused, hold: hold('analysis') })), T0 + 5);
  });

  test('backfillPending says why promotion waits until the backfill is done', () => {
    assert.equal(backfillPending(rollout()), 'Waiting for the backfill to finish (not started)');
    const running = recordBackfillBatch(rollout({ migration: checked }), 250, 750, T0 + 1_000).rollout;
    assert.match(backfillPending(running) ?? '', /^Waiting for the backfill to finish \(25% \(250 rows, 750 left\)/);
    const done = recordBackfillBatch(running, 0, undefined, T0 + 2_000).rollout;
    assert.equal(backfillPending(done), undefined);
    assert.equal(backfillPending(rollout({}, NO_BACKFILL)), undefined);
  });
});

describe('rollback of a migration', () => {
  test('needsMigrationDown once expand may have run and until contract starts', () => {
    const want: Record<MigrationPhase, boolean> = {
      pending: false,
      expanding: true,
      expanded: true,
      backfilling: true,
      backfilled: true,
      contracting: false,
      contracted: false,
      reverting: true,
      reverted: false,
    };
    for (const [phase, down] of Object.entries(want)) assert.equal(needsMigrationDown(rollout({ migration: { phase: phase as MigrationPhase } })), down, phase);
    assert.equal(needsMigrationDown(rollout()), false, 'a migration that has not started');
    assert.equal(needsMigrationDown(rollout({ migration: { phase: 'expanded' } }, null)), false, 'no migration in the spec');
  });

  test('planRollback runs the migration down after verify, only while the schema is expanded', () => {
    const ops = (r: Rollout) => planRollback(r, T0).ops.map((o) => o.op);
    assert.deepEqual(ops(rollout({ migration: checked })), ['traffic', 'verify', 'migration']);
    assert.deepEqual(ops(rollout({ migration: { ...checked, phase: 'backfilling' }, flagBaselines: { f: {} as never } })), ['traffic', 'flags', 'verify', 'migration']);
    assert.deepEqual(ops(rollout({ migration: { ...checked, phase: 'contracting' } })), ['traffic', 'verify']);
    assert.deepEqual(ops(rollout({ migration: { ...checked, phase: 'contracted' } })), ['traffic', 'verify']);
    assert.deepEqual(ops(rollout()), ['traffic', 'verify']);
  });
});

describe('the contract step', () => {
  const atContract = () => rollout({ migration: { ...checked, phase: 'backfilled' }, stepIndex: 2, canaryWeight: 100, phase: Phase.Paused });

  test('approveStep records an approval by a named approver, once', () => {
    const { rollout: r, events } = approveStep(atContract(), 'dba', '  drop it  ', undefined, T0 + 10);
    assert.deepEqual(r.status.stepState?.approval, { by: 'dba', at: T0 + 10, comment: 'drop it' });
    assert.equal(r.status.stepState?.stepIndex, 2);
    assert.deepEqual(events.map((e) => [e.type, e.to]), [[EventType.ApprovalRecorded, 'approved']]);
    assert.equal(approveStep(r, 'dba', undefined, undefined, T0 + 20).events.length, 0);
  });

  test('approveStep refuses an actor who is not an approver, and a migration expand step', () => {
    assert.throws(
      () => approveStep(atContract(), 'bob', undefined, undefined, T0),
      (error: unknown) => isSluiceError(error) && error.code === ErrorCode.FORBIDDEN && /its approvers are dba/.test(error.message),
    );
    assert.throws(
      () => approveStep(rollout({ migration: checked }), 'dba', undefined, undefined, T0),
      (error: unknown) => isSluiceError(error) && error.code === ErrorCode.INVALID_TRANSITION && /its current step is migrationExpand/.test(error.message),
    );
  });

  test('describeStep names both migration steps', () => {
    assert.equal(describeStep({ kind: 'migrationExpand' }), 'migration: expand (before traffic)');
    assert.equal(
      describeStep({ kind: 'migrationContract', drainMs: 30_000, approvers: ['dba', 'sre'] }),
      'migration: contract after 30s of drain and approval by dba or sre (point of no return)',
    );
    assert.equal(describeStep({ kind: 'migrationContract', drainMs: 10_000 }), 'migration: contract after 10s of drain and approval (point of no return)');
  });
});
