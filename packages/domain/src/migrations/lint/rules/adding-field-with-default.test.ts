import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagged, lintWith } from '../testing/lint-sql.js';
import { rule } from './adding-field-with-default.js';

test('flags volatile defaults, stored generated columns and serial; not stable defaults', () => {
  const sql = `ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();
ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now();
ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;
ALTER TABLE users ADD COLUMN total_cents bigint GENERATED ALWAYS AS (total * 100) STORED;
ALTER TABLE users ADD COLUMN seq bigserial;
ALTER TABLE users ADD COLUMN r float8 DEFAULT public.random();
CREATE TABLE fresh (id int);
ALTER TABLE fresh ADD COLUMN token uuid DEFAULT gen_random_uuid();`;
  assert.deepEqual(flagged(rule, sql), [0, 3, 4, 5]);
  const [uuid, generated] = lintWith(rule, sql);
  assert.match(uuid?.message ?? '', /column token to users rewrites the whole table .* gen_random_uuid\(\) is volatile/);
  assert.match(generated?.message ?? '', /stored generated column/);
  assert.match(uuid?.fix ?? '', /ADD COLUMN token <type>;/);
});

test('before PostgreSQL 11 any default rewrites', () => {
  const sql = 'ALTER TABLE users ADD COLUMN active boolean DEFAULT true; ALTER TABLE users ADD COLUMN note text;';
  assert.deepEqual(flagged(rule, sql, 10), [0]);
  assert.deepEqual(flagged(rule, sql, 11), []);
});
