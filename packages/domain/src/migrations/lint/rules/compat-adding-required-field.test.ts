import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './compat-adding-required-field.js';

test('adding-required-field flags ADD COLUMN NOT NULL without DEFAULT', () => {
  const [f, ...rest] = runRule(rule, 'ALTER TABLE shop.orders ADD COLUMN "Region" text NOT NULL;');
  assert.equal(rest.length, 0);
  assert.equal(f?.classification, 'contract');
  assert.equal(f?.severity, 'error');
  assert.match(f?.message ?? '', /shop\.orders\."Region"/);
  assert.match(f?.fix ?? '', /ALTER TABLE shop\.orders ADD COLUMN "Region" <type>;/);
});

test('adding-required-field flags a new primary key column without a value', () => {
  assert.equal(runRule(rule, 'ALTER TABLE t ADD COLUMN k uuid PRIMARY KEY;').length, 1);
});

test('adding-required-field accepts defaults, identity, generated, serial, nullable and new tables', () => {
  const sql = [
    "ALTER TABLE t ADD COLUMN a text NOT NULL DEFAULT 'x';",
    'ALTER TABLE t ADD COLUMN b bigint NOT NULL GENERATED ALWAYS AS IDENTITY;',
    'ALTER TABLE t ADD COLUMN c int NOT NULL GENERATED ALWAYS AS (1) STORED;',
    'ALTER TABLE t ADD COLUMN d bigserial NOT NULL;',
    'ALTER TABLE t ADD COLUMN e text;',
    'CREATE TABLE u (f text NOT NULL);',
    'ALTER TABLE u ADD COLUMN g text NOT NULL;',
  ].join('\n');
  assert.deepEqual(runRule(rule, sql), []);
});
