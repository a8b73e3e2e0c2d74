import type { LintRule } from '../lint-rule.js';
import { asString, finding, quoteIdent, stmtOf } from './compat-ast.js';

const ID = 'ban-drop-database';

export const rule: LintRule = {
  id: ID,
  description: 'Dropping a database in a migration destroys everything the running versions use.',
  check(statement) {
    const drop = stmtOf(statement, 'DropdbStmt');
    if (!drop) return [];
    const db = quoteIdent(asString(drop['dbname']) ?? '?');
    return [
      finding(
        ID,
        'contract',
        'error',
        `Dropping database ${db} destroys every table the running versions use; it does not belong in an application migration.`,
        `Remove the statement. Decommission database ${db} as a separate, approved operation once no version connects to it.`,
      ),
    ];
  },
};
