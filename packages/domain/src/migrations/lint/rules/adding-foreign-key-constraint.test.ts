import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagged, lintWith } from '../testing/lint-sql.js';
import { rule } from './adding-foreign-key-constraint.js';

test('flags validated foreign keys, as table constraints and column REFERENCES', () => {
  const sql = `ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE orders ADD CONSTRAINT orders_shop_fk FOREIGN KEY (shop_id) REFERENCES shops (id) NOT VALID;
ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);
CREATE TABLE lines (order_id bigint);
ALTER TABLE lines ADD FOREIGN KEY (order_id) REFERENCES orders (id);`;
  assert.deepEqual(flagged(rule, sql), [0, 2]);
  const [f, column] = lintWith(rule, sql);
  assert.match(f?.message ?? '', /foreign key from orders to users takes SHARE ROW EXCLUSIVE locks on both tables/);
  assert.match(f?.fix ?? '', /NOT VALID;\n.*\nALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;/);
  assert.match(column?.message ?? '', /to coupons/);
});
