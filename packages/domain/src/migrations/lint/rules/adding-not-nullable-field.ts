import { ident, bodyOf, constraintOf, constraintType, field, isValidated, list, names, str, statementRelation } from '../ast.js';
import type { ClassifiedLintRule } from '../classified-rule.js';
import type { LintContext } from '../lint-rule.js';
import { alterCmds } from '../ast.js';
import { alterExistingTable, finding } from '../rule-kit.js';

const ID = 'adding-not-nullable-field';

/** The column a `CHECK (col IS NOT NULL)` tests, if that is the whole check. */
function notNullCheckColumn(constraint: unknown): string | undefined {
  const test = bodyOf(field(constraint, 'raw_expr'), 'NullTest');
  if (test === undefined || str(test, 'nulltesttype') !== 'IS_NOT_NULL') return undefined;
  const parts = names(list(bodyOf(field(test, 'arg'), 'ColumnRef'), 'fields'));
  return parts[parts.length - 1];
}

/** Whether a validated `CHECK (column IS NOT NULL)` on table exists before statement `index`. */
function validatedCheckBefore(context: LintContext, index: number, table: string, column: string): boolean {
  const added = new Map<string, boolean>();
  for (const s of context.statements.slice(0, index)) {
    const body = bodyOf(s.node, 'AlterTableStmt');
    if (statementRelation(body) !== table) continue;
    for (const c of alterCmds(body)) {
      const constraint = constraintOf(c.def);
      if (c.subtype === 'AT_AddConstraint' && constraintType(constraint) === 'CHECK' && notNullCheckColumn(constraint) === column) {
        added.set(str(constraint, 'conname') ?? '', isValidated(constraint));
      }
      if (c.subtype === 'AT_ValidateConstraint' && c.name !== undefined && added.has(c.name)) added.set(c.name, true);
    }
  }
  return [...added.values()].some((v) => v);
}

export const rule: ClassifiedLintRule = {
  id: ID,
  classification: 'unsafe',
  severity: 'error',
  description: 'SET NOT NULL scans the table under an ACCESS EXCLUSIVE lock unless a validated CHECK (col IS NOT NULL) exists',
  check(statement, context) {
    const alter = alterExistingTable(statement, context);
    if (alter === undefined) return [];
    const table = alter.display;
    return alter.cmds
      .filter((c) => c.subtype === 'AT_SetNotNull' && c.name !== undefined)
      .filter((c) => context.pgVersion < 12 || !validatedCheckBefore(context, statement.index, alter.table, c.name ?? ''))
      .map((c) => {
        const col = ident(c.name ?? '');
        const check = ident(`${alter.table.split('.').pop() ?? 't'}_${(c.name ?? '').toLowerCase()}_not_null`);
        return finding(
          ID,
          `SET NOT NULL on ${table}.${col} scans every row under an ACCESS EXCLUSIVE lock: reads and writes wait, and old versions writing NULL start failing`,
          `ALTER TABLE ${table} ADD CONSTRAINT ${check} CHECK (${col} IS NOT NULL) NOT VALID;\n-- backfill NULLs in batches; then, in a separate transaction:\nALTER TABLE ${table} VALIDATE CONSTRAINT ${check};\nALTER TABLE ${table} ALTER COLUMN ${col} SET NOT NULL;  -- PostgreSQL 12+ uses the check: no scan\nALTER TABLE ${table} DROP CONSTRAINT ${check};`,
        );
      });
  },
};
