import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { rule } from './hygiene-prefer-text-field.js';

test('prefer-text-field flags varchar(n) in new columns', () => {
  const findings = runRule(rule, 'CREATE TABLE s."Users" (email varchar(255), "Name" character varying(40));\nALTER TABLE t ADD COLUMN c varchar(5);');
  assert.equal(findings.length, 3);
  assert.equal(findings[0]?.severity, 'info');
  assert.equal(findings[0]?.classification, 'expand');
  assert.match(findings[0]?.message ?? '', /s\."Users"\.email is varchar\(n\)/);
  assert.match(findings[1]?.message ?? '', /s\."Users"\."Name"/);
  assert.match(findings[2]?.fix ?? '', /c text with CONSTRAINT c_length CHECK \(char_length\(c\) <= n\)/);
});

test('prefer-text-field accepts text, unbounded varchar and type changes', () => {
  assert.deepEqual(runRule(rule, 'CREATE TABLE t (a text, b varchar); ALTER TABLE t ALTER COLUMN a TYPE varchar(9);'), []);
});
