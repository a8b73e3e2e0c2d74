import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './hygiene-prefer-bigint-over-smallint.js';

test('prefer-bigint-over-smallint flags smallint, int2 and smallserial columns', () => {
  const findings = runRule(rule, 'CREATE TABLE s.t (a smallint, "B" int2, c smallserial);\nALTER TABLE "T" ADD COLUMN d smallint;');
  assert.equal(findings.length, 4);
  assert.equal(findings[0]?.severity, 'info');
  assert.match(findings[0]?.message ?? '', /s\.t\.a is a 16-bit int2/);
  assert.match(findings[1]?.message ?? '', /s\.t\."B"/);
  assert.match(findings[2]?.fix ?? '', /IDENTITY/);
  assert.match(findings[3]?.message ?? '', /"T"\.d/);
});

test('prefer-bigint-over-smallint accepts bigint and int', () => {
  assert.deepEqual(runRule(rule, 'CREATE TABLE t (a bigint, b int, c serial);'), []);
});
