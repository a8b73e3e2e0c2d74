import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './hygiene-ban-duplicate-column-assignments.js';

test('ban-duplicate-column-assignments flags UPDATE SET assigning a column twice', () => {
  const findings = runRule(rule, 'UPDATE shop."Orders" SET "Total" = 1, note = \'x\', "Total" = 2;');
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.severity, 'error');
  assert.equal(findings[0]?.classification, 'expand');
  assert.match(findings[0]?.message ?? '', /shop\."Orders"\."Total" more than once/);
});

test('ban-duplicate-column-assignments flags INSERT columns, ON CONFLICT SET, CREATE TABLE and ADD COLUMN', () => {
  const sql = [
    'INSERT INTO t (a, b, a) VALUES (1, 2, 3);',
    'INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET b = 1, (b, c) = (2, 3);',
    'CREATE TABLE s.u (x int, x text);',
    'ALTER TABLE v ADD COLUMN y int, ADD COLUMN y text;',
  ].join('\n');
  const messages = runRule(rule, sql).map((f) => f.message);
  assert.equal(messages.length, 4);
  assert.match(messages[0] ?? '', /INSERT names column t\.a/);
  assert.match(messages[1] ?? '', /ON CONFLICT DO UPDATE SET assigns column t\.b/);
  assert.match(messages[2] ?? '', /CREATE TABLE declares column s\.u\.x/);
  assert.match(messages[3] ?? '', /ALTER TABLE adds column v\.y/);
});

test('ban-duplicate-column-assignments accepts distinct columns and composite field assignments', () => {
  const sql = 'UPDATE t SET a = 1, b = 2; UPDATE t SET p.x = 1, p.y = 2; INSERT INTO t (a, b) VALUES (1, 2); CREATE TABLE u (a int, b int);';
  assert.deepEqual(runRule(rule, sql), []);
});
