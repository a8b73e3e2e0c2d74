import type { LintRule } from '../lint-rule.js';
import { asString, finding, quoteIdent, stmtOf } from './compat-ast.js';

const ID = 'rename-schema';

export const rule: LintRule = {
  id: ID,
  description: 'Renaming a schema breaks every query of the running version that names it (or has it on search_path).',
  check(statement) {
    const rename = stmtOf(statement, 'RenameStmt');
    if (rename?.['renameType'] !== 'OBJECT_SCHEMA') return [];
    const from = quoteIdent(asString(rename['subname']) ?? '?');
    const to = quoteIdent(asString(rename['newname']) ?? '?');
    return [
      finding(
        ID,
        'contract',
        'error',
        `Renaming schema ${from} to ${to} breaks the version still running: its qualified names and search_path still say ${from}.`,
        [
          `(1) expand: CREATE SCHEMA IF NOT EXISTS ${to}; with views over the ${from} tables (views keep the old name working while both versions run);`,
          `(2) switch the new version to ${to};`,
          `(3) contract, after the old version is gone: drop the views and ALTER SCHEMA ${from} RENAME TO ${to}; in one transaction.`,
        ].join('\n'),
      ),
    ];
  },
};
