import { alterCmds, bodyOf, constraintOf, constraintType, isValidated, statementRelation, str } from '../ast.js';
import type { ClassifiedLintRule } from '../classified-rule.js';
import type { LintContext, LintFinding, SqlStatement } from '../lint-rule.js';
import { alterExistingTable, finding, sqlOf, type AlterTable } from '../rule-kit.js';

const ID = 'constraint-missing-not-valid';

/** Constraint names added NOT VALID to `table` earlier in the same BEGIN … COMMIT block. */
function addedNotValidInThisTransaction(context: LintContext, statement: SqlStatement, table: string): Set<string> {
  const names = new Set<string>();
  if (!statement.inTransaction) return names;
  for (let i = statement.index - 1; i >= 0; i--) {
    const s = context.statements[i];
    const tx = str(bodyOf(s?.node, 'TransactionStmt'), 'kind') ?? '';
    if (s === undefined || !s.inTransaction || tx === 'TRANS_STMT_COMMIT' || tx === 'TRANS_STMT_ROLLBACK') break;
    const body = bodyOf(s.node, 'AlterTableStmt');
    if (statementRelation(body) !== table) continue;
    for (const c of alterCmds(body)) {
      const constraint = constraintOf(c.def);
      const name = str(constraint, 'conname');
      if (c.subtype === 'AT_AddConstraint' && name !== undefined && !isValidated(constraint)) names.add(name);
    }
  }
  return names;
}

function missingNotValid(statement: SqlStatement, alter: AlterTable): LintFinding[] {
  return alter.cmds.flatMap((c) => {
    const constraint = constraintOf(c.def);
    if (c.subtype !== 'AT_AddConstraint' || constraintType(constraint) !== 'CHECK' || !isValidated(constraint)) return [];
    const name = str(constraint, 'conname') ?? '<name>';
    return [
      finding(
        ID,
        `adding CHECK constraint ${name} to ${alter.display} scans every row under an ACCESS EXCLUSIVE lock: reads and writes wait for the scan`,
        `${sqlOf(statement)} NOT VALID;\n-- then, in a separate transaction (SHARE UPDATE EXCLUSIVE: reads and writes continue):\nALTER TABLE ${alter.display} VALIDATE CONSTRAINT ${name};`,
      ),
    ];
  });
}

export const rule: ClassifiedLintRule = {
  id: ID,
  classification: 'unsafe',
  severity: 'error',
  description: 'ADD CONSTRAINT … CHECK without NOT VALID (or VALIDATE in the same transaction as the NOT VALID add) scans the table while blocking writes',
  check(statement, context) {
    const alter = alterExistingTable(statement, context);
    if (alter === undefined) return [];
    const sameTx = addedNotValidInThisTransaction(context, statement, alter.table);
    const validates = alter.cmds
      .filter((c) => c.subtype === 'AT_ValidateConstraint' && c.name !== undefined && sameTx.has(c.name))
      .map((c) =>
        finding(
          ID,
          `VALIDATE CONSTRAINT ${c.name ?? ''} runs in the same transaction that added it NOT VALID to ${alter.display}: the ADD's ACCESS EXCLUSIVE lock is held through the whole scan`,
          `COMMIT;  -- after the ADD CONSTRAINT … NOT VALID\nALTER TABLE ${alter.display} VALIDATE CONSTRAINT ${c.name ?? ''};  -- in its own transaction`,
        ),
      );
    return [...missingNotValid(statement, alter), ...validates];
  },
};
