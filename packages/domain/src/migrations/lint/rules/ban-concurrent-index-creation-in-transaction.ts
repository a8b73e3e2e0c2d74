import { bodyOf, bool, hasOption, nodeKind } from '../ast.js';
import type { ClassifiedLintRule } from '../classified-rule.js';
import type { SqlStatement } from '../lint-rule.js';
import { alterCmds } from '../ast.js';
import { finding } from '../rule-kit.js';

const ID = 'ban-concurrent-index-creation-in-transaction';

/** What a statement does CONCURRENTLY, if anything. */
function concurrentWork(statement: SqlStatement): string | undefined {
  const node = statement.node;
  if (bool(bodyOf(node, 'IndexStmt'), 'concurrent')) return 'CREATE INDEX CONCURRENTLY';
  if (bool(bodyOf(node, 'DropStmt'), 'concurrent')) return 'DROP INDEX CONCURRENTLY';
  if (hasOption(bodyOf(node, 'ReindexStmt'), 'params', 'concurrently')) return 'REINDEX CONCURRENTLY';
  if (nodeKind(node) === 'AlterTableStmt') {
    const detach = alterCmds(bodyOf(node, 'AlterTableStmt')).some(
      (c) => c.subtype === 'AT_DetachPartition' && bool(bodyOf(c.def, 'PartitionCmd'), 'concurrent'),
    );
    if (detach) return 'DETACH PARTITION CONCURRENTLY';
  }
  return undefined;
}

export const rule: ClassifiedLintRule = {
  id: ID,
  classification: 'unsafe',
  severity: 'error',
  description: 'CONCURRENTLY operations cannot run inside BEGIN … COMMIT: PostgreSQL refuses them',
  check(statement) {
    const work = concurrentWork(statement);
    if (work === undefined || !statement.inTransaction) return [];
    return [
      finding(
        ID,
        `${work} inside a transaction block fails with "cannot run inside a transaction block"`,
        `-- move the statement after COMMIT (or into its own migration file without BEGIN);\n-- the migration runner runs it on its own, outside a transaction`,
      ),
    ];
  },
};
