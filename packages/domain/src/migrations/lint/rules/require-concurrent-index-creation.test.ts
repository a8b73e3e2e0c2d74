import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagged, lintWith } from '../testing/lint-sql.js';
import { rule } from './require-concurrent-index-creation.js';

test('flags CREATE INDEX without CONCURRENTLY on existing tables only', () => {
  const sql = `CREATE INDEX idx_users_email ON users (email);
CREATE UNIQUE INDEX CONCURRENTLY idx_ok ON users (name);
CREATE TABLE fresh (id bigint);
CREATE INDEX fresh_id ON fresh (id);
create unique index "Idx" on "Sales"."Orders" (id);`;
  assert.deepEqual(flagged(rule, sql), [0, 4]);
  const [first, quoted] = lintWith(rule, sql);
  assert.equal(first?.classification, 'unsafe');
  assert.equal(first?.severity, 'error');
  assert.match(first?.message ?? '', /table users takes a SHARE lock/);
  assert.match(first?.fix ?? '', /^CREATE INDEX CONCURRENTLY idx_users_email ON users \(email\);/);
  assert.match(quoted?.message ?? '', /table "Sales"\."Orders"/);
  assert.match(quoted?.fix ?? '', /^create unique index CONCURRENTLY/);
});
