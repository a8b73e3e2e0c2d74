process.env['TZ'] = 'UTC';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { MigrationSpec, MigrationState } from '@sluice/domain';
import type { RolloutView } from '../api-types.js';
import { rolloutView, T0 } from '../testing/fixtures.js';
import { migrationFields, renderMigrationDetail, renderMigrationTable } from './migration-view.js';

const SPEC: MigrationSpec = {
  databaseUrlEnv: 'SHOP_DATABASE_URL',
  lockTimeoutMs: 2_000,
  statementTimeoutMs: 300_000,
  retries: 10,
  expand: 'ALTER TABLE orders ADD COLUMN total_cents bigint',
  down: 'ALTER TABLE orders DROP COLUMN IF EXISTS total_cents',
  contract: 'ALTER TABLE orders DROP COLUMN IF EXISTS total',
  columnChange: { table: 'orders', from: 'total', to: 'total_cents', type: 'bigint' },
  compatibility: { templates: ['stable-on-new-schema'], args: {} },
  backfill: { batchSql: 'UPDATE orders …', remainingSql: 'SELECT count(*) …', batchSize: 500, pauseMs: 50, before: 'promotion' },
};

/** shop-v2 with `spec` as its migration and `state` (absent: not started) in its status. */
function withMigration(state: MigrationState | undefined, spec: MigrationSpec = SPEC, name = 'shop-v2', extra: Partial<RolloutView['status']> = {}): RolloutView {
  const view = rolloutView({ phase: 'Progressing', pausedAt: undefined, pauseUntil: undefined, ...extra }, { name });
  return { ...view, spec: { ...view.spec, migration: spec }, status: { ...view.status, ...(state === undefined ? {} : { migration: state }) } };
}

const running: MigrationState = {
  phase: 'backfilling',
  expandedAt: T0 - 60_000,
  checkedAt: T0 - 50_000,
  backfill: { rows: 250, remaining: 750, batches: 1, startedAt: T0 - 10_000, updatedAt: T0, nextAt: T0 + 50 },
};

describe('renderMigrationTable', () => {
  test('lists only rollouts with a migration: phase, backfill percent, rows and ETA', () => {
    const plain = rolloutView({}, { name: 'api-v3' });
    const lines = renderMigrationTable([withMigration(running), plain, withMigration(undefined, SPEC, 'cart-v2')], T0);
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.match(lines[0] ?? '', /^ROLLOUT +SERVICE +ROLLOUT PHASE +MIGRATION +BACKFILL +ROWS +ETA$/);
    assert.match(lines[1] ?? '', /^shop-v2 +shop +Progressing +backfilling +25% +250 +30s$/);
    assert.match(lines[2] ?? '', /^cart-v2 +shop +Progressing +pending +- +- +-$/);
    assert.ok(!lines.some((l) => l.includes('api-v3')), 'a rollout without a migration has no row');
  });

  test('"-" for a percent and an ETA not known before the rows are counted', () => {
    const uncounted: MigrationState = { ...running, backfill: { rows: 40, batches: 1, startedAt: T0 - 1_000, updatedAt: T0, nextAt: T0 } };
    assert.match(renderMigrationTable([withMigration(uncounted)], T0)[1] ?? '', /^shop-v2 +shop +Progressing +backfilling +- +40 +-$/);
  });

  test('says so when no rollout has a migration', () => {
    assert.deepEqual(renderMigrationTable([rolloutView()], T0), ['No rollout has a migration.']);
    assert.deepEqual(renderMigrationTable([], T0), ['No rollout has a migration.']);
  });
});

describe('renderMigrationDetail', () => {
  test('names the database by its environment variable, never its URL', () => {
    const saved = process.env['SHOP_DATABASE_URL'];
    process.env['SHOP_DATABASE_URL'] = 'postgres://shop:secret@db.internal:5432/shop';
    try {
      const text = renderMigrationDetail(withMigration(running), T0).join('\n');
      assert.match(text, /^Database: +\$SHOP_DATABASE_URL$/m);
      assert.doesNotMatch(text, /postgres:|secret|db\.internal/);
    } finally {
      if (saved === undefined) delete process.env['SHOP_DATABASE_URL'];
      else process.env['SHOP_DATABASE_URL'] = saved;
    }
  });

  test('shows the column change, phase, gate, backfill, progress and contract', () => {
    const text = renderMigrationDetail(withMigration(running), T0).join('\n');
    assert.match(text, /^Rollout: +shop-v2 \(Progressing, shop v1 → v2\)$/m);
    assert.match(text, /^Change: +orders\.total → total_cents \(bigint\), dual write by trigger until contract$/m);
    assert.match(text, /^Phase: +backfilling 25% \(250 rows, 750 left\), ETA 30s$/m);
    assert.match(text, /^Expanded: +2025-12-31T23:59:00\.000Z$/m);
    assert.match(text, /^Gate: +passed 2025-12-31T23:59:10\.000Z$/m);
    assert.match(text, /^Backfill: +250 rows in 1 batches, 750 left$/m);
    assert.match(text, /^Progress: +25%, ETA 30s$/m);
    assert.match(text, /^Contract: +not run \(after 100%, drain and approval: the point of no return\)$/m);
  });

  test('before it starts: gate not passed, backfill not started, no progress line', () => {
    const text = renderMigrationDetail(withMigration(undefined), T0).join('\n');
    assert.match(text, /^Phase: +pending$/m);
    assert.match(text, /^Gate: +not passed yet$/m);
    assert.match(text, /^Backfill: +not started \(batches of 500, done before promotion\)$/m);
    assert.doesNotMatch(text, /^Progress:/m);
  });

  test('hand-written SQL without gate, backfill or contract; a contracted migration', () => {
    const { columnChange: _c, compatibility: _g, backfill: _b, contract: _k, ...bare } = SPEC;
    const text = renderMigrationDetail(withMigration({ phase: 'expanded', expandedAt: T0 }, bare), T0).join('\n');
    assert.doesNotMatch(text, /^Change:/m);
    assert.match(text, /^Gate: +none$/m);
    assert.match(text, /^Backfill: +none$/m);
    assert.match(text, /^Contract: +none$/m);
    const contracted = renderMigrationDetail(withMigration({ ...running, phase: 'contracted', contractedAt: T0 }), T0).join('\n');
    assert.match(contracted, /^Contract: +ran 2026-01-01T00:00:00\.000Z$/m);
  });

  test('a rollout without a migration', () => {
    assert.deepEqual(renderMigrationDetail(rolloutView(), T0), ['Rollout shop-v2 has no migration.']);
  });
});

describe('migrationFields', () => {
  test('one Migration line, marked once past the point of no return', () => {
    assert.deepEqual(migrationFields(withMigration(running), T0), [['Migration:', 'backfilling 25% (250 rows, 750 left), ETA 30s']]);
    const ponr = { step: 2, at: T0, reason: 'contract: drop column orders.total' };
    const past = withMigration({ ...running, phase: 'contracted', contractedAt: T0 }, SPEC, 'shop-v2', { pointOfNoReturn: ponr });
    assert.deepEqual(migrationFields(past, T0), [['Migration:', 'contracted — past the point of no return']]);
  });

  test('pending before it starts, nothing without a migration', () => {
    assert.deepEqual(migrationFields(withMigration(undefined), T0), [['Migration:', 'pending']]);
    assert.deepEqual(migrationFields(rolloutView(), T0), []);
  });
});
