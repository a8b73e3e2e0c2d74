import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagged, lintWith } from '../testing/lint-sql.js';
import { rule } from './require-concurrent-partition-detach.js';

test('flags DETACH PARTITION without CONCURRENTLY', () => {
  const sql = 'ALTER TABLE events DETACH PARTITION events_2020; ALTER TABLE events DETACH PARTITION events_2021 CONCURRENTLY;';
  assert.deepEqual(flagged(rule, sql), [0]);
  const [f] = lintWith(rule, sql);
  assert.match(f?.message ?? '', /DETACH PARTITION events_2020 takes an ACCESS EXCLUSIVE lock on events/);
  assert.match(f?.fix ?? '', /^ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;/);
  assert.match(lintWith(rule, sql, 13)[0]?.fix ?? '', /upgrade first/);
  assert.doesNotMatch(f?.fix ?? '', /upgrade first/);
});
