import { constraintOf, constraintType, str } from '../ast.js';
import type { ClassifiedLintRule } from '../classified-rule.js';
import { alterExistingTable, finding } from '../rule-kit.js';

const ID = 'ban-exclusion-constraint';

export const rule: ClassifiedLintRule = {
  id: ID,
  classification: 'unsafe',
  severity: 'error',
  description: 'adding an EXCLUDE constraint to an existing table blocks reads and writes and cannot be NOT VALID',
  check(statement, context) {
    const alter = alterExistingTable(statement, context);
    if (alter === undefined) return [];
    return alter.cmds
      .filter((c) => c.subtype === 'AT_AddConstraint' && constraintType(constraintOf(c.def)) === 'EXCLUSION')
      .map((c) =>
        finding(
          ID,
          `adding exclusion constraint ${str(constraintOf(c.def), 'conname') ?? ''} to ${alter.display} builds its index under an ACCESS EXCLUSIVE lock and cannot be added NOT VALID: there is no online way`.replace('  ', ' '),
          `-- no safe path on a live table: create the constraint with the table (CREATE TABLE … EXCLUDE …),\n-- or enforce the rule in the application / a trigger, or schedule downtime`,
        ),
      );
  },
};
