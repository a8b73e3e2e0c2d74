import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagged, lintWith } from '../testing/lint-sql.js';
import { rule } from './constraint-missing-not-valid.js';

test('flags ADD CHECK without NOT VALID on existing tables', () => {
  const sql = `ALTER TABLE orders ADD CONSTRAINT positive_total CHECK (total > 0);
ALTER TABLE orders ADD CONSTRAINT positive_qty CHECK (qty > 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT positive_qty;
CREATE TABLE fresh (n int);
ALTER TABLE fresh ADD CONSTRAINT n_pos CHECK (n > 0);`;
  assert.deepEqual(flagged(rule, sql), [0]);
  const [f] = lintWith(rule, sql);
  assert.match(f?.message ?? '', /CHECK constraint positive_total to orders scans every row/);
  assert.equal(f?.fix, 'ALTER TABLE orders ADD CONSTRAINT positive_total CHECK (total > 0) NOT VALID;\n-- then, in a separate transaction (SHARE UPDATE EXCLUSIVE: reads and writes continue):\nALTER TABLE orders VALIDATE CONSTRAINT positive_total;');
});

test('flags VALIDATE in the same transaction as the NOT VALID add, not in a later one', () => {
  const sql = `BEGIN;
ALTER TABLE orders ADD CONSTRAINT fk_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT fk_user;
COMMIT;
BEGIN;
ALTER TABLE orders ADD CONSTRAINT qty_pos CHECK (qty > 0) NOT VALID;
COMMIT;
BEGIN;
ALTER TABLE orders VALIDATE CONSTRAINT qty_pos;
COMMIT;
ALTER TABLE items ADD CONSTRAINT n_pos CHECK (n > 0) NOT VALID;
ALTER TABLE items VALIDATE CONSTRAINT n_pos;`;
  assert.deepEqual(flagged(rule, sql), [2]);
  const [f] = lintWith(rule, sql);
  assert.match(f?.message ?? '', /VALIDATE CONSTRAINT fk_user runs in the same transaction .* to orders/);
  assert.match(f?.fix ?? '', /^COMMIT;/);
});
