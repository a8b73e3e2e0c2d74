import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagged, lintWith } from '../testing/lint-sql.js';
import { rule } from './ban-exclusion-constraint.js';

test('flags EXCLUDE constraints on existing tables only', () => {
  const sql = `ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);
CREATE TABLE fresh (r int4range);
ALTER TABLE fresh ADD EXCLUDE USING gist (r WITH &&);
ALTER TABLE bookings ADD CONSTRAINT c CHECK (x > 0);`;
  assert.deepEqual(flagged(rule, sql), [0]);
  const [f] = lintWith(rule, sql);
  assert.match(f?.message ?? '', /exclusion constraint no_overlap to bookings .* cannot be added NOT VALID/);
  assert.match(f?.fix ?? '', /no safe path/);
});
