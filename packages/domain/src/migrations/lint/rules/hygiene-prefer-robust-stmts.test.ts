import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './hygiene-prefer-robust-stmts.js';

test('prefer-robust-stmts flags CREATE/DROP/ADD COLUMN without IF [NOT] EXISTS outside a transaction', () => {
  const sql = [
    'CREATE TABLE shop."Orders" (id bigint);',
    'CREATE INDEX CONCURRENTLY orders_id_idx ON shop."Orders" (id);',
    'CREATE SCHEMA "Billing";',
    'DROP TABLE shop.old, legacy;',
    'DROP INDEX CONCURRENTLY "Idx_Old";',
    'ALTER TABLE shop."Orders" ADD COLUMN note text, DROP COLUMN "Legacy", DROP CONSTRAINT c;',
  ].join('\n');
  const messages = runRule(rule, sql).map((f) => f.message);
  assert.equal(messages.length, 8);
  assert.match(messages[0] ?? '', /CREATE TABLE shop\."Orders" without IF NOT EXISTS/);
  assert.match(messages[1] ?? '', /CREATE INDEX orders_id_idx without IF NOT EXISTS/);
  assert.match(messages[2] ?? '', /CREATE SCHEMA "Billing"/);
  assert.match(messages[3] ?? '', /DROP TABLE shop\.old, legacy without IF EXISTS/);
  assert.match(messages[4] ?? '', /DROP INDEX "Idx_Old"/);
  assert.match(messages[5] ?? '', /ADD COLUMN note/);
  assert.match(messages[6] ?? '', /DROP COLUMN "Legacy"/);
  assert.match(messages[7] ?? '', /DROP CONSTRAINT c/);
  const [first] = runRule(rule, 'CREATE TABLE t (a int);');
  assert.equal(first?.severity, 'info');
  assert.equal(first?.classification, 'expand');
  assert.match(first?.fix ?? '', /CREATE TABLE IF NOT EXISTS t/);
});

test('prefer-robust-stmts accepts robust statements and anything inside a transaction', () => {
  const robust = [
    'CREATE TABLE IF NOT EXISTS t (a int);',
    'CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);',
    'CREATE SCHEMA IF NOT EXISTS s;',
    'DROP TABLE IF EXISTS t;',
    'ALTER TABLE t ADD COLUMN IF NOT EXISTS b int, DROP COLUMN IF EXISTS c, DROP CONSTRAINT IF EXISTS k;',
    'ALTER TABLE t ALTER COLUMN a SET DEFAULT 1;',
  ].join('\n');
  assert.deepEqual(runRule(rule, robust), []);
  assert.deepEqual(runRule(rule, 'BEGIN; CREATE TABLE t (a int); DROP TABLE u; COMMIT;'), []);
});
