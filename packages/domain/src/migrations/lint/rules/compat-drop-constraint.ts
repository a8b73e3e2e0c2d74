import type { LintRule } from '../lint-rule.js';
import { alterTableCmds, asString, finding, isNewTable, quoteIdent, rangeVarName } from './compat-ast.js';

const ID = 'drop-constraint';

export const rule: LintRule = {
  id: ID,
  description: 'Dropping a CHECK/UNIQUE/foreign key may break the running version that relies on it (ON CONFLICT, cascades, validation).',
  check(statement, context) {
    const alter = alterTableCmds(statement);
    if (!alter || isNewTable(context, statement, alter.table)) return [];
    const table = rangeVarName(alter.table);
    return alter.cmds
      .filter((cmd) => cmd['subtype'] === 'AT_DropConstraint')
      .map((cmd) => {
        const name = quoteIdent(asString(cmd['name']) ?? '?');
        return finding(
          ID,
          'contract',
          'warning',
          `Dropping constraint ${name} on ${table}: the version still running may rely on it (ON CONFLICT needs a unique constraint, ON DELETE CASCADE needs the foreign key, code may rely on a CHECK rejecting bad rows).`,
          [
            `(1) release a version that no longer relies on ${name};`,
            `(2) promote it and drain the old version;`,
            `(3) contract phase, after promotion: ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${name};`,
          ].join('\n'),
        );
      });
  },
};
