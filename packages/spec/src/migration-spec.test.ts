import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RolloutSpec } from '@sluice/domain';
import { parseResources } from './parse-resources.js';
import { positionOf } from './testing/positions.js';
import { assertProblem, onlyProblem, problemsOf } from './testing/problems.js';

/** A Rollout with `migration` lines (indented 4) and canary steps (one line each, without the `- `). */
function rollout(migration: string, steps: readonly string[], strategy?: string): string {
  const head = 'apiVersion: sluice.dev/v1\nkind: Rollout\nmetadata: { name: r }\nspec:\n  service: shop\n  target: v2\n';
  const section = migration === '' ? '' : `  migration:\n${migration}`;
  const canary = strategy ?? `    canary:\n      steps:\n${steps.map((s) => `        - ${s}\n`).join('')}`;
  return `${head}${section}  strategy:\n${canary}`;
}

const DB = '    database: { urlFromEnv: SHOP_DATABASE_URL }\n';
const CHANGE = '    columnChange: { table: orders, from: total, to: total_cents, type: bigint, up: "($1 * 100)::bigint" }\n';
const HAND = '    expand: ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text\n    down: ALTER TABLE orders DROP COLUMN IF EXISTS note\n';
const CONTRACT_SQL = '    contract: ALTER TABLE orders DROP COLUMN IF EXISTS legacy\n';
const PROMOTE = ['setWeight: 100', 'contract: {}'];

const parseRollout = (text: string): RolloutSpec => {
  const found = parseResources(text, { file: 'shop.yaml' }).find((r) => r.kind === 'Rollout');
  assert.ok(found?.kind === 'Rollout');
  return found.spec;
};

/** The one problem of `text`, checked to be at the `nth` occurrence of `needle`. */
function problemAt(text: string, needle: string, want: { path: string; message: RegExp; expected?: string | RegExp }, nth = 0) {
  assertProblem(onlyProblem(problemsOf(text)), { ...positionOf(text, needle, nth), ...want });
}

describe('migration on valid input', () => {
  test('a columnChange generates expand, down, contract and backfill SQL, with the defaults', () => {
    const text = rollout(`${DB}${CHANGE}    backfill: { batchSize: 500 }\n`, ['setWeight: 20', 'setWeight: 100', 'contract: { drain: 30s, approvers: [dba] }']);
    const spec = parseRollout(text);
    assert.equal(spec.strategy.kind, 'canary');
    assert.deepEqual(spec.strategy.steps, [
      { kind: 'migrationExpand' },
      { kind: 'setWeight', weight: 20 },
      { kind: 'setWeight', weight: 100 },
      { kind: 'migrationContract', drainMs: 30_000, approvers: ['dba'] },
    ]);
    const m = spec.migration;
    assert.ok(m !== undefined);
    assert.equal(m.databaseUrlEnv, 'SHOP_DATABASE_URL');
    assert.deepEqual([m.lockTimeoutMs, m.retries, m.statementTimeoutMs], [2_000, 10, 300_000]);
    assert.match(m.expand, /ALTER TABLE orders ADD COLUMN IF NOT EXISTS total_cents bigint/);
    assert.match(m.expand, /CREATE TRIGGER/);
    assert.match(m.down, /ALTER TABLE orders DROP COLUMN IF EXISTS total_cents/);
    assert.match(m.contract ?? '', /ALTER TABLE orders DROP COLUMN IF EXISTS total;/);
    assert.deepEqual(m.columnChange, { table: 'orders', from: 'total', to: 'total_cents', type: 'bigint', up: '($1 * 100)::bigint' });
    const b = m.backfill;
    assert.ok(b !== undefined);
    assert.match(b.batchSql, /^UPDATE orders SET total_cents = \(total \* 100\)::bigint WHERE /);
    assert.match(b.batchSql, /LIMIT 500 /);
    assert.match(b.remainingSql, /^SELECT count\(\*\).* FROM orders WHERE total_cents IS NULL AND total IS NOT NULL$/);
    assert.deepEqual([b.batchSize, b.pauseMs, b.before], [500, 50, 'promotion']);
  });

  test('a columnChange without a backfill section still backfills in batches of 1000', () => {
    const m = parseRollout(rollout(`${DB}${CHANGE}`, PROMOTE)).migration;
    assert.match(m?.backfill?.batchSql ?? '', /LIMIT 1000 /);
    assert.deepEqual(parseRollout(rollout(`${DB}${CHANGE}`, PROMOTE)).strategy.steps.at(-1), { kind: 'migrationContract', drainMs: 10_000 });
  });

});

describe('migration with hand-written SQL, and background analysis', () => {
  test('hand-written expand, down and contract with a backfill of table, set and where', () => {
    const backfill = '    backfill: { table: public.orders, key: order_id, set: "total_cents = total * 100", where: "total_cents IS NULL", batchSize: 250, pause: 1s, before: traffic }\n';
    const text = rollout(`${DB}    lockTimeout: 5s\n    statementTimeout: 10m\n    retries: 0\n${HAND}${CONTRACT_SQL}${backfill}`, PROMOTE);
    const m = parseRollout(text).migration;
    assert.ok(m !== undefined);
    assert.equal(m.expand, 'ALTER TABLE orders ADD COLUMN IF NOT EXISTS note text');
    assert.equal(m.down, 'ALTER TABLE orders DROP COLUMN IF EXISTS note');
    assert.equal(m.contract, 'ALTER TABLE orders DROP COLUMN IF EXISTS legacy');
    assert.equal(m.columnChange, undefined);
    assert.deepEqual([m.lockTimeoutMs, m.statementTimeoutMs, m.retries], [5_000, 600_000, 0]);
    assert.equal(
      m.backfill?.batchSql,
      'UPDATE public.orders SET total_cents = total * 100 WHERE order_id IN (SELECT order_id FROM public.orders WHERE total_cents IS NULL ORDER BY order_id LIMIT 250 FOR UPDATE SKIP LOCKED)',
    );
    assert.equal(m.backfill?.remainingSql, 'SELECT count(*)::bigint AS n FROM public.orders WHERE total_cents IS NULL');
    assert.deepEqual([m.backfill?.batchSize, m.backfill?.pauseMs, m.backfill?.before], [250, 1_000, 'traffic']);
  });

  test('hand-written expand and down alone: no contract, no backfill, and no contract step needed', () => {
    const spec = parseRollout(rollout(`${DB}${HAND}`, ['setWeight: 100']));
    assert.equal(spec.migration?.contract, undefined);
    assert.equal(spec.migration?.backfill, undefined);
    assert.deepEqual(spec.strategy.kind === 'canary' && spec.strategy.steps, [{ kind: 'migrationExpand' }, { kind: 'setWeight', weight: 100 }]);
  });

  test('background analysis from startingStep 1 starts after the expand step (fromStep 1), and at 0 without a migration', () => {
    const analysis = '    canary:\n      analysis: { templates: [t], startingStep: 1 }\n      steps:\n        - setWeight: 100\n        - contract: {}\n';
    const withMigration = parseRollout(rollout(`${DB}${CHANGE}`, [], analysis));
    assert.equal(withMigration.analysis?.background?.fromStep, 1);
    const without = parseRollout(rollout('', [], analysis.replace('        - contract: {}\n', '')));
    assert.equal(without.analysis?.background?.fromStep, 0);
    assert.equal(without.migration, undefined);
    assert.deepEqual(without.strategy.kind === 'canary' && without.strategy.steps, [{ kind: 'setWeight', weight: 100 }]);
  });
});

describe('migration section problems', () => {
  test('columnChange together with expand', () => {
    const text = rollout(`${DB}${CHANGE}    expand: SELECT 1\n`, PROMOTE);
    problemAt(text, 'SELECT 1', { path: 'spec.migration.expand', message: /^expand is generated from columnChange$/, expected: /either columnChange or expand/ });
  });

  test('expand without down', () => {
    const text = rollout(`${DB}    expand: SELECT 1\n`, ['setWeight: 100']);
    problemAt(text, 'SELECT 1', { path: 'spec.migration.expand', message: /^expand needs down SQL that undoes it$/ });
  });

  test('neither columnChange nor expand', () => {
    const text = rollout(DB, ['setWeight: 100']);
    problemAt(text, 'database:', { path: 'spec.migration', message: /^a migration needs columnChange or expand SQL$/ });
  });

  test('a backfill without columnChange must say set and where', () => {
    const text = rollout(`${DB}${HAND}    backfill: { table: orders }\n`, ['setWeight: 100']);
    problemAt(text, '{ table: orders }', { path: 'spec.migration.backfill', message: /^backfill needs set, where$/ });
  });

  test('backfill.table with a columnChange', () => {
    const text = rollout(`${DB}${CHANGE}    backfill: { table: orders, batchSize: 10 }\n`, PROMOTE);
    problemAt(text, 'orders', { path: 'spec.migration.backfill.table', message: /^backfill\.table is generated from columnChange$/ }, 1);
  });

  test('a migration with a blueGreen strategy', () => {
    const text = rollout(`${DB}${HAND}`, [], '    blueGreen: {}\n');
    problemAt(text, 'blueGreen', { path: 'spec.strategy', message: /^a migration runs with a canary strategy only$/ });
  });

  test('contract SQL but no contract step', () => {
    const text = rollout(`${DB}${HAND}${CONTRACT_SQL}`, ['setWeight: 100']);
    problemAt(text, '- setWeight', { path: 'spec.strategy.canary.steps', message: /^the migration has contract SQL but no contract step$/ });
  });

  test('a contract step without a migration', () => {
    const text = rollout('', PROMOTE);
    problemAt(text, '{}', { path: 'spec.strategy.canary.steps[1].contract', message: /^a contract step needs the rollout's migration$/ });
  });

  test('a contract step with a migration that has no contract SQL', () => {
    const text = rollout(`${DB}${HAND}`, PROMOTE);
    problemAt(text, '{}', { path: 'spec.strategy.canary.steps[1].contract', message: /^a contract step needs contract SQL$/ });
  });

});

describe('contract step problems', () => {
  test('two contract steps: the second is reported', () => {
    const text = rollout(`${DB}${CHANGE}`, ['setWeight: 100', 'contract: {}', 'contract: { drain: 1s }']);
    problemAt(text, '{ drain: 1s }', { path: 'spec.strategy.canary.steps[2].contract', message: /^only one contract step$/ });
  });

  test('a contract step not after setWeight 100', () => {
    const text = rollout(`${DB}${CHANGE}`, ['setWeight: 100', 'setWeight: 50', 'contract: {}']);
    problemAt(text, '{}', { path: 'spec.strategy.canary.steps[2].contract', message: /^contract runs only once the target serves 100 % of traffic$/ });
    const none = rollout(`${DB}${CHANGE}`, ['pause: {}', 'contract: { drain: 1s }']);
    problemAt(none, '{ drain: 1s }', { path: 'spec.strategy.canary.steps[1].contract', message: /^contract runs only once/ });
  });

  test('a setWeight after the contract step', () => {
    const text = rollout(`${DB}${CHANGE}`, ['setWeight: 100', 'contract: {}', 'pause: {}', 'setWeight: 100']);
    const problem = onlyProblem(problemsOf(text));
    assert.match(problem.message, /^no weight change after contract: the stable version can no longer serve$/);
    assert.deepEqual([problem.line, problem.col], [positionOf(text, 'setWeight', 1).line, positionOf(text, 'setWeight', 1).col]);
    assert.match(problem.path ?? '', /^spec\.strategy\.canary\.steps\[3\]/);
  });

  test('an invalid urlFromEnv', () => {
    const text = rollout(`    database: { urlFromEnv: "postgres://u:p@db/shop" }\n${HAND}`, ['setWeight: 100']);
    problemAt(text, '"postgres', { path: 'spec.migration.database.urlFromEnv', message: /^invalid environment variable name$/ });
  });

  test('an unknown field inside migration', () => {
    const text = rollout(`${DB}${HAND}    dryRun: true\n`, ['setWeight: 100']);
    problemAt(text, 'dryRun', { path: 'spec.migration.dryRun', message: /^unknown field "dryRun"$/ });
  });
});
