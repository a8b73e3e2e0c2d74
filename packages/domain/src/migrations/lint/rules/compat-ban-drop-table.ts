import type { LintRule } from '../lint-rule.js';
import { asList, finding, nameParts, qualifiedName, stmtOf, unwrap } from './compat-ast.js';

const ID = 'ban-drop-table';

export const rule: LintRule = {
  id: ID,
  description: 'Dropping a table breaks the version still using it; stop using it first, drop at contract.',
  check(statement, context) {
    const drop = stmtOf(statement, 'DropStmt');
    if (drop?.['removeType'] !== 'OBJECT_TABLE') return [];
    return asList(drop['objects'])
      .map((object) => unwrap(object, 'List')?.['items'])
      .filter((items) => !context.createdBefore(statement.index, nameParts(items).join('.').toLowerCase()))
      .map((items) => {
        const table = qualifiedName(items);
        return finding(
          ID,
          'contract',
          'error',
          `Dropping table ${table} breaks the version still running if it reads or writes ${table}.`,
          [
            `(1) release a version that no longer uses ${table};`,
            `(2) promote it and drain the old version;`,
            `(3) contract phase, after promotion: DROP TABLE IF EXISTS ${table};`,
          ].join('\n'),
        );
      });
  },
};
