import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RolloutView } from '@sluice/cli/api-types';
import { backfillEtaMs, backfillPercent, duration, isActive, migrationsOf, stagesOf } from './migration-model';

const view = (phase: string, migration: object | undefined, spec: object = { expand: 'x', down: 'y', backfill: { batchSize: 1 } }) =>
  ({ name: 'r', spec: { migration: spec }, status: { phase, migration } }) as unknown as RolloutView;

test('stages: expand, backfill and contract from the phase; reverted undoes expand', () => {
  const states = (v: RolloutView) => stagesOf(migrationsOf([v])[0]!).map((s) => s.state);
  assert.deepEqual(states(view('Progressing', { phase: 'backfilling' })), ['done', 'running', 'skipped']);
  assert.deepEqual(states(view('Progressing', { phase: 'contracted' }, { expand: 'x', down: 'y', backfill: {}, contract: 'z' })), ['done', 'done', 'done']);
  assert.deepEqual(states(view('Aborted', { phase: 'reverted' })), ['reverted', 'pending', 'skipped']);
  assert.deepEqual(states(view('Pending', undefined)), ['pending', 'pending', 'skipped']);
  assert.equal(migrationsOf([{ name: 'x', spec: {}, status: {} } as unknown as RolloutView]).length, 0, 'rollouts without a migration are left out');
});

test('backfill progress, ETA on the server clock, and when to refresh', () => {
  const b = { rows: 250, remaining: 750, batches: 5, startedAt: 1000, updatedAt: 11_000, nextAt: 11_050 };
  assert.equal(backfillPercent(b), 25);
  assert.equal(backfillEtaMs(b), 30_000);
  assert.equal(backfillPercent({ ...b, finishedAt: 12_000 }), 100);
  const { remaining: _left, ...uncounted } = b;
  assert.equal(backfillPercent(uncounted), undefined);
  assert.equal(duration(75_000), '1m15s');
  assert.equal(isActive(migrationsOf([view('Progressing', { phase: 'backfilling', backfill: b })])[0]!), true);
  assert.equal(isActive(migrationsOf([view('Progressing', { phase: 'backfilled', backfill: b })])[0]!), false);
});
