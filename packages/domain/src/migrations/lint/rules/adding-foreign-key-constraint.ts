import { columnConstraints, columnDefOf, constraintOf, constraintType, displayRelation, field, isValidated, str } from '../ast.js';
import type { AstNode } from '../ast.js';
import type { ClassifiedLintRule } from '../classified-rule.js';
import { alterExistingTable, finding, sqlOf } from '../rule-kit.js';

const ID = 'adding-foreign-key-constraint';

/** Validated foreign keys an ALTER TABLE adds: table constraints and column REFERENCES clauses. */
function validatedForeignKeys(subtype: string, def: unknown): AstNode[] {
  if (subtype === 'AT_AddConstraint') {
    const c = constraintOf(def);
    return c !== undefined && constraintType(c) === 'FOREIGN' && isValidated(c) ? [c] : [];
  }
  if (subtype === 'AT_AddColumn') {
    return columnConstraints(columnDefOf(def)).filter((c) => constraintType(c) === 'FOREIGN' && isValidated(c));
  }
  return [];
}

export const rule: ClassifiedLintRule = {
  id: ID,
  classification: 'unsafe',
  severity: 'error',
  description: 'a validated FOREIGN KEY locks both tables (SHARE ROW EXCLUSIVE) while it scans every row',
  check(statement, context) {
    const alter = alterExistingTable(statement, context);
    if (alter === undefined) return [];
    return alter.cmds.flatMap((c) =>
      validatedForeignKeys(c.subtype, c.def).map((fk) => {
        const table = alter.display;
        const target = displayRelation(field(fk, 'pktable')) ?? '?';
        const name = str(fk, 'conname') ?? '<name>';
        return finding(
          ID,
          `adding a foreign key from ${table} to ${target} takes SHARE ROW EXCLUSIVE locks on both tables and scans ${table}: writes to both wait`,
          `${sqlOf(statement)} NOT VALID;\n-- then, in a separate transaction (does not block writes):\nALTER TABLE ${table} VALIDATE CONSTRAINT ${name};`,
        );
      }),
    );
  },
};
