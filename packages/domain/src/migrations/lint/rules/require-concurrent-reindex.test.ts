import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagged, lintWith } from '../testing/lint-sql.js';
import { rule } from './require-concurrent-reindex.js';

test('flags REINDEX without CONCURRENTLY', () => {
  const sql = 'REINDEX TABLE orders; REINDEX INDEX CONCURRENTLY idx; REINDEX (VERBOSE) INDEX idx2;';
  assert.deepEqual(flagged(rule, sql), [0, 2]);
  const [table, verbose] = lintWith(rule, sql);
  assert.match(table?.message ?? '', /REINDEX table orders/);
  assert.match(table?.fix ?? '', /^REINDEX TABLE CONCURRENTLY orders;/);
  assert.match(verbose?.fix ?? '', /^REINDEX \(VERBOSE\) INDEX CONCURRENTLY idx2;/);
});
