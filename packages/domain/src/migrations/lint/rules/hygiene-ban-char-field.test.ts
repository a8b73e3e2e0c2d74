import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './hygiene-ban-char-field.js';

test('ban-char-field flags char(n) and character(n)', () => {
  const findings = runRule(rule, 'CREATE TABLE s."Codes" (a char(3), "B" character(10), c character);\nALTER TABLE t ADD COLUMN d char(2);');
  assert.equal(findings.length, 4);
  assert.equal(findings[0]?.severity, 'warning');
  assert.equal(findings[0]?.classification, 'expand');
  assert.match(findings[0]?.message ?? '', /s\."Codes"\.a is char\(n\)/);
  assert.match(findings[1]?.message ?? '', /s\."Codes"\."B"/);
  assert.match(findings[3]?.message ?? '', /t\.d/);
});

test('ban-char-field accepts text, varchar and the single-byte "char" type', () => {
  assert.deepEqual(runRule(rule, 'CREATE TABLE t (a text, b varchar(3), c "char", d character varying);'), []);
});
