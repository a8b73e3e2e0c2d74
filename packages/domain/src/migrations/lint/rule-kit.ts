/** Helpers the rules share: building findings and reading ALTER TABLE statements. */
import { alterCmds, bodyOf, displayRelation, field, statementRelation, type AlterCmd, type AstNode } from './ast.js';
import type { LintContext, LintFinding, LintSeverity, MigrationClass, SqlStatement } from './lint-rule.js';

export function finding(
  rule: string,
  message: string,
  fix: string,
  severity: LintSeverity = 'error',
  classification: MigrationClass = 'unsafe',
): LintFinding {
  return { rule, classification, severity, message, fix };
}

export interface AlterTable {
  /** Lower-case, for matching. */
  readonly table: string;
  /** As written, quoted where needed: for messages and fixes. */
  readonly display: string;
  readonly body: AstNode;
  readonly cmds: readonly AlterCmd[];
}

/** The ALTER TABLE a statement is, when it is one on a table that existed before this file. */
export function alterExistingTable(statement: SqlStatement, context: LintContext): AlterTable | undefined {
  const body = bodyOf(statement.node, 'AlterTableStmt');
  const table = statementRelation(body);
  if (body === undefined || table === undefined) return undefined;
  if (context.createdBefore(statement.index, table)) return undefined;
  return { table, display: displayRelation(field(body, 'relation')) ?? table, body, cmds: alterCmds(body) };
}

/** A statement's text without its trailing semicolon, for quoting in messages and fixes. */
export function sqlOf(statement: SqlStatement): string {
  return statement.text.replace(/;\s*$/, '');
}
