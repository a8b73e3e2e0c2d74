import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagged, lintWith } from '../testing/lint-sql.js';
import { rule } from './changing-column-type.js';

test('flags ALTER COLUMN TYPE: error in general, warning for text/varchar targets', () => {
  const sql = `ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);
ALTER TABLE orders ALTER COLUMN note TYPE text;
ALTER TABLE orders ALTER COLUMN code TYPE varchar(40);
CREATE TABLE fresh (n int);
ALTER TABLE fresh ALTER COLUMN n TYPE bigint;`;
  assert.deepEqual(flagged(rule, sql), [0, 1, 2]);
  const [numeric, text, varchar] = lintWith(rule, sql);
  assert.deepEqual([numeric?.severity, text?.severity, varchar?.severity], ['error', 'warning', 'warning']);
  assert.match(numeric?.message ?? '', /orders\.total to numeric\(12,2\) rewrites orders/);
  assert.match(varchar?.message ?? '', /varchar\(40\) is rewrite-free only if code is varchar\/text/);
  assert.match(numeric?.fix ?? '', /ADD COLUMN total_new numeric\(12,2\)/);
});
