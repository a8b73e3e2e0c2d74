import { bodyOf, list, str, statementRelation } from './ast.js';
import type { LintContext, LintFinding, LintRule, LocatedFinding, MigrationClass, SqlStatement } from './lint-rule.js';
import { ALL_RULES } from './rules/index.js';

export const DEFAULT_PG_VERSION = 15;

export interface LintOptions {
  /** The rules to run (default ALL_RULES). */
  readonly rules?: readonly LintRule[];
  /** The PostgreSQL major version the migration targets (default 15). */
  readonly pgVersion?: number;
}

export interface LintedStatement {
  readonly statement: SqlStatement;
  readonly classification: MigrationClass;
  readonly findings: readonly LintFinding[];
}

export interface LintResult {
  readonly statements: readonly LintedStatement[];
  readonly findings: readonly LocatedFinding[];
}

const CLASS_RANK: Readonly<Record<MigrationClass, number>> = { expand: 0, contract: 1, unsafe: 2 };

/** The worst class among findings; expand when there are none. */
export function classifyFindings(findings: readonly LintFinding[]): MigrationClass {
  let worst: MigrationClass = 'expand';
  for (const f of findings) if (CLASS_RANK[f.classification] > CLASS_RANK[worst]) worst = f.classification;
  return worst;
}

/** Runs every rule over every statement of one file (statements from one file, in order). */
export function lintStatements(statements: readonly SqlStatement[], options: LintOptions = {}): LintResult {
  const rules = options.rules ?? ALL_RULES;
  const context = buildContext(statements, options.pgVersion ?? DEFAULT_PG_VERSION);
  const linted: LintedStatement[] = [];
  const located: LocatedFinding[] = [];
  for (const statement of statements) {
    const findings = rules.flatMap((rule) => safeCheck(rule, statement, context));
    linted.push({ statement, classification: classifyFindings(findings), findings });
    for (const f of findings) {
      located.push({ ...f, file: statement.file, line: statement.line, col: statement.col, statement: statement.text });
    }
  }
  return { statements: linted, findings: located };
}

/** Rules promise not to throw; a bug in one must not hide the others' findings. */
function safeCheck(rule: LintRule, statement: SqlStatement, context: LintContext): readonly LintFinding[] {
  try {
    return rule.check(statement, context);
  } catch {
    return [];
  }
}

/** The lower-cased name of the setting a `SET` statement changes, if it is one. */
export function settingName(statement: SqlStatement): string | undefined {
  const set = bodyOf(statement.node, 'VariableSetStmt');
  return set === undefined ? undefined : str(set, 'name')?.toLowerCase();
}

/** The table a CREATE TABLE (or CREATE TABLE AS) statement creates. */
export function createdTable(statement: SqlStatement): string | undefined {
  const create = bodyOf(statement.node, 'CreateStmt');
  if (create) return statementRelation(create);
  const ctas = bodyOf(statement.node, 'CreateTableAsStmt');
  return ctas ? statementRelation(bodyOf(ctas['into'], 'IntoClause')) : undefined;
}

function sameTable(a: string, b: string): boolean {
  const strip = (n: string): string => n.replace(/^public\./, '');
  return strip(a) === strip(b);
}

export function buildContext(statements: readonly SqlStatement[], pgVersion: number): LintContext {
  const firstIndex = (name: string): number => {
    const s = statements.find((st) => settingName(st) === name && list(bodyOf(st.node, 'VariableSetStmt'), 'args').length > 0);
    return s === undefined ? Number.POSITIVE_INFINITY : s.index;
  };
  const lockAt = firstIndex('lock_timeout');
  const statementAt = firstIndex('statement_timeout');
  const created = statements.flatMap((s) => {
    const table = createdTable(s);
    return table === undefined ? [] : [{ index: s.index, table }];
  });
  return {
    statements,
    pgVersion,
    lockTimeoutBefore: (index) => lockAt < index,
    statementTimeoutBefore: (index) => statementAt < index,
    createdBefore: (index, table) => created.some((c) => c.index < index && sameTable(c.table, table.toLowerCase())),
  };
}
