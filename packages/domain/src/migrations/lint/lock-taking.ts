/** Which statements take locks that queue behind long transactions (used by the timeout rules). */
import { bodyOf, hasOption, nodeKind, statementRelation, str } from './ast.js';
import type { LintContext, SqlStatement } from './lint-rule.js';

const LOCKING_KINDS = new Set([
  'AlterTableStmt', 'IndexStmt', 'DropStmt', 'RenameStmt', 'ReindexStmt', 'ClusterStmt', 'TruncateStmt',
  'CreateTrigStmt', 'AlterDomainStmt', 'AlterEnumStmt', 'AlterSeqStmt', 'AlterObjectSchemaStmt',
]);

export function takesLocks(statement: SqlStatement, context: LintContext): boolean {
  const kind = nodeKind(statement.node);
  if (kind === undefined) return false;
  if (kind === 'VacuumStmt') return hasOption(bodyOf(statement.node, kind), 'options', 'full');
  if (!LOCKING_KINDS.has(kind)) return false;
  const body = bodyOf(statement.node, kind);
  if (kind === 'DropStmt' && !['OBJECT_TABLE', 'OBJECT_INDEX', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_TRIGGER'].includes(str(body, 'removeType') ?? '')) return false;
  const table = statementRelation(body);
  return table === undefined || !context.createdBefore(statement.index, table);
}

/** Whether `statement` is the first lock-taking statement of its file (timeout rules report once per file). */
export function firstLockTaking(statement: SqlStatement, context: LintContext): boolean {
  if (!takesLocks(statement, context)) return false;
  return !context.statements.slice(0, statement.index).some((s) => takesLocks(s, context));
}
