import type { LintRule } from '../lint-rule.js';
import { alterTableCmds, asString, finding, isNewTable, quoteIdent, rangeVarName } from './compat-ast.js';

const ID = 'ban-drop-column';

export const rule: LintRule = {
  id: ID,
  description: 'Dropping a column breaks the version still reading or writing it; stop using it first, drop at contract.',
  check(statement, context) {
    const alter = alterTableCmds(statement);
    if (!alter || isNewTable(context, statement, alter.table)) return [];
    const table = rangeVarName(alter.table);
    return alter.cmds
      .filter((cmd) => cmd['subtype'] === 'AT_DropColumn')
      .map((cmd) => {
        const column = quoteIdent(asString(cmd['name']) ?? '?');
        return finding(
          ID,
          'contract',
          'error',
          `Dropping column ${table}.${column} breaks the version still running if it reads or writes ${column} (SELECT *, INSERT … (${column}), ORMs mapping every column).`,
          [
            `(1) release a version that no longer reads or writes ${table}.${column} (make it nullable or give it a default first if the new version stops writing it);`,
            `(2) promote it and drain the old version;`,
            `(3) contract phase, after promotion: ALTER TABLE ${table} DROP COLUMN ${column};`,
          ].join('\n'),
        );
      });
  },
};
