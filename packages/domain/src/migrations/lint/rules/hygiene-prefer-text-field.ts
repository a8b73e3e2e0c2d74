import type { LintRule } from '../lint-rule.js';
import { columnType, finding, newColumns, quoteIdent, rangeVarName } from './compat-ast.js';

const ID = 'prefer-text-field';

export const rule: LintRule = {
  id: ID,
  description: 'varchar(n) in a new column: changing n later takes an ACCESS EXCLUSIVE lock; prefer text with a CHECK.',
  check(statement) {
    return newColumns(statement)
      .filter((c) => {
        const type = columnType(c.def['typeName']);
        return type?.name === 'varchar' && type.typmods > 0;
      })
      .map((c) => {
        const table = rangeVarName(c.table);
        const column = quoteIdent(c.name);
        return finding(
          ID,
          'expand',
          'info',
          `Column ${table}.${column} is varchar(n): changing n later takes an ACCESS EXCLUSIVE lock on ${table} (and shrinking it rewrites the table), while a CHECK constraint can be replaced online (NOT VALID, then VALIDATE).`,
          `Use ${column} text with CONSTRAINT ${quoteIdent(`${c.name}_length`)} CHECK (char_length(${column}) <= n).`,
        );
      });
  },
};
