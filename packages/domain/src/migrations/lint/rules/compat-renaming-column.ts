import type { LintRule } from '../lint-rule.js';
import { asString, finding, isNewTable, quoteIdent, rangeVarName, stmtOf } from './compat-ast.js';

const ID = 'renaming-column';

/** The expand → dual write → backfill → contract sequence for `table.from → table.to`. */
export function renameColumnFix(table: string, from: string, to: string): string {
  return [
    `Rename in phases instead of in place:`,
    `(1) expand: ALTER TABLE ${table} ADD COLUMN ${to} <type of ${from}>; plus a trigger keeping ${from} and ${to} in step while both versions run (planColumnChange in Sluice generates it: see docs/migrations.md);`,
    `(2) backfill: UPDATE ${table} SET ${to} = ${from} WHERE ${to} IS NULL; in batches;`,
    `(3) switch the new version to read and write ${to};`,
    `(4) contract, after the old version is gone: ALTER TABLE ${table} DROP COLUMN ${from}; (and drop the trigger).`,
  ].join('\n');
}

export const rule: LintRule = {
  id: ID,
  description: 'Renaming a column breaks the version still running; add the new column, dual write, backfill, drop the old one at contract.',
  check(statement, context) {
    const rename = stmtOf(statement, 'RenameStmt');
    if (rename?.['renameType'] !== 'OBJECT_COLUMN') return [];
    if (isNewTable(context, statement, rename['relation'])) return [];
    const table = rangeVarName(rename['relation']);
    const from = quoteIdent(asString(rename['subname']) ?? '?');
    const to = quoteIdent(asString(rename['newname']) ?? '?');
    return [
      finding(
        ID,
        'contract',
        'error',
        `Renaming column ${table}.${from} to ${to} breaks the version still running: its queries still use ${from}.`,
        renameColumnFix(table, from, to),
      ),
    ];
  },
};
