import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runRule } from '../testing/parse-for-test.js';
import { identifiersIn, rule } from './hygiene-identifier-too-long.js';

const long64 = 'a'.repeat(64);
const exact63 = 'b'.repeat(63);

test('identifier-too-long flags identifiers over 63 bytes that the parser truncated', () => {
  const findings = runRule(rule, `CREATE TABLE s.${long64} (${exact63} int);`);
  assert.equal(findings.length, 1);
  assert.equal(findings[0]?.severity, 'error');
  assert.equal(findings[0]?.classification, 'expand');
  assert.match(findings[0]?.message ?? '', new RegExp(`"${long64}" is 64 bytes`));
});

test('identifier-too-long counts bytes, not characters, in quoted identifiers', () => {
  const name = 'é'.repeat(32); // 32 characters, 64 bytes
  const findings = runRule(rule, `ALTER TABLE "Orders" ADD COLUMN "${name}" text;`);
  assert.equal(findings.length, 1);
  assert.match(findings[0]?.message ?? '', /is 64 bytes/);
});

test('identifier-too-long ignores long strings, comments and dollar-quoted bodies', () => {
  const sql = `-- ${long64}\nINSERT INTO t (a) VALUES ('${long64}'); /* ${long64} */\nDO $body$ BEGIN PERFORM ${long64}; END $body$;`;
  assert.deepEqual(runRule(rule, sql), []);
  assert.deepEqual(runRule(rule, `CREATE TABLE "${exact63}" (x int);`), []);
  assert.deepEqual(runRule(rule, `INSERT INTO t (a) VALUES (E'it\\'s ${long64}');`), []);
});

test('identifiersIn unescapes quoted identifiers and lower-cases plain ones', () => {
  assert.deepEqual(identifiersIn('SELECT "A""b", Cd FROM t WHERE x = \'y\''), ['select', 'A"b', 'cd', 'from', 't', 'where', 'x']);
});
