import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagged, lintWith } from '../testing/lint-sql.js';
import { rule } from './prefer-repack.js';

test('flags VACUUM FULL and CLUSTER, not plain VACUUM', () => {
  const sql = 'VACUUM FULL orders; VACUUM (FULL, ANALYZE) items; VACUUM ANALYZE orders; CLUSTER orders USING orders_pkey; VACUUM;';
  assert.deepEqual(flagged(rule, sql), [0, 1, 3]);
  const [full, , cluster] = lintWith(rule, sql);
  assert.match(full?.message ?? '', /VACUUM FULL rewrites table orders under an ACCESS EXCLUSIVE lock/);
  assert.match(cluster?.message ?? '', /CLUSTER rewrites table orders/);
  assert.match(cluster?.fix ?? '', /REPACK \(CONCURRENTLY\)/);
});
