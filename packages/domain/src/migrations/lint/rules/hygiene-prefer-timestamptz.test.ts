import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './hygiene-prefer-timestamptz.js';

test('prefer-timestamptz flags timestamp without time zone', () => {
  const sql = 'CREATE TABLE s."Events" (at timestamp, "Seen" timestamp(3) without time zone);\nALTER TABLE t ADD COLUMN c timestamp, ALTER COLUMN d TYPE timestamp;';
  const findings = runRule(rule, sql);
  assert.equal(findings.length, 4);
  assert.equal(findings[0]?.severity, 'warning');
  assert.equal(findings[0]?.classification, 'expand');
  assert.match(findings[0]?.message ?? '', /s\."Events"\.at is timestamp without time zone/);
  assert.match(findings[1]?.message ?? '', /s\."Events"\."Seen"/);
  assert.match(findings[3]?.message ?? '', /t\.d/);
});

test('prefer-timestamptz accepts timestamptz, date and time', () => {
  assert.deepEqual(runRule(rule, 'CREATE TABLE t (a timestamptz, b timestamp with time zone, c date, d time);'), []);
});
