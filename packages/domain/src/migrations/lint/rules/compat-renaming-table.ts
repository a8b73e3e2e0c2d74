import type { LintRule } from '../lint-rule.js';
import { asNode, asString, finding, isNewTable, quoteIdent, rangeVarName, stmtOf } from './compat-ast.js';

const ID = 'renaming-table';

export const rule: LintRule = {
  id: ID,
  description: 'Renaming a table breaks the version still running; expose the new name as a view first, rename at contract.',
  check(statement, context) {
    const rename = stmtOf(statement, 'RenameStmt');
    if (rename?.['renameType'] !== 'OBJECT_TABLE') return [];
    if (isNewTable(context, statement, rename['relation'])) return [];
    const table = rangeVarName(rename['relation']);
    const schema = asString(asNode(rename['relation'])?.['schemaname']);
    const to = quoteIdent(asString(rename['newname']) ?? '?');
    const target = schema === undefined ? to : `${quoteIdent(schema)}.${to}`;
    const fix = [
      `Rename in phases instead of in place:`,
      `(1) expand: CREATE VIEW ${target} AS SELECT * FROM ${table}; (a simple view is updatable, so the new version can read and write ${to} while the old one uses ${table});`,
      `(2) switch the new version to ${to};`,
      `(3) contract, after the old version is gone, in one transaction: DROP VIEW ${target}; ALTER TABLE ${table} RENAME TO ${to};`,
    ].join('\n');
    return [
      finding(ID, 'contract', 'error', `Renaming table ${table} to ${to} breaks the version still running: its queries still use ${table}.`, fix),
    ];
  },
};
