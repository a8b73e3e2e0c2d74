import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './compat-renaming-table.js';

test('renaming-table flags a table rename with a view-based fix', () => {
  const [f, ...rest] = runRule(rule, 'ALTER TABLE app.orders RENAME TO purchases;');
  assert.equal(rest.length, 0);
  assert.equal(f?.classification, 'contract');
  assert.equal(f?.severity, 'error');
  assert.match(f?.message ?? '', /app\.orders to purchases/);
  assert.match(f?.fix ?? '', /CREATE VIEW app\.purchases AS SELECT \* FROM app\.orders/);
  assert.match(f?.fix ?? '', /ALTER TABLE app\.orders RENAME TO purchases/);
});

test('renaming-table quotes mixed-case names', () => {
  const [f] = runRule(rule, 'ALTER TABLE IF EXISTS "Orders" RENAME TO "Purchases";');
  assert.match(f?.message ?? '', /"Orders" to "Purchases"/);
});

test('renaming-table ignores new tables, column renames and other objects', () => {
  assert.deepEqual(runRule(rule, 'CREATE TABLE t (a int); ALTER TABLE t RENAME TO u;'), []);
  assert.deepEqual(runRule(rule, 'ALTER TABLE t RENAME COLUMN a TO b; ALTER INDEX i RENAME TO j; ALTER VIEW v RENAME TO w;'), []);
});
