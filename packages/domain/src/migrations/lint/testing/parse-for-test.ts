/**
 * Test-only: parses SQL with libpg-query (PostgreSQL's own parser) into the linter's SqlStatements
 * and a LintContext, so rule tests run on real ASTs. Not used by production code.
 */
import { loadModule, parseSync } from 'libpg-query';
import type { LintContext, LintFinding, LintRule, SqlStatement } from '../lint-rule.js';

await loadModule();

interface RawStmt {
  stmt?: Record<string, unknown>;
  stmt_location?: number;
  stmt_len?: number;
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, col: (before[before.length - 1]?.length ?? 0) + 1 };
}

function kindOf(node: Record<string, unknown>): string | undefined {
  const tx = node['TransactionStmt'] as { kind?: string } | undefined;
  return tx?.kind;
}

/** Parses a whole file into statements (byte offsets from the parser mapped back to characters). */
export function parseStatements(sql: string, file = 'test.sql'): SqlStatement[] {
  const bytes = Buffer.from(sql, 'utf8');
  const raw = (parseSync(sql) as { stmts?: RawStmt[] }).stmts ?? [];
  let open = false;
  return raw.map((r, index) => {
    const startByte = r.stmt_location ?? 0;
    const endByte = r.stmt_len === undefined || r.stmt_len === 0 ? bytes.length : startByte + r.stmt_len;
    const prefix = bytes.subarray(0, startByte).toString('utf8');
    const slice = bytes.subarray(startByte, endByte).toString('utf8');
    const lead = slice.length - slice.trimStart().length;
    const { line, col } = lineCol(sql, prefix.length + lead);
    const node = r.stmt ?? {};
    const kind = kindOf(node);
    if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') open = true;
    const inTransaction = open;
    if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') open = false;
    return { index, node, text: slice.trim(), file, line, col, inTransaction };
  });
}

function createdTable(node: Record<string, unknown>): string | undefined {
  const create = node['CreateStmt'] as { relation?: { relname?: string; schemaname?: string } } | undefined;
  const rel = create?.relation;
  if (rel?.relname === undefined) return undefined;
  return (rel.schemaname === undefined ? rel.relname : `${rel.schemaname}.${rel.relname}`).toLowerCase();
}

/** A context with the linter's semantics (public. is the default schema). */
export function contextFor(statements: readonly SqlStatement[], pgVersion = 15): LintContext {
  const strip = (n: string): string => n.toLowerCase().replace(/^public\./, '');
  const setAt = (name: string): number =>
    statements.find((s) => {
      const set = s.node['VariableSetStmt'] as { name?: string } | undefined;
      return set?.name?.toLowerCase() === name;
    })?.index ?? Number.POSITIVE_INFINITY;
  const lockAt = setAt('lock_timeout');
  const stmtAt = setAt('statement_timeout');
  return {
    statements,
    pgVersion,
    lockTimeoutBefore: (i) => lockAt < i,
    statementTimeoutBefore: (i) => stmtAt < i,
    createdBefore: (i, table) =>
      statements.some((s) => {
        const created = createdTable(s.node);
        return s.index < i && created !== undefined && strip(created) === strip(table);
      }),
  };
}

/** Runs one rule over every statement of `sql`; returns the findings with their statement index. */
export function runRule(rule: LintRule, sql: string): (LintFinding & { index: number })[] {
  const statements = parseStatements(sql);
  const context = contextFor(statements);
  return statements.flatMap((s) => rule.check(s, context).map((f) => ({ ...f, index: s.index })));
}
