import type { LintRule } from '../lint-rule.js';
import { alterTableCmds, asString, finding, isNewTable, quoteIdent, rangeVarName } from './compat-ast.js';

const ID = 'ban-drop-not-null';

export const rule: LintRule = {
  id: ID,
  description: 'Dropping NOT NULL lets the new version write NULLs the old version (and PL code) may not expect.',
  check(statement, context) {
    const alter = alterTableCmds(statement);
    if (!alter || isNewTable(context, statement, alter.table)) return [];
    const table = rangeVarName(alter.table);
    return alter.cmds
      .filter((cmd) => cmd['subtype'] === 'AT_DropNotNull')
      .map((cmd) => {
        const column = quoteIdent(asString(cmd['name']) ?? '?');
        return finding(
          ID,
          'contract',
          'warning',
          `Dropping NOT NULL on ${table}.${column}: once the new version writes NULLs, the version still running (and triggers or functions) may read a NULL ${column} it does not handle.`,
          [
            `(1) release a version that handles NULL in ${table}.${column} everywhere it reads it;`,
            `(2) after promotion, in the contract phase: ALTER TABLE ${table} ALTER COLUMN ${column} DROP NOT NULL;`,
            `(3) only then start writing NULLs.`,
          ].join('\n'),
        );
      });
  },
};
