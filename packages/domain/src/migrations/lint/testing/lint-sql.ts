/**
 * Test-only: parses SQL with libpg-query and runs rules through `lintStatements`, so rule tests
 * exercise real ASTs and the real LintContext. Positions here are approximate (ASCII fixtures);
 * the control plane's parse-sql.ts is the production adapter.
 */
import { loadModule, parseSync } from 'libpg-query';
import { lintStatements } from '../lint.js';
import type { LintRule, LocatedFinding, SqlStatement } from '../lint-rule.js';

await loadModule();

interface Raw {
  stmt?: Record<string, unknown>;
  stmt_location?: number;
  stmt_len?: number;
}

export function statementsOf(sql: string): SqlStatement[] {
  const raw = (parseSync(sql) as unknown as { stmts?: Raw[] }).stmts ?? [];
  let open = false;
  return raw.map((r, index) => {
    const from = r.stmt_location ?? 0;
    const text = sql.slice(from, r.stmt_len ? from + r.stmt_len : sql.length).trim();
    const kind = (r.stmt?.['TransactionStmt'] as { kind?: string } | undefined)?.kind ?? '';
    if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') open = true;
    const inTransaction = open;
    if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') open = false;
    return { index, node: r.stmt ?? {}, text, file: 'test.sql', line: 1, col: 1, inTransaction };
  });
}

/** The findings `rule` reports for `sql`, each with the index of its statement as `line` ignored. */
export function lintWith(rule: LintRule, sql: string, pgVersion?: number): (LocatedFinding & { index: number })[] {
  const statements = statementsOf(sql);
  const result = lintStatements(statements, pgVersion === undefined ? { rules: [rule] } : { rules: [rule], pgVersion });
  return result.statements.flatMap((s) => s.findings.map((f) => ({ ...f, file: 'test.sql', line: 1, col: 1, statement: s.statement.text, index: s.statement.index })));
}

/** Indexes of the statements `rule` flags in `sql`. */
export function flagged(rule: LintRule, sql: string, pgVersion?: number): number[] {
  return lintWith(rule, sql, pgVersion).map((f) => f.index);
}
