import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagged, lintWith } from '../testing/lint-sql.js';
import { rule } from './adding-not-nullable-field.js';

test('flags SET NOT NULL unless a validated CHECK (col IS NOT NULL) came before', () => {
  const sql = `ALTER TABLE users ALTER COLUMN email SET NOT NULL;
ALTER TABLE users ADD CONSTRAINT name_nn CHECK (name IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT name_nn;
ALTER TABLE users ALTER COLUMN name SET NOT NULL;
ALTER TABLE users ADD CONSTRAINT city_nn CHECK (city IS NOT NULL) NOT VALID;
ALTER TABLE users ALTER COLUMN city SET NOT NULL;
ALTER TABLE users ADD CONSTRAINT zip_nn CHECK (zip IS NOT NULL);
ALTER TABLE users ALTER COLUMN zip SET NOT NULL;`;
  assert.deepEqual(flagged(rule, sql), [0, 5]);
  const [f] = lintWith(rule, sql);
  assert.match(f?.message ?? '', /SET NOT NULL on users\.email scans every row under an ACCESS EXCLUSIVE lock/);
  assert.match(f?.fix ?? '', /ADD CONSTRAINT users_email_not_null CHECK \(email IS NOT NULL\) NOT VALID;/);
  assert.match(f?.fix ?? '', /VALIDATE CONSTRAINT users_email_not_null;/);
});

test('before PostgreSQL 12 the validated check does not help', () => {
  const sql = 'ALTER TABLE u ADD CONSTRAINT c CHECK (x IS NOT NULL); ALTER TABLE u ALTER COLUMN x SET NOT NULL;';
  assert.deepEqual(flagged(rule, sql, 11), [1]);
  assert.deepEqual(flagged(rule, sql, 12), []);
});
