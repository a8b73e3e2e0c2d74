import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './compat-drop-constraint.js';

test('drop-constraint warns on each dropped constraint of an existing table', () => {
  const findings = runRule(rule, 'ALTER TABLE shop.orders DROP CONSTRAINT orders_email_key, DROP CONSTRAINT IF EXISTS "Fk_Customer" CASCADE;');
  assert.equal(findings.length, 2);
  assert.equal(findings[0]?.classification, 'contract');
  assert.equal(findings[0]?.severity, 'warning');
  assert.match(findings[0]?.message ?? '', /orders_email_key on shop\.orders/);
  assert.match(findings[1]?.message ?? '', /"Fk_Customer" on shop\.orders/);
});

test('drop-constraint ignores new tables and adding constraints', () => {
  assert.deepEqual(runRule(rule, 'CREATE TABLE t (a int CONSTRAINT c CHECK (a > 0)); ALTER TABLE t DROP CONSTRAINT c;'), []);
  assert.deepEqual(runRule(rule, 'ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;'), []);
});
