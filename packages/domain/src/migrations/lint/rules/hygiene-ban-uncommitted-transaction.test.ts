import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './hygiene-ban-uncommitted-transaction.js';

test('ban-uncommitted-transaction flags a BEGIN never committed', () => {
  const findings = runRule(rule, 'BEGIN;\nALTER TABLE "Orders" ADD COLUMN a int;\n-- COMMIT; (commented out)\n');
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.index, 0);
  assert.equal(findings[0]?.classification, 'expand');
  assert.equal(findings[0]?.severity, 'warning');
  assert.match(findings[0]?.message ?? '', /BEGIN at statement 1 is never committed/);
  assert.match(findings[0]?.message ?? '', /test\.sql/);
});

test('ban-uncommitted-transaction flags only the last, unclosed transaction', () => {
  const findings = runRule(rule, 'BEGIN; CREATE TABLE a (x int); COMMIT; START TRANSACTION; DROP TABLE b;');
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.index, 3);
});

test('ban-uncommitted-transaction accepts COMMIT, END and ROLLBACK', () => {
  assert.deepEqual(runRule(rule, 'BEGIN; CREATE TABLE a (x int); COMMIT;'), []);
  assert.deepEqual(runRule(rule, 'BEGIN; CREATE TABLE a (x int); END;'), []);
  assert.deepEqual(runRule(rule, 'BEGIN; CREATE TABLE a (x int); ROLLBACK;'), []);
  assert.deepEqual(runRule(rule, 'CREATE TABLE a (x int);'), []);
});
