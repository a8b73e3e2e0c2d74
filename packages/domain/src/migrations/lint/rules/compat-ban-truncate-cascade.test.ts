import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './compat-ban-truncate-cascade.js';

test('ban-truncate-cascade flags TRUNCATE … CASCADE naming the tables', () => {
  const [f, ...rest] = runRule(rule, 'TRUNCATE TABLE shop.orders, "Line Items" CASCADE;');
  assert.equal(rest.length, 0);
  assert.equal(f?.classification, 'unsafe');
  assert.equal(f?.severity, 'error');
  assert.match(f?.message ?? '', /shop\.orders, "Line Items"/);
});

test('ban-truncate-cascade accepts plain TRUNCATE', () => {
  assert.deepEqual(runRule(rule, 'TRUNCATE orders; TRUNCATE orders RESTRICT; TRUNCATE a, b RESTART IDENTITY;'), []);
});
