import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagged, lintWith } from '../testing/lint-sql.js';
import { rule } from './require-concurrent-index-deletion.js';

test('flags DROP INDEX without CONCURRENTLY', () => {
  const sql = 'DROP INDEX idx_a, app.idx_b; DROP INDEX CONCURRENTLY IF EXISTS idx_c; DROP TABLE t;';
  assert.deepEqual(flagged(rule, sql), [0]);
  const [f] = lintWith(rule, sql);
  assert.match(f?.message ?? '', /DROP INDEX idx_a, app\.idx_b takes an ACCESS EXCLUSIVE lock/);
  assert.match(f?.fix ?? '', /^DROP INDEX CONCURRENTLY idx_a/);
});
