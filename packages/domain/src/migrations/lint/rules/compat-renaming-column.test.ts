import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './compat-renaming-column.js';

test('renaming-column flags a rename on an existing table with the phased fix', () => {
  const [f, ...rest] = runRule(rule, 'ALTER TABLE orders RENAME COLUMN customer TO client;');
  assert.equal(rest.length, 0);
  assert.ok(f);
  assert.equal(f.rule, 'renaming-column');
  assert.equal(f.classification, 'contract');
  assert.equal(f.severity, 'error');
  assert.match(f.message, /orders\.customer to client/);
  assert.match(f.fix, /ALTER TABLE orders ADD COLUMN client/);
  assert.match(f.fix, /UPDATE orders SET client = customer WHERE client IS NULL/);
  assert.match(f.fix, /ALTER TABLE orders DROP COLUMN customer;/);
});

test('renaming-column names quoted and schema-qualified columns as written', () => {
  const [f] = runRule(rule, 'ALTER TABLE "Billing".invoices RENAME "Total" TO total_cents;');
  assert.match(f?.message ?? '', /"Billing"\.invoices\."Total" to total_cents/);
});

test('renaming-column ignores tables created earlier in the file and other renames', () => {
  assert.deepEqual(runRule(rule, 'CREATE TABLE t (a int); ALTER TABLE t RENAME COLUMN a TO b;'), []);
  assert.deepEqual(runRule(rule, 'CREATE TABLE s.t (a int); ALTER TABLE s.t RENAME COLUMN a TO b;'), []);
  assert.deepEqual(runRule(rule, 'ALTER TABLE t RENAME TO u; ALTER INDEX i RENAME TO j; ALTER TABLE t ADD COLUMN c int;'), []);
});
