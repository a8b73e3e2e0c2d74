import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './hygiene-transaction-nesting.js';

test('transaction-nesting flags BEGIN inside an open transaction', () => {
  const sql = 'BEGIN;\nALTER TABLE "Orders" ADD COLUMN a int;\nSTART TRANSACTION;\nCOMMIT;';
  const findings = runRule(rule, sql);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.index, 2);
  assert.equal(findings[0]?.classification, 'expand');
  assert.equal(findings[0]?.severity, 'warning');
  assert.match(findings[0]?.message ?? '', /START TRANSACTION inside a transaction/);
});

test('transaction-nesting flags COMMIT with no transaction open', () => {
  const findings = runRule(rule, 'ALTER TABLE s.t ADD COLUMN a int;\nCOMMIT;');
  assert.equal(findings.length, 1);
  assert.match(findings[0]?.message ?? '', /COMMIT with no transaction open/);
});

test('transaction-nesting accepts sequential transactions and savepoints', () => {
  const sql = 'BEGIN; CREATE TABLE a (x int); SAVEPOINT s; ROLLBACK TO SAVEPOINT s; RELEASE SAVEPOINT s; COMMIT;\nBEGIN; DROP TABLE b; END;';
  assert.deepEqual(runRule(rule, sql), []);
});
