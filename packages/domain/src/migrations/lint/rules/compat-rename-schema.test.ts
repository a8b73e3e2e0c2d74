import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './compat-rename-schema.js';

test('rename-schema flags ALTER SCHEMA … RENAME', () => {
  const [f, ...rest] = runRule(rule, 'ALTER SCHEMA "Billing" RENAME TO billing;');
  assert.equal(rest.length, 0);
  assert.equal(f?.classification, 'contract');
  assert.equal(f?.severity, 'error');
  assert.match(f?.message ?? '', /schema "Billing" to billing/);
  assert.match(f?.fix ?? '', /CREATE SCHEMA IF NOT EXISTS billing/);
});

test('rename-schema ignores other renames and schema changes', () => {
  assert.deepEqual(runRule(rule, 'ALTER SCHEMA s OWNER TO bob; ALTER TABLE s.t RENAME TO u; CREATE SCHEMA x;'), []);
});
