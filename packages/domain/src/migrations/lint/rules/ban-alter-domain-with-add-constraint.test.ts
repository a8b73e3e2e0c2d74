import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagged, lintWith } from '../testing/lint-sql.js';
import { rule } from './ban-alter-domain-with-add-constraint.js';

test('flags ALTER DOMAIN ADD CONSTRAINT, not other ALTER DOMAIN forms', () => {
  const sql = 'ALTER DOMAIN positive ADD CONSTRAINT lt_100 CHECK (VALUE < 100); ALTER DOMAIN positive DROP CONSTRAINT lt_100; ALTER DOMAIN positive SET DEFAULT 1;';
  assert.deepEqual(flagged(rule, sql), [0]);
  assert.match(lintWith(rule, sql)[0]?.message ?? '', /ALTER DOMAIN positive ADD CONSTRAINT scans every table column of type positive/);
});
