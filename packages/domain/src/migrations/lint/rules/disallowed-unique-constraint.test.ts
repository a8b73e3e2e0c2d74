import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagged, lintWith } from '../testing/lint-sql.js';
import { rule } from './disallowed-unique-constraint.js';

test('flags ADD UNIQUE unless USING INDEX', () => {
  const sql = `ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
ALTER TABLE users ADD CONSTRAINT users_name_key UNIQUE USING INDEX users_name_idx;
ALTER TABLE users ADD COLUMN handle text UNIQUE;`;
  assert.deepEqual(flagged(rule, sql), [0, 2]);
  const [f, column] = lintWith(rule, sql);
  assert.match(f?.message ?? '', /UNIQUE \(email\) to users builds the index under an ACCESS EXCLUSIVE lock/);
  assert.match(f?.fix ?? '', /^CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users \(email\);/);
  assert.match(f?.fix ?? '', /ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;$/);
  assert.match(column?.message ?? '', /UNIQUE \(handle\)/);
});
