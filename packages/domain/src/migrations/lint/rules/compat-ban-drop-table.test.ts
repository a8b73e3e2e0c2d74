import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './compat-ban-drop-table.js';

test('ban-drop-table flags every dropped table', () => {
  const findings = runRule(rule, 'DROP TABLE IF EXISTS orders, audit."Events" CASCADE;');
  assert.equal(findings.length, 2);
  assert.equal(findings[0]?.classification, 'contract');
  assert.equal(findings[0]?.severity, 'error');
  assert.match(findings[0]?.message ?? '', /table orders /);
  assert.match(findings[1]?.message ?? '', /table audit\."Events"/);
  assert.match(findings[1]?.fix ?? '', /DROP TABLE IF EXISTS audit\."Events";/);
});

test('ban-drop-table ignores tables created earlier in the file and other drops', () => {
  assert.deepEqual(runRule(rule, 'CREATE TABLE tmp_copy (a int); DROP TABLE tmp_copy;'), []);
  assert.deepEqual(runRule(rule, 'CREATE TABLE public.tmp (a int); DROP TABLE tmp;'), []);
  assert.deepEqual(runRule(rule, 'DROP INDEX i; DROP VIEW v; DROP SCHEMA s;'), []);
});
