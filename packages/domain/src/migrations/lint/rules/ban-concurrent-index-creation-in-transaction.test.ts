import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagged, lintWith } from '../testing/lint-sql.js';
import { rule } from './ban-concurrent-index-creation-in-transaction.js';

test('flags CONCURRENTLY work between BEGIN and COMMIT, not outside', () => {
  const sql = `CREATE INDEX CONCURRENTLY a ON t (x);
BEGIN;
CREATE INDEX CONCURRENTLY b ON t (y);
DROP INDEX CONCURRENTLY c;
REINDEX INDEX CONCURRENTLY d;
ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY;
CREATE INDEX e ON t (z);
COMMIT;
DROP INDEX CONCURRENTLY f;`;
  assert.deepEqual(flagged(rule, sql), [2, 3, 4, 5]);
  const messages = lintWith(rule, sql).map((f) => f.message.split(' inside')[0]);
  assert.deepEqual(messages, ['CREATE INDEX CONCURRENTLY', 'DROP INDEX CONCURRENTLY', 'REINDEX CONCURRENTLY', 'DETACH PARTITION CONCURRENTLY']);
});
