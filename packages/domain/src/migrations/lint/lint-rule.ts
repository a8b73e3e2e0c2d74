/**
 * The migration linter's model: statements parsed by PostgreSQL's own parser (libpg-query, in the
 * control plane) arrive here as plain AST objects; rules are pure functions over them. Every
 * statement is classified as expand (safe while the old version runs), contract (breaks the old
 * version) or unsafe (dangerous locks or rewrites), and every finding says why and the safe rewrite.
 */

/** How a statement affects a release: the worst class of its findings (expand when none). */
export type MigrationClass = 'expand' | 'contract' | 'unsafe';

/** Severity of a finding; `sluice migrate lint --fail-on` picks the lowest that fails (default error). */
export type LintSeverity = 'info' | 'warning' | 'error';
export const LINT_SEVERITIES: readonly LintSeverity[] = ['info', 'warning', 'error'];

/** One statement as the parser gave it, with where it is. */
export interface SqlStatement {
  /** 0-based position in the file. */
  readonly index: number;
  /** The node libpg-query returns under `stmt`, e.g. `{ AlterTableStmt: { … } }`. */
  readonly node: Readonly<Record<string, unknown>>;
  /** The statement's own text (trimmed). */
  readonly text: string;
  readonly file: string;
  /** 1-based line and column of the statement's first character. */
  readonly line: number;
  readonly col: number;
  /** Inside an explicit BEGIN … COMMIT block of the file. */
  readonly inTransaction: boolean;
}

/** What a rule knows about the file around a statement. */
export interface LintContext {
  readonly statements: readonly SqlStatement[];
  /** Whether `SET lock_timeout` (or `SET LOCAL lock_timeout`) appears before statement `index`. */
  lockTimeoutBefore(index: number): boolean;
  /** Whether `SET statement_timeout` appears before statement `index`. */
  statementTimeoutBefore(index: number): boolean;
  /** Tables created earlier in the same file (lower-case, schema-qualified when written so): new tables have no readers and no rows. */
  createdBefore(index: number, table: string): boolean;
  /** The PostgreSQL major version the migration targets (default 15). */
  readonly pgVersion: number;
}

/** A problem a rule found in one statement. */
export interface LintFinding {
  readonly rule: string;
  readonly classification: MigrationClass;
  readonly severity: LintSeverity;
  /** What is wrong and why it is dangerous, naming the table/column. */
  readonly message: string;
  /** The safe way: the rewrite or the expand → dual write → contract sequence, as SQL where it helps. */
  readonly fix: string;
}

/** A finding with its statement's position, as reported. */
export interface LocatedFinding extends LintFinding {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly statement: string;
}

export interface LintRule {
  /** Stable id, kebab-case, e.g. "require-concurrent-index-creation" (Squawk's names where one exists). */
  readonly id: string;
  /** One line for `sluice migrate rules`: what the rule checks. */
  readonly description: string;
  /** Findings for one statement; empty when it is fine. Pure; never throws on odd ASTs. */
  check(statement: SqlStatement, context: LintContext): readonly LintFinding[];
}
