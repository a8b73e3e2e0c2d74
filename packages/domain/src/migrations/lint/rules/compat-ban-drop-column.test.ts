import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './compat-ban-drop-column.js';

test('ban-drop-column flags each dropped column of an existing table', () => {
  const findings = runRule(rule, 'ALTER TABLE shop."Orders" DROP COLUMN legacy, DROP COLUMN IF EXISTS "Old Name" CASCADE;');
  assert.equal(findings.length, 2);
  assert.equal(findings[0]?.classification, 'contract');
  assert.equal(findings[0]?.severity, 'error');
  assert.match(findings[0]?.message ?? '', /shop\."Orders"\.legacy/);
  assert.match(findings[1]?.message ?? '', /shop\."Orders"\."Old Name"/);
  assert.match(findings[0]?.fix ?? '', /contract phase, after promotion: ALTER TABLE shop\."Orders" DROP COLUMN legacy;/);
});

test('ban-drop-column ignores new tables and other commands', () => {
  assert.deepEqual(runRule(rule, 'CREATE TABLE t (a int, b int);\nALTER TABLE t DROP COLUMN b;'), []);
  assert.deepEqual(runRule(rule, 'ALTER TABLE t ADD COLUMN c int, DROP CONSTRAINT k; DROP TABLE x;'), []);
});
