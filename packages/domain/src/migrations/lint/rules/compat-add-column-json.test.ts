import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './compat-add-column-json.js';

test('add-column-json warns on json columns in ALTER TABLE and CREATE TABLE', () => {
  const findings = runRule(rule, 'ALTER TABLE shop.orders ADD COLUMN "Meta" json;\nCREATE TABLE "Events" (id bigint, payload JSON);');
  assert.equal(findings.length, 2);
  assert.equal(findings[0]?.classification, 'expand');
  assert.equal(findings[0]?.severity, 'warning');
  assert.match(findings[0]?.message ?? '', /shop\.orders\."Meta" is json/);
  assert.match(findings[0]?.fix ?? '', /ALTER TABLE shop\.orders ADD COLUMN "Meta" jsonb;/);
  assert.match(findings[1]?.message ?? '', /"Events"\.payload/);
});

test('add-column-json accepts jsonb and text', () => {
  assert.deepEqual(runRule(rule, 'ALTER TABLE t ADD COLUMN a jsonb; CREATE TABLE u (b text, c jsonb[]);'), []);
});
