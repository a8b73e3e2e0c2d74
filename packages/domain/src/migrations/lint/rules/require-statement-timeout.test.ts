import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagged, lintWith } from '../testing/lint-sql.js';
import { rule } from './require-statement-timeout.js';

test('warns once, at the first lock-taking statement, when no statement_timeout was set', () => {
  const sql = "SET lock_timeout = '1s'; VACUUM FULL orders; ALTER TABLE orders ADD COLUMN a int;";
  assert.deepEqual(flagged(rule, sql), [1]);
  assert.equal(lintWith(rule, sql)[0]?.severity, 'warning');
  assert.deepEqual(flagged(rule, "SET statement_timeout = '5min'; ALTER TABLE orders ADD COLUMN a int;"), []);
  assert.deepEqual(flagged(rule, 'VACUUM orders; SELECT 1;'), []);
});
