import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './compat-require-enum-value-ordering.js';

test('require-enum-value-ordering warns on ADD VALUE without BEFORE/AFTER', () => {
  const [f, ...rest] = runRule(rule, `ALTER TYPE shop."Status" ADD VALUE IF NOT EXISTS 'on hold';`);
  assert.equal(rest.length, 0);
  assert.equal(f?.classification, 'expand');
  assert.equal(f?.severity, 'warning');
  assert.match(f?.message ?? '', /'on hold' to enum shop\."Status"/);
  assert.match(f?.fix ?? '', /BEFORE/);
});

test('require-enum-value-ordering accepts BEFORE/AFTER and renames', () => {
  const sql = `ALTER TYPE s ADD VALUE 'a' BEFORE 'b'; ALTER TYPE s ADD VALUE 'c' AFTER 'b'; ALTER TYPE s RENAME VALUE 'x' TO 'y';`;
  assert.deepEqual(runRule(rule, sql), []);
});
