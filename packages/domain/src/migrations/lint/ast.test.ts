import assert from 'node:assert/strict';
import { test } from 'node:test';
import { alterCmds, calledFunctions, constraintType, displayRelation, hasOption, nodeKind, relationName, typeName } from './ast.js';
import { LOCKING_RULES } from './rules/index.js';
import { statementsOf } from './testing/lint-sql.js';
import { buildContext } from './lint.js';

test('accessors read real parser output', () => {
  const [alter] = statementsOf('ALTER TABLE "Sales"."Orders" ALTER COLUMN code TYPE varchar(40), ADD CONSTRAINT u UNIQUE (code)');
  const body = alter?.node['AlterTableStmt'];
  assert.equal(nodeKind(alter?.node), 'AlterTableStmt');
  assert.equal(relationName((body as Record<string, unknown>)['relation']), 'sales.orders');
  assert.equal(displayRelation((body as Record<string, unknown>)['relation']), '"Sales"."Orders"');
  const cmds = alterCmds(body);
  assert.deepEqual(cmds.map((c) => [c.subtype, c.name]), [['AT_AlterColumnType', 'code'], ['AT_AddConstraint', undefined]]);
  assert.deepEqual(typeName((cmds[0]?.def as { ColumnDef: { typeName: unknown } }).ColumnDef.typeName), { name: 'varchar', mods: [40] });
  assert.equal(constraintType((cmds[1]?.def as { Constraint: unknown }).Constraint), 'UNIQUE');
  const [vacuum] = statementsOf('VACUUM (FULL) t');
  assert.equal(hasOption(vacuum?.node['VacuumStmt'], 'options', 'full'), true);
  assert.deepEqual(calledFunctions(statementsOf('SELECT now() + x.random(), lower(gen_random_uuid()::text)')[0]?.node), ['now', 'random', 'lower', 'gen_random_uuid']);
});

test('accessors and rules answer empty on odd shapes instead of throwing', () => {
  const odd: unknown[] = [null, undefined, 42, 'x', [], [1, { a: 1 }], { A: 1, B: 2 }, { AlterTableStmt: [] }, { AlterTableStmt: { cmds: [null, { AlterTableCmd: 3 }], relation: { relname: 5 } } }];
  for (const value of odd) {
    assert.equal(relationName(value), undefined);
    assert.deepEqual(alterCmds(value), []);
    assert.equal(typeName(value), undefined);
    assert.deepEqual(calledFunctions(value), []);
  }
  const statements = odd.map((node, index) => ({ index, node: (typeof node === 'object' && node !== null && !Array.isArray(node) ? node : {}) as Record<string, unknown>, text: '', file: 'f', line: 1, col: 1, inTransaction: true }));
  const context = buildContext(statements, 15);
  // The timeout rules may still see an ALTER TABLE (it takes locks whatever its body); the others find nothing.
  const quiet = LOCKING_RULES.filter((r) => !r.id.endsWith('-timeout'));
  assert.equal(quiet.length, LOCKING_RULES.length - 2);
  for (const rule of quiet) for (const s of statements) assert.deepEqual(rule.check(s, context), [], rule.id);
  for (const rule of LOCKING_RULES) for (const s of statements) assert.doesNotThrow(() => rule.check(s, context), rule.id);
});
