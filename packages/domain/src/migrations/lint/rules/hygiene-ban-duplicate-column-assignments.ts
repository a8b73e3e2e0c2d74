import type { LintRule, SqlStatement } from '../lint-rule.js';
import { alterTableCmds, asList, asNode, asString, finding, newColumns, quoteIdent, rangeVarName, stmtOf, unwrap } from './compat-ast.js';

const ID = 'ban-duplicate-column-assignments';

/** Names that occur more than once (targets with field/subscript indirection are distinct assignments). */
function duplicates(names: readonly (string | undefined)[]): string[] {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const name of names) {
    if (name === undefined) continue;
    if (seen.has(name)) dup.add(name);
    seen.add(name);
  }
  return [...dup];
}

function targetNames(list: unknown): (string | undefined)[] {
  return asList(list).map((item) => {
    const target = unwrap(item, 'ResTarget');
    return target && asList(target['indirection']).length === 0 ? asString(target['name']) : undefined;
  });
}

/** [what, table, duplicated names] for the statement kinds that assign or declare columns. */
function assignments(statement: SqlStatement): { what: string; table: string; names: string[] }[] {
  const out: { what: string; table: string; names: string[] }[] = [];
  const update = stmtOf(statement, 'UpdateStmt');
  if (update) out.push({ what: 'UPDATE … SET assigns', table: rangeVarName(update['relation']), names: duplicates(targetNames(update['targetList'])) });
  const insert = stmtOf(statement, 'InsertStmt');
  if (insert) {
    const table = rangeVarName(insert['relation']);
    out.push({ what: 'INSERT names', table, names: duplicates(targetNames(insert['cols'])) });
    const conflict = asNode(insert['onConflictClause']);
    out.push({ what: 'ON CONFLICT DO UPDATE SET assigns', table, names: duplicates(targetNames(conflict?.['targetList'])) });
  }
  const columns = newColumns(statement);
  if (columns.length > 0) {
    const table = rangeVarName(columns[0]?.table);
    const what = stmtOf(statement, 'CreateStmt') ? 'CREATE TABLE declares' : 'ALTER TABLE adds';
    out.push({ what, table, names: duplicates(columns.map((c) => c.name)) });
  }
  const alter = alterTableCmds(statement);
  const typed = alter?.cmds.filter((c) => c['subtype'] === 'AT_AlterColumnType').map((c) => asString(c['name'])) ?? [];
  if (alter) out.push({ what: 'ALTER TABLE changes the type of', table: rangeVarName(alter.table), names: duplicates(typed) });
  return out;
}

export const rule: LintRule = {
  id: ID,
  description: 'A column assigned or declared twice in one statement is an error at run time (or a silent overwrite).',
  check(statement) {
    return assignments(statement).flatMap(({ what, table, names }) =>
      names.map((name) =>
        finding(
          ID,
          'expand',
          'error',
          `${what} column ${table}.${quoteIdent(name)} more than once: PostgreSQL rejects the statement with "multiple assignments to same column" (or "specified more than once").`,
          `Keep one ${quoteIdent(name)} in the statement and remove the others.`,
        ),
      ),
    );
  },
};
