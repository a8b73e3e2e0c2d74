import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './compat-ban-drop-not-null.js';

test('ban-drop-not-null warns on DROP NOT NULL of an existing table', () => {
  const [f, ...rest] = runRule(rule, 'ALTER TABLE billing."Invoices" ALTER COLUMN "paidAt" DROP NOT NULL;');
  assert.equal(rest.length, 0);
  assert.equal(f?.classification, 'contract');
  assert.equal(f?.severity, 'warning');
  assert.match(f?.message ?? '', /billing\."Invoices"\."paidAt"/);
  assert.match(f?.fix ?? '', /ALTER TABLE billing\."Invoices" ALTER COLUMN "paidAt" DROP NOT NULL;/);
});

test('ban-drop-not-null ignores SET NOT NULL, defaults and new tables', () => {
  assert.deepEqual(runRule(rule, 'ALTER TABLE t ALTER COLUMN a SET NOT NULL, ALTER COLUMN b DROP DEFAULT;'), []);
  assert.deepEqual(runRule(rule, 'CREATE TABLE t (a int NOT NULL); ALTER TABLE t ALTER a DROP NOT NULL;'), []);
});
