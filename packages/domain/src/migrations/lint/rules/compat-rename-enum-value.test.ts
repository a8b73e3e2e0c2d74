import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './compat-rename-enum-value.js';

test('rename-enum-value flags RENAME VALUE with the phased fix', () => {
  const [f, ...rest] = runRule(rule, `ALTER TYPE shop."Status" RENAME VALUE 'canceled' TO 'cancelled';`);
  assert.equal(rest.length, 0);
  assert.equal(f?.classification, 'contract');
  assert.equal(f?.severity, 'error');
  assert.match(f?.message ?? '', /'canceled' of enum shop\."Status" to 'cancelled'/);
  assert.match(f?.fix ?? '', /ADD VALUE IF NOT EXISTS 'cancelled' AFTER 'canceled'/);
});

test('rename-enum-value ignores ADD VALUE and type renames', () => {
  assert.deepEqual(runRule(rule, `ALTER TYPE s ADD VALUE 'a'; ALTER TYPE s RENAME TO t;`), []);
});
