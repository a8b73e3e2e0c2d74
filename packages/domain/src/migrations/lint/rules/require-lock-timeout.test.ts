import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagged, lintWith } from '../testing/lint-sql.js';
import { rule } from './require-lock-timeout.js';

test('warns once, at the first lock-taking statement, when no lock_timeout was set', () => {
  const sql = 'SELECT 1; CREATE TABLE t (id int); CREATE INDEX ti ON t (id); ALTER TABLE users ADD COLUMN a int; DROP INDEX x;';
  assert.deepEqual(flagged(rule, sql), [3]);
  const [f] = lintWith(rule, sql);
  assert.equal(f?.severity, 'warning');
  assert.match(f?.fix ?? '', /SET lock_timeout/);
});

test('SET lock_timeout (or SET LOCAL) before the DDL silences it; after does not', () => {
  assert.deepEqual(flagged(rule, "SET LOCAL lock_timeout = '1s'; ALTER TABLE users ADD COLUMN a int;"), []);
  assert.deepEqual(flagged(rule, "ALTER TABLE users ADD COLUMN a int; SET lock_timeout = '1s';"), [0]);
  assert.deepEqual(flagged(rule, "SET statement_timeout = '1s'; ALTER TABLE users ADD COLUMN a int;"), [1]);
});
