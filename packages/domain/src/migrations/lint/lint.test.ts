import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildContext, classifyFindings, lintStatements } from './lint.js';
import type { LintRule } from './lint-rule.js';
import { ALL_RULES, LOCKING_RULES } from './rules/index.js';
import { statementsOf } from './testing/lint-sql.js';

describe('lintStatements', () => {
  test('classifies each statement by its worst finding and locates findings', () => {
    const statements = statementsOf("SET lock_timeout = '1s'; SET statement_timeout = '1min'; CREATE INDEX i ON users (email); ALTER TABLE users ADD COLUMN a int;");
    const result = lintStatements(statements, { rules: LOCKING_RULES });
    assert.deepEqual(result.statements.map((s) => s.classification), ['expand', 'expand', 'unsafe', 'expand']);
    assert.deepEqual(result.findings.map((f) => f.rule), ['require-concurrent-index-creation']);
    assert.equal(result.findings[0]?.statement, 'CREATE INDEX i ON users (email)');
    assert.equal(result.findings[0]?.file, 'test.sql');
  });

  test('a rule that throws does not hide the findings of the others', () => {
    const broken: LintRule = { id: 'broken', description: 'x', check: () => { throw new Error('bug'); } };
    const ok: LintRule = { id: 'ok', description: 'y', check: () => [{ rule: 'ok', classification: 'contract', severity: 'info', message: 'm', fix: 'f' }] };
    const result = lintStatements(statementsOf('SELECT 1'), { rules: [broken, ok] });
    assert.deepEqual(result.findings.map((f) => f.rule), ['ok']);
    assert.equal(result.statements[0]?.classification, 'contract');
  });

  test('classifyFindings ranks unsafe over contract over expand', () => {
    const f = (classification: 'expand' | 'contract' | 'unsafe') => ({ rule: 'r', classification, severity: 'info' as const, message: '', fix: '' });
    assert.equal(classifyFindings([]), 'expand');
    assert.equal(classifyFindings([f('contract'), f('expand')]), 'contract');
    assert.equal(classifyFindings([f('contract'), f('unsafe'), f('expand')]), 'unsafe');
  });

  test('the context knows timeouts and created tables by position, and the PG version', () => {
    const statements = statementsOf("CREATE TABLE public.a (id int); SET lock_timeout = '1s'; CREATE TABLE s.b (id int); SET statement_timeout TO DEFAULT; SELECT 1;");
    const ctx = buildContext(statements, 13);
    assert.equal(ctx.pgVersion, 13);
    assert.deepEqual([0, 1, 2, 4].map((i) => ctx.lockTimeoutBefore(i)), [false, false, true, true]);
    assert.equal(ctx.statementTimeoutBefore(4), false);
    assert.deepEqual([ctx.createdBefore(0, 'a'), ctx.createdBefore(1, 'a'), ctx.createdBefore(1, 'PUBLIC.A')], [false, true, true]);
    assert.deepEqual([ctx.createdBefore(2, 's.b'), ctx.createdBefore(3, 's.b'), ctx.createdBefore(3, 'b')], [false, true, false]);
  });

  test('every rule has a unique kebab-case id and a description', () => {
    const ids = ALL_RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const r of ALL_RULES) {
      assert.match(r.id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.ok(r.description.length > 10, r.id);
    }
  });
});
